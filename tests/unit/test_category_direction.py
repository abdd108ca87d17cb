"""The direction gates the category (``streams.core.category``): money out is never income
or an incoming transfer, money in never an outgoing transfer; refunds keep their shop's."""

from __future__ import annotations

import polars as pl
import pytest

from streams.core.category import (
    DIRECTION_DEFAULT_CONFIDENCE,
    NEVER_BY_DIRECTION,
    classify,
)
from streams.core.contracts import taxonomy
from streams.core.merchant import MerchantCatalogue, attach_merchants

pytestmark = pytest.mark.unit

CATALOGUE = MerchantCatalogue.from_frame(
    pl.DataFrame(
        {
            "merchant_id": ["m_phone", "m_shop", "m_wallet"],
            "name": ["Fonetel", "Modahaus", "Paywallet"],
            "website": ["fonetel.example", "modahaus.example", "paywallet.example"],
            "category_primary": ["RENT_AND_UTILITIES", "GENERAL_MERCHANDISE", "TRANSFER_OUT"],
            "category_detailed": [
                "RENT_AND_UTILITIES_TELEPHONE",
                "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
                "TRANSFER_OUT_ACCOUNT_TRANSFER",
            ],
            "mcc": ["4814", "5651", None],
        }
    ),
    version="test",
)


def _classified(
    rows: list[tuple[str, str, float, str, float]],
) -> pl.DataFrame:
    """rows: (direction, model category, its confidence, model merchant, its confidence)."""
    frame = pl.DataFrame(
        {
            "direction": [r[0] for r in rows],
            "mcc": pl.Series([None] * len(rows), dtype=pl.String),
            "model_category_detailed": [r[1] for r in rows],
            "model_category_confidence": [r[2] for r in rows],
            "model_merchant_id": [r[3] for r in rows],
            "model_merchant_confidence": [r[4] for r in rows],
            "model_counterparty_type": ["merchant"] * len(rows),
            "model_counterparty_confidence": [0.9] * len(rows),
        }
    )
    return classify(attach_merchants(frame, CATALOGUE))


def _answer(direction: str, model: str, merchant: str = "unknown") -> tuple[str, float]:
    row = _classified([(direction, model, 0.8, merchant, 0.6)]).row(0, named=True)
    return row["category_detailed"], row["category_confidence"]


def test_a_direct_debit_read_as_income_takes_the_merchants_category() -> None:
    assert _answer("debit", "INCOME_OTHER_INCOME", "m_phone") == (
        "RENT_AND_UTILITIES_TELEPHONE",
        0.6,
    )


def test_a_card_payment_read_as_income_without_a_merchant_is_a_purchase() -> None:
    assert _answer("debit", "INCOME_WAGES") == (
        "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
        DIRECTION_DEFAULT_CONFIDENCE,
    )


@pytest.mark.parametrize(
    ("direction", "model", "mirrored"),
    [
        ("debit", "TRANSFER_IN_ACCOUNT_TRANSFER", "TRANSFER_OUT_ACCOUNT_TRANSFER"),
        ("debit", "TRANSFER_IN_DEPOSIT", "TRANSFER_OUT_WITHDRAWAL"),
        ("debit", "INCOME_INTEREST_EARNED", "BANK_FEES_INTEREST_CHARGE"),
        ("debit", "INCOME_TAX_REFUND", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"),
        ("credit", "TRANSFER_OUT_WITHDRAWAL", "TRANSFER_IN_DEPOSIT"),
        ("credit", "TRANSFER_OUT_SAVINGS", "TRANSFER_IN_SAVINGS"),
    ],
)
def test_a_movement_read_the_wrong_way_is_the_same_movement_the_other_way(
    direction: str, model: str, mirrored: str
) -> None:
    assert _answer(direction, model) == (mirrored, 0.8)


def test_a_merchant_of_the_wrong_direction_gives_way_to_the_mirror() -> None:
    assert _answer("credit", "TRANSFER_OUT_ACCOUNT_TRANSFER", "m_wallet") == (
        "TRANSFER_IN_ACCOUNT_TRANSFER",
        0.8,
    )


@pytest.mark.parametrize(
    ("direction", "model", "merchant"),
    [
        ("credit", "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES", "unknown"),  # a refund
        ("credit", "FOOD_AND_DRINK_RESTAURANT", "unknown"),
        ("credit", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT", "unknown"),  # a card account's payment
        ("credit", "BANK_FEES_OVERDRAFT_FEES", "unknown"),  # a fee refunded
        ("credit", "INCOME_WAGES", "unknown"),
        ("credit", "TRANSFER_IN_ACCOUNT_TRANSFER", "unknown"),
        ("debit", "TRANSFER_OUT_ACCOUNT_TRANSFER", "unknown"),
        ("debit", "LOAN_PAYMENTS_MORTGAGE_PAYMENT", "unknown"),
    ],
)
def test_labels_the_direction_allows_stand(direction: str, model: str, merchant: str) -> None:
    assert _answer(direction, model, merchant) == (model, 0.8)


def test_a_refund_at_a_shop_keeps_the_shops_category() -> None:
    row = _classified([("credit", "FOOD_AND_DRINK_RESTAURANT", 0.4, "m_shop", 0.9)]).row(
        0, named=True
    )
    assert row["category_detailed"] == "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES"


def test_no_label_of_the_taxonomy_survives_the_wrong_direction() -> None:
    labels = sorted(taxonomy().primary_of)
    rows = [
        (direction, label, 0.8, merchant, 0.9)
        for direction in ("debit", "credit")
        for label in labels
        for merchant in ("unknown", "m_phone", "m_wallet")
    ]
    out = _classified(rows)
    for direction, primaries in NEVER_BY_DIRECTION.items():
        side = out.filter(pl.col("direction") == direction)
        assert not side["category_primary"].is_in(primaries).any()
    assert out["category_detailed"].is_in(labels).all()
