"""From the ensemble's answers to enrichment columns: catalogue join, thresholds, category
choice and MCC (pure)."""

from __future__ import annotations

import polars as pl
import pytest

from streams.core.category import classify
from streams.core.merchant import MIN_MERCHANT_CONFIDENCE, MerchantCatalogue, attach_merchants

pytestmark = pytest.mark.unit


def _rows(**columns: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "direction": ["debit"],
        "mcc": [None],
        "model_merchant_id": ["unknown"],
        "model_merchant_confidence": [0.9],
        "model_category_detailed": ["GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE"],
        "model_category_confidence": [0.5],
        "model_counterparty_type": ["merchant"],
        "model_counterparty_confidence": [0.9],
    }
    base.update(columns)
    return pl.DataFrame(base, schema_overrides={"mcc": pl.String})


@pytest.fixture(scope="module")
def catalogue() -> MerchantCatalogue:
    return MerchantCatalogue.load()


def test_a_confident_merchant_brings_its_catalogue_entry(catalogue: MerchantCatalogue) -> None:
    out = classify(attach_merchants(_rows(model_merchant_id=["m_netflix"]), catalogue)).row(
        0, named=True
    )
    assert out["merchant_name"] == "Netflix"
    assert out["merchant_website"] == "netflix.com"
    assert out["merchant_confidence"] == 0.9
    # the merchant model (0.9) is surer than the category model (0.5): catalogue category
    assert out["category_detailed"] == "ENTERTAINMENT_TV_AND_MOVIES"
    assert out["category_primary"] == "ENTERTAINMENT"
    assert out["category_mcc"] == "4899"  # the merchant's, no network MCC sent


def test_below_the_threshold_no_merchant_and_the_category_model_decides(
    catalogue: MerchantCatalogue,
) -> None:
    rows = _rows(
        model_merchant_id=["m_netflix"],
        model_merchant_confidence=[MIN_MERCHANT_CONFIDENCE - 0.01],
        model_category_detailed=["FOOD_AND_DRINK_FAST_FOOD"],
    )
    out = classify(attach_merchants(rows, catalogue)).row(0, named=True)
    assert out["merchant_id"] is None
    assert out["merchant_name"] is None
    assert out["merchant_confidence"] == 0.0
    assert out["category_detailed"] == "FOOD_AND_DRINK_FAST_FOOD"
    assert out["category_mcc"] == "5814"  # the usual code for the category


def test_a_surer_category_model_overrides_the_merchant_default(
    catalogue: MerchantCatalogue,
) -> None:
    rows = _rows(
        model_merchant_id=["m_netflix"],
        model_merchant_confidence=[0.6],
        model_category_detailed=["GENERAL_MERCHANDISE_ELECTRONICS"],
        model_category_confidence=[0.95],
        mcc=["4899"],
    )
    out = classify(attach_merchants(rows, catalogue)).row(0, named=True)
    assert out["merchant_name"] == "Netflix"
    assert out["category_detailed"] == "GENERAL_MERCHANDISE_ELECTRONICS"
    assert out["category_confidence"] == 0.95
    assert out["category_mcc"] == "4899"  # the network's MCC always wins


def test_counterparty_type_of_a_named_merchant(catalogue: MerchantCatalogue) -> None:
    rows = pl.concat(
        [
            _rows(model_merchant_id=["m_netflix"], model_counterparty_type=["person"]),
            _rows(model_merchant_id=["m_navient"], model_counterparty_type=["bank"]),
            _rows(model_counterparty_type=["employer"]),
        ]
    )
    out = classify(attach_merchants(rows, catalogue))
    assert out["counterparty_type"].to_list() == ["merchant", "bank", "employer"]


def test_money_in_read_as_income_keeps_the_category_models_label(
    catalogue: MerchantCatalogue,
) -> None:
    # the tax office's catalogue category is a tax payment: a credit the model reads as a
    # refund stays a refund; the same reading on a debit, or an unsure one, does not
    cases = (("credit", 0.8), ("debit", 0.8), ("credit", 0.4))
    rows = pl.concat(
        [
            _rows(
                direction=[direction],
                model_merchant_id=["m_irs"],
                model_merchant_confidence=[0.99],
                model_category_detailed=["INCOME_TAX_REFUND"],
                model_category_confidence=[confidence],
            )
            for direction, confidence in cases
        ]
    )
    out = classify(attach_merchants(rows, catalogue))
    assert out["category_detailed"].to_list() == [
        "INCOME_TAX_REFUND",
        "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
        "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
    ]
