"""Pre-policies, topologies and the model cache key: pure code over frames and files."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import polars as pl
import pytest

from streams.core.cache_codec import cache_keys, decode_predictions, encode_predictions
from streams.core.merchant import MerchantCatalogue
from streams.core.model_steps import PREDICTION_SCHEMA
from streams.core.policy import split_by_policy
from streams.core.types import InboundMessage
from streams.core.wire import decode_value, encode_value
from streams.errors import ConfigError
from streams.inference.predictor import LocalPredictor
from streams.shell.processor import BatchProcessor
from streams.topology import DEFAULT_TOPOLOGY, load_topology

pytestmark = pytest.mark.unit

TOPOLOGIES = DEFAULT_TOPOLOGY.parent


def _batch(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_row": list(range(len(rows))),
            "description": [r[0] for r in rows],
            "direction": [r[1] for r in rows],
            "amount": [r[2] for r in rows],
            "mcc": [None] * len(rows),
        },
        schema_overrides={"_row": pl.Int64, "mcc": pl.String},
    )


def test_live_policies_answer_own_account_transfers_and_zero_amount_checks() -> None:
    policies = load_topology(TOPOLOGIES / "live.yaml").policies()
    batch = _batch(
        [
            ("ONLINE TRANSFER TO CHK ...4821 CONF# 1234", "debit", "250.00"),
            ("Transfer from Savings xxxxxx0042", "credit", "100.00"),
            ("NETFLIX.COM", "debit", "0.00"),
            ("NETFLIX.COM", "debit", "15.49"),
            ("ZELLE TRANSFER TO JOHN SMITH", "debit", "40.00"),  # a person: the model decides
        ]
    )
    split = split_by_policy(batch, policies)
    assert split.rows["_row"].to_list() == [3, 4]
    answered = split.answered.sort("_row")
    assert answered["_row"].to_list() == [0, 1, 2]
    assert answered["policy_reason"].to_list() == [
        "own_account_transfer",
        "own_savings_transfer",
        "zero_amount_authorisation",
    ]
    assert answered["model_category_detailed"].to_list() == [
        "TRANSFER_OUT_ACCOUNT_TRANSFER",
        "TRANSFER_IN_ACCOUNT_TRANSFER",
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
    ]
    assert answered.select(PREDICTION_SCHEMA.names()).schema == PREDICTION_SCHEMA
    assert split.counts == {
        "own_account_transfer": 1,
        "own_savings_transfer": 1,
        "zero_amount_authorisation": 1,
    }


def test_no_policies_send_every_row_to_the_model() -> None:
    batch = _batch([("ONLINE TRANSFER TO CHK 1", "debit", "1.00")])
    split = split_by_policy(batch, [])
    assert split.rows.equals(batch)
    assert split.answered.height == 0 and split.counts == {}


def test_backfill_differs_from_live_only_in_its_triton_lane() -> None:
    live, backfill = (load_topology(TOPOLOGIES / f"{n}.yaml") for n in ("live", "backfill"))
    assert (live.route.priority, backfill.route.priority) == (1, 2)
    assert backfill.route.timeout_seconds > live.route.timeout_seconds
    # a backfill keeps one small request in Triton's queues; live sends whole batches
    assert (live.route.request_rows, backfill.route.request_rows) == (None, 256)
    assert live.pre_policies == backfill.pre_policies


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nroute: {priority: 3}\n", "route.priority"),
        ("name: x\nroutes: {}\n", "routes: Extra inputs"),
        (
            "name: x\npre_policies: [{reason: a, category: {debit: NOPE, credit: NOPE}}]\n",
            "not detailed categories",
        ),
        (
            "name: x\npre_policies: [{reason: a, description: '(', "
            "category: {debit: BANK_FEES_ATM_FEES, credit: BANK_FEES_ATM_FEES}}]\n",
            "regular expression",
        ),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_topologies_are_config_errors_naming_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_topology(path)


def test_missing_topology_says_which_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read topology .*nope\.yaml"):
        load_topology(tmp_path / "nope.yaml")


def test_cache_key_is_what_the_model_reads() -> None:
    batch = pl.DataFrame(
        {
            "description": ["Starbucks #1042 Seattle", "STARBUCKS  #2210 SEATTLE", "STARBUCKS"],
            "direction": ["debit", "debit", "debit"],
            "mcc": ["5814", "5814", "5814"],
        }
    )
    first, second, third = cache_keys(batch, "models-abc")
    assert first == second  # same normalised text: digits are 0, case and spacing folded
    assert first != third
    assert re.fullmatch(r"txenrich:model:models-abc:[0-9a-f]{32}", first)
    assert "STARBUCKS" not in first.upper() and "5814" not in first  # nothing readable
    other_model = cache_keys(batch, "models-def")[0]
    assert other_model != first
    credit = cache_keys(batch.with_columns(direction=pl.lit("credit")), "models-abc")[0]
    assert credit != first
    # the models do not read the bank's card-payment words, nor does the key
    wrapped = batch.with_columns(description=pl.lit("CONTACTLESS PAYMENT STARBUCKS"))
    assert cache_keys(wrapped, "models-abc")[2] == third


def test_cached_predictions_round_trip() -> None:
    frame = pl.DataFrame(
        {
            "model_merchant_id": ["starbucks", "unknown"],
            "model_merchant_confidence": [0.93, 0.8],
            "model_category_detailed": ["FOOD_AND_DRINK_COFFEE", "BANK_FEES_ATM_FEES"],
            "model_category_confidence": [0.9, 0.7],
            "model_counterparty_type": ["merchant", "bank"],
            "model_counterparty_confidence": [0.99, 0.6],
        },
        schema=PREDICTION_SCHEMA,
    )
    assert decode_predictions(encode_predictions(frame)).equals(frame)


def test_policy_answers_keep_their_place_among_model_answers() -> None:
    rows = [
        ("ONLINE TRANSFER TO CHK ...4821 TRANSACTION#: 1234", "250.00"),
        ("NETFLIX.COM 866-579-7172 CA", "15.49"),
        ("CARD VERIFICATION STARBUCKS", "0.00"),
        ("STARBUCKS STORE 11542 SEATTLE WA", "5.10"),
    ]
    messages = [
        InboundMessage(
            encode_value(
                {
                    "transaction_id": f"t{i}",
                    "account_id": "a1",
                    "amount": amount,
                    "currency": "USD",
                    "direction": "debit",
                    "description": text,
                    "date": "2025-03-01",
                }
            ),
            offset=i,
        )
        for i, (text, amount) in enumerate(rows)
    ]
    processor = BatchProcessor(
        MerchantCatalogue.load(),
        LocalPredictor(threads=1),
        policies=load_topology(TOPOLOGIES / "live.yaml").policies(),
    )
    output = asyncio.run(processor.process(messages))
    got = [decode_value(r.value, None) for r in output.enriched]
    assert [g["transaction_id"] for g in got] == ["t0", "t1", "t2", "t3"]
    assert [g["inference_path"] for g in got] == ["policy", "local", "policy", "local"]
    assert got[0]["category"]["detailed"] == "TRANSFER_OUT_ACCOUNT_TRANSFER"
    assert got[1]["merchant"]["website"] == "netflix.com"
    assert got[3]["merchant"]["website"] == "starbucks.com"
