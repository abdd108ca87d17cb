"""The in-process runner executes the repository's ensemble: same steps, same ONNX files,
same pre/post code, so its outputs are what Triton's ensemble computes."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from streams.core.merchant import MIN_MERCHANT_CONFIDENCE
from streams.core.model_steps import postprocess, preprocess, request_tensors
from streams.inference.local import LocalEnsemble, onnx_session, onnx_step
from streams.inference.predictor import LocalPredictor
from streams.inference.repository import ModelRepository

pytestmark = pytest.mark.unit

ROWS = pl.DataFrame(
    {
        "description": [
            "NETFLIX.COM 866-579-7172 CA",
            "STARBUCKS STORE 11542 SEATTLE WA",
            "CARD PAYMENT TO TESCO STORES 3297 ON 12 MAR",
            "SQ *GRANARY BREAD CO PORTLAND OR",
            "ACME CORP DES:PAYROLL ID:8827161 INDN:DOE JANE CO ID:9123 PPD",
            "ATM WITHDRAWAL 004512 0314 MAIN ST DENVER CO",
        ],
        "direction": ["debit", "debit", "debit", "debit", "credit", "debit"],
        "mcc": ["4899", None, None, "5462", None, "6011"],
    }
)


@pytest.fixture(scope="module")
def repository() -> ModelRepository:
    return ModelRepository()


@pytest.fixture(scope="module")
def ensemble(repository: ModelRepository) -> LocalEnsemble:
    return LocalEnsemble(repository, threads=1)


def test_runner_equals_the_steps_chained_by_hand(
    repository: ModelRepository, ensemble: LocalEnsemble
) -> None:
    inputs = request_tensors(ROWS)
    out = ensemble.infer(inputs)
    feats = preprocess(inputs)
    merchant = onnx_step(onnx_session(str(repository.onnx_path("merchant", 1)), threads=1))
    category = onnx_step(onnx_session(str(repository.onnx_path("category", 1)), threads=1))
    by_hand = postprocess(
        merchant({"tokens": feats["tokens"], "mask": feats["mask"]})
        | category(
            {
                "tokens": feats["tokens"],
                "mask": feats["mask"],
                "mcc": feats["mcc_id"],
                "dense": feats["dense"],
            }
        ),
        repository.labels(),
    )
    assert set(out) == set(by_hand)
    for name, tensor in by_hand.items():
        np.testing.assert_array_equal(out[name], tensor, err_msg=name)


def test_a_row_gets_the_same_answer_alone_or_in_a_batch(ensemble: LocalEnsemble) -> None:
    together = ensemble.infer(request_tensors(ROWS))
    for i in range(ROWS.height):
        alone = ensemble.infer(request_tensors(ROWS.slice(i, 1)))
        assert alone["merchant_id"][0, 0] == together["merchant_id"][i, 0]
        assert alone["category_detailed"][0, 0] == together["category_detailed"][i, 0]
        np.testing.assert_allclose(
            alone["merchant_confidence"][0], together["merchant_confidence"][i], rtol=1e-4
        )


def test_trained_models_answer_plain_cases() -> None:
    predictor = LocalPredictor(threads=1)
    got = predictor.predict_now(ROWS)
    assert got["model_merchant_id"].to_list()[:3] == ["m_netflix", "m_starbucks", "m_tesco"]
    # a local bakery: no merchant the pipeline would keep
    local = got.row(3, named=True)
    assert (
        local["model_merchant_id"] == "unknown"
        or local["model_merchant_confidence"] < MIN_MERCHANT_CONFIDENCE
    )
    assert got["model_category_detailed"][4] == "INCOME_WAGES"
    assert got["model_counterparty_type"][4] == "employer"
    assert got["model_category_detailed"][5] == "TRANSFER_OUT_WITHDRAWAL"
    assert predictor.predict_now(ROWS.head(0)).height == 0
    assert predictor.model_versions["merchant"] == "1"


def test_a_brand_through_card_words_the_recipe_never_printed() -> None:
    """Issue #19 class 3: banks' card-payment words in each language of bank_words.tsv, a
    town printed twice, card numbers: the trained models still name the brand."""
    lines = {
        "PAGO CON TARJETA PRIMARK GRANADA GRANADA": "m_primark",
        "Contactless Payment PRIMARK CARDIFF": "m_primark",
        "Betaalautomaat HEMA UTRECHT UTRECHT": "m_hema",
        "BEA, Betaalpas HEMA AMERSFOORT,PAS123": "m_hema",
        "FACTURE CARTE DU 12/03 FNAC NANTES CARTE 1234": "m_fnac",
        "SEPA-KARTENZAHLUNG ROSSMANN BREMEN": "m_rossmann",
        "COMPRA TARJ. 4412XXXXXXXX1234 MERCADONA GRANADA-GRANADA": "m_mercadona",
    }
    rows = pl.DataFrame({"description": list(lines), "direction": "debit", "mcc": None})
    got = LocalPredictor(threads=1).predict_now(rows)
    assert dict(zip(lines, got["model_merchant_id"], strict=True)) == lines
    assert min(got["model_merchant_confidence"]) >= MIN_MERCHANT_CONFIDENCE
