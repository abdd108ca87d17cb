"""The batch validator: n in = n out, reason codes, and agreement with the JSON Schema."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.core.contracts import RAW_SCHEMA, load_schema, raw_contract
from streams.core.types import InboundMessage
from streams.core.validation import InputLimits, validate_batch
from streams.core.wire import CONTENT_TYPE_HEADER, JSON, SCHEMA_HEADER

pytestmark = pytest.mark.unit

GOOD: dict[str, Any] = {
    "transaction_id": "tx_1",
    "account_id": "acc_1",
    "amount": "12.50",
    "currency": "USD",
    "direction": "debit",
    "description": "SQ *BLUE BOTTLE COFFEE",
    "date": "2024-02-29",
}


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    # JSON Schema patterns are ECMA-262: `$` is the end of input. Python's re.search
    # lets `$` match before a final newline, which would accept "USD\n".
    if validator.is_type(instance, "string") and not re.search(
        pattern.replace("$", r"\Z"), instance
    ):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
)
RAW_VALIDATOR = EcmaValidator(load_schema(RAW_SCHEMA), format_checker=jsonschema.FormatChecker())


def _msg(record: Any, offset: int = 0) -> InboundMessage:
    return InboundMessage(msgpack.packb(record), b"k", "raw", 0, offset, 1_700_000_000_000)


def _reasons(records: list[Any]) -> list[str | None]:
    batch = validate_batch([_msg(r, i) for i, r in enumerate(records)])
    by_offset: dict[int, str | None] = {o: None for o in batch.valid["_row"].to_list()}
    by_offset.update({row.message.offset: row.reason for row in batch.rejected})
    return [by_offset[i] for i in range(len(records))]


def test_valid_record_passes_and_keeps_fields() -> None:
    batch = validate_batch([_msg({**GOOD, "metadata": {"channel": "pos"}, "mcc": "5814"})])
    assert batch.rejected == []
    row = batch.valid.row(0, named=True)
    assert row["transaction_id"] == "tx_1"
    assert row["mcc"] == "5814"
    assert msgpack.unpackb(row["_metadata"]) == {"channel": "pos"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount": "12,50"}, "invalid_amount"),
        ({"amount": "-5.00"}, "invalid_amount"),
        ({"amount": "1e3"}, "invalid_amount"),
        ({"amount": 12.5}, "wrong_type"),
        ({"account_id": 42}, "wrong_type"),
        ({"currency": "XYZ"}, "invalid_currency"),
        ({"currency": "usd"}, "invalid_currency"),
        ({"direction": "out"}, "invalid_direction"),
        ({"date": "2025-02-29"}, "invalid_date"),
        ({"date": "31/12/2024"}, "invalid_date"),
        ({"date": "1899-01-01"}, "invalid_date"),
        ({"date": "3024-01-01"}, "invalid_date"),
        ({"description": "X" * 513}, "description_too_long"),
        ({"description": ""}, "invalid_description"),
        ({"mcc": "58"}, "invalid_mcc"),
        ({"country": "XX"}, "invalid_country"),
        ({"entity_type": "robot"}, "invalid_entity_type"),
        ({"transaction_id": "has space"}, "invalid_id"),
        ({"metadata": [1, 2]}, "wrong_type"),
    ],
)
def test_reason_codes(change: dict[str, Any], reason: str) -> None:
    assert _reasons([{**GOOD, **change}]) == [reason]


def test_missing_field_and_shapes() -> None:
    missing = {k: v for k, v in GOOD.items() if k != "currency"}
    assert _reasons([missing, [1, 2], 7, {}]) == [
        "missing_field",
        "not_an_object",
        "not_an_object",
        "missing_field",
    ]


def test_undecodable_and_unknown_schema() -> None:
    bad_bytes = InboundMessage(b"\xc1\xff", offset=1)
    broken_json = InboundMessage(b'{"transaction_id": ', offset=2)
    empty = InboundMessage(b"", offset=3)
    other = InboundMessage(
        json.dumps(GOOD).encode(),
        offset=4,
        headers=((CONTENT_TYPE_HEADER, JSON.encode()), (SCHEMA_HEADER, b"raw_transaction.v9")),
    )
    batch = validate_batch([bad_bytes, broken_json, empty, other])
    assert batch.valid.height == 0
    assert sorted(r.reason for r in batch.rejected) == [
        "undecodable",
        "undecodable",
        "undecodable",
        "unknown_schema",
    ]


def test_json_wire_format_accepted() -> None:
    message = InboundMessage(
        json.dumps(GOOD).encode(), headers=((CONTENT_TYPE_HEADER, JSON.encode()),)
    )
    assert validate_batch([message]).valid.height == 1


def test_n_in_equals_n_out_over_mixed_batch() -> None:
    records: list[Any] = []
    for i in range(3000):
        record = {**GOOD, "transaction_id": f"tx_{i}"}
        if i % 7 == 0:
            record["amount"] = "abc"
        if i % 11 == 0:
            del record["date"]
        records.append(record)
    batch = validate_batch([_msg(r, i) for i, r in enumerate(records)])
    assert batch.valid.height + len(batch.rejected) == 3000
    offsets = sorted(batch.valid["_row"].to_list() + [r.message.offset for r in batch.rejected])
    assert offsets == list(range(3000))


# --- agreement with the published JSON Schema -------------------------------------------

contract = raw_contract()
text = st.text(max_size=20)
small_ints = st.integers(-(2**62), 2**62)
valid_values: dict[str, st.SearchStrategy[Any]] = {
    "transaction_id": st.from_regex(r"\Atx_[a-z0-9]{1,12}\Z"),
    "account_id": st.from_regex(r"\Aacc_[0-9]{1,6}\Z"),
    "amount": st.from_regex(r"\A(0|[1-9][0-9]{0,6})(\.[0-9]{2})?\Z"),
    "currency": st.sampled_from(sorted(contract.currencies)),
    "direction": st.sampled_from(["debit", "credit"]),
    "description": st.text(min_size=1, max_size=40),
    "date": st.dates().map(lambda d: d.isoformat()),
    "mcc": st.from_regex(r"\A[0-9]{4}\Z"),
    "country": st.sampled_from(sorted(contract.countries)),
    "entity_type": st.sampled_from(["consumer", "business"]),
    "metadata": st.dictionaries(st.text(max_size=5), small_ints, max_size=3),
}
invalid_values: dict[str, st.SearchStrategy[Any]] = {
    name: st.one_of(
        text,
        small_ints,
        st.none(),
        st.floats(allow_nan=False),
        st.just("2024-02-30"),
        st.just("1.234.5"),
        st.just("USD\n"),
        st.text(min_size=513, max_size=520),
        st.just(""),
    )
    for name in valid_values
}


@st.composite
def raw_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, strategy in valid_values.items():
        optional = name not in contract.required
        roll = draw(st.integers(0, 9))
        if roll == 0 or (optional and roll < 4):
            continue  # field absent
        record[name] = draw(invalid_values[name] if roll == 9 else strategy)
    return record


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_records(), min_size=1, max_size=30))
def test_batch_validation_agrees_with_json_schema(records: list[dict[str, Any]]) -> None:
    reasons = _reasons(records)
    for record, reason in zip(records, reasons, strict=True):
        schema_ok = RAW_VALIDATOR.is_valid(record)
        assert schema_ok == (reason is None), (record, reason)


def test_metadata_msgpack_cannot_hold_is_invalid_metadata() -> None:
    too_big = InboundMessage(json.dumps({**GOOD, "metadata": {"n": 10**30}}).encode(), offset=1)
    fine = InboundMessage(json.dumps({**GOOD, "metadata": {"n": 2**63 - 1}}).encode(), offset=2)
    batch = validate_batch([too_big, fine])
    assert batch.valid.height == 1
    (rejected,) = batch.rejected
    assert rejected.reason == "invalid_metadata"
    assert rejected.message.offset == 1
    assert "OverflowError" in rejected.error
    assert rejected.transaction_id == GOOD["transaction_id"]


def test_size_and_depth_limits() -> None:
    limits = InputLimits(record_bytes=2048, metadata_bytes=256, metadata_depth=4)
    nested: dict[str, Any] = {"leaf": 1}
    for _ in range(4):  # the metadata object and four more levels
        nested = {"n": nested}
    records = {
        "huge": {**GOOD, "metadata": {"note": "x" * 3000}},
        "fat_metadata": {**GOOD, "metadata": {"note": "y" * 400}},
        "deep_metadata": {**GOOD, "metadata": nested},
        "deep_list": {**GOOD, "metadata": {"a": [[[[1]]]]}},
        "fits": {**GOOD, "metadata": {"a": [[[1]]], "note": "z" * 100}},
    }
    messages = [_msg(record, offset) for offset, record in enumerate(records.values())]
    out = validate_batch(messages, limits)
    reasons = {r.message.offset: (r.reason, r.error) for r in out.rejected}
    assert reasons[0][0] == "record_too_large" and "not decoded" in reasons[0][1]
    assert reasons[1][0] == "metadata_too_large"
    assert reasons[2][0] == "metadata_too_deep"
    assert reasons[3][0] == "metadata_too_deep"
    assert 4 not in reasons and out.valid.height == 1
    assert validate_batch(messages).valid.height == 5  # the defaults are wider
    with pytest.raises(ValueError, match="positive"):
        InputLimits(metadata_depth=0)
