"""The ensemble's python steps (pure): tensors in, tensors out."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from streams.core.alias_evidence import alias_key
from streams.core.featurise import SEQ_LEN, featurise
from streams.core.merchant import MIN_MERCHANT_CONFIDENCE
from streams.core.model_steps import (
    ENSEMBLE_OUTPUTS,
    PREDICTION_SCHEMA,
    ModelLabels,
    postprocess,
    predictions_frame,
    preprocess,
    request_tensors,
    string_column,
)

pytestmark = pytest.mark.unit

LABELS = ModelLabels(
    merchants=("unknown", "m_a", "m_b", "m_c"),
    categories=("FOOD_AND_DRINK_COFFEE", "INCOME_WAGES", "TRANSFER_OUT_WITHDRAWAL"),
    counterparty_types=("merchant", "person", "employer", "bank", "government", "unknown"),
)


def test_request_tensors_are_strings_with_empty_for_null() -> None:
    frame = pl.DataFrame(
        {"description": ["STARBUCKS #1", "ÉCOLE"], "direction": ["debit", "credit"]},
    ).with_columns(mcc=pl.Series([None, "8220"], dtype=pl.String))
    tensors = request_tensors(frame)
    assert tensors["description"].shape == (2, 1)
    assert tensors["description"].dtype == np.object_
    assert tensors["description"][1, 0] == "ÉCOLE"
    assert tensors["mcc"][:, 0].tolist() == ["", "8220"]


def test_string_column_decodes_triton_bytes_and_passes_str() -> None:
    as_bytes = np.array([["ÉCOLE".encode()], [b""]], dtype=np.object_)
    as_str = np.array([["ÉCOLE"], [""]], dtype=np.object_)
    assert string_column(as_bytes).to_list() == ["ÉCOLE", ""]
    assert string_column(as_str).to_list() == ["ÉCOLE", ""]


def test_preprocess_is_featurise_on_the_decoded_strings() -> None:
    frame = pl.DataFrame(
        {"description": ["SQ *BLUE BOTTLE", "PAYROLL ACME"], "direction": ["debit", "credit"]}
    ).with_columns(mcc=pl.Series(["5814", None], dtype=pl.String))
    out = preprocess(request_tensors(frame))
    expected = featurise(frame)
    assert out["tokens"].shape == (2, SEQ_LEN)
    np.testing.assert_array_equal(out["tokens"], expected["tokens"])
    np.testing.assert_array_equal(out["mcc_id"], expected["mcc"])
    np.testing.assert_array_equal(out["dense"], [[0.0, 1.0], [1.0, 0.0]])


def test_postprocess_sums_a_merchants_aliases_before_choosing() -> None:
    # row 0: m_a holds 0.3 + 0.25 over two aliases and beats unknown's 0.4
    # row 1: unknown leads outright
    ids = np.array([[0, 1, 1, 2, 3, 3, 3, 3], [0, 2, 1, 3, 3, 3, 3, 3]], dtype=np.int64)
    probs = np.array(
        [[0.4, 0.3, 0.25, 0.05, 0, 0, 0, 0], [0.7, 0.2, 0.1, 0, 0, 0, 0, 0]], dtype=np.float32
    )
    category = np.array([[0.1, 0.1, 0.8], [0.2, 0.7, 0.1]], dtype=np.float32)
    ctype = np.eye(6, dtype=np.float32)[[0, 2]]
    out = postprocess(
        {
            "merchant_top_ids": ids,
            "merchant_top_probs": probs,
            "category_probs": category,
            "counterparty_probs": ctype,
        },
        LABELS,
    )
    assert set(out) == set(ENSEMBLE_OUTPUTS)
    assert out["merchant_id"][:, 0].tolist() == [b"m_a", b"unknown"]
    np.testing.assert_allclose(out["merchant_confidence"][:, 0], [0.55, 0.7], rtol=1e-6)
    assert out["category_detailed"][:, 0].tolist() == [
        b"TRANSFER_OUT_WITHDRAWAL",
        b"INCOME_WAGES",
    ]
    np.testing.assert_allclose(out["category_confidence"][:, 0], [0.8, 0.7])
    assert out["counterparty_type"][:, 0].tolist() == [b"merchant", b"employer"]
    frame = predictions_frame(out)
    assert frame.schema == PREDICTION_SCHEMA
    assert frame["model_merchant_id"].to_list() == ["m_a", "unknown"]


def test_postprocess_reranks_on_alias_evidence_unless_a_person_is_paid() -> None:
    labels = ModelLabels(
        merchants=LABELS.merchants,
        categories=LABELS.categories,
        counterparty_types=LABELS.counterparty_types,
        merchant_aliases=((2, alias_key("Blue Door")),),
    )
    ids = np.tile(np.array([0, 2, 1, 3, 3, 3, 3, 3], dtype=np.int64), (2, 1))
    probs = np.tile(np.array([0.9, 0.05, 0.05, 0, 0, 0, 0, 0], dtype=np.float32), (2, 1))
    out = postprocess(
        {
            "merchant_top_ids": ids,
            "merchant_top_probs": probs,
            "category_probs": np.full((2, 3), 1 / 3, dtype=np.float32),
            "counterparty_probs": np.eye(6, dtype=np.float32)[[0, 1]],  # merchant, person
            "description": np.array([[b"POS BLUE DOOR 0412"], [b"ZELLE TO BLUE DOOR"]]),
        },
        labels,
    )
    assert out["merchant_id"][:, 0].tolist() == [b"m_b", b"unknown"]
    np.testing.assert_allclose(out["merchant_confidence"][:, 0], [MIN_MERCHANT_CONFIDENCE, 0.9])


def test_empty_predictions_have_the_schema() -> None:
    assert predictions_frame(None).schema == PREDICTION_SCHEMA
    assert predictions_frame(None).height == 0
