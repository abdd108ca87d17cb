"""In-adapter: wire bytes -> one polars DataFrame of valid rows, plus rejected rows.

Decoding is per record (msgpack/JSON have no batch decoder); every value check
after that is a polars expression over the whole batch, driven by the raw v1
JSON Schema (see contracts.py), so a test can prove the two agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack
import polars as pl

from streams.core.contracts import RAW_SCHEMA, raw_contract
from streams.core.types import InboundMessage, RejectedRow
from streams.core.wire import (
    CONTENT_TYPE_HEADER,
    SCHEMA_HEADER,
    DecodeFailure,
    decode_value,
    header_value,
)

__all__ = ["DEFAULT_LIMITS", "RAW_COLUMNS", "InputLimits", "ValidatedBatch", "validate_batch"]

RAW_COLUMNS = (
    "transaction_id",
    "account_id",
    "amount",
    "currency",
    "direction",
    "description",
    "date",
    "mcc",
    "country",
    "entity_type",
)
# Shell-side facts carried next to each row; the out-adapter needs them.
META_COLUMNS = ("_row", "_timestamp_ms", "_metadata")


@dataclass(frozen=True)
class InputLimits:
    """What one raw record may hold. The record's size is checked before it is decoded, so
    no input costs more than ``record_bytes`` of parsing; metadata's size and nesting right
    after, before anything is built from it."""

    record_bytes: int = 65_536
    metadata_bytes: int = 16_384  # as msgpack
    metadata_depth: int = 16  # nested objects and arrays, the metadata object itself = 1

    def __post_init__(self) -> None:
        if min(self.record_bytes, self.metadata_bytes, self.metadata_depth) < 1:
            raise ValueError("input limits must be positive")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects/arrays nest more than ``limit`` deep (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list | tuple):
            continue
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return False


def _metadata_problem(metadata: Any, limits: InputLimits) -> tuple[str, str] | bytes | None:
    """The packed metadata, or the reason and message it cannot be carried."""
    if metadata is None:
        return None
    if _deeper_than(metadata, limits.metadata_depth):
        return "metadata_too_deep", f"metadata nests deeper than {limits.metadata_depth} levels"
    try:
        packed: bytes = msgpack.packb(metadata, use_bin_type=True)
    except (OverflowError, ValueError, TypeError) as exc:
        return "invalid_metadata", f"metadata cannot be carried: {type(exc).__name__}: {exc}"
    if len(packed) > limits.metadata_bytes:
        error = f"metadata is {len(packed)} bytes, more than the {limits.metadata_bytes} allowed"
        return "metadata_too_large", error
    return packed


DEFAULT_LIMITS = InputLimits()


@dataclass(frozen=True)
class ValidatedBatch:
    """Valid rows as a DataFrame (raw columns + META_COLUMNS) and the rejected rows."""

    valid: pl.DataFrame
    rejected: list[RejectedRow]


def _structural_problem(record: Any) -> tuple[str, str] | None:
    """Reason and message when a decoded record has the wrong shape, else None."""
    contract = raw_contract()
    if not isinstance(record, dict):
        return "not_an_object", f"record is a {type(record).__name__}, expected an object"
    missing = [f for f in contract.required if f not in record]
    if missing:
        return "missing_field", f"missing required field(s): {', '.join(missing)}"
    for name in contract.string_fields:
        if name in record and not isinstance(record[name], str):
            kind = type(record[name]).__name__
            return "wrong_type", f"field {name!r} is a {kind}, expected a string"
    if "metadata" in record and not isinstance(record["metadata"], dict):
        return "wrong_type", "field 'metadata' must be an object"
    return None


def _value_reason() -> pl.Expr:
    """Reason code for the first value-level violation of each row, null when valid."""
    c = raw_contract()
    desc_len = pl.col("description").str.len_chars()
    parsed_date = pl.col("date").str.to_date("%Y-%m-%d", strict=False)

    def bad_id(col: str) -> pl.Expr:
        return ~pl.col(col).str.contains(c.id_pattern) | (
            pl.col(col).str.len_chars() > c.id_max_length
        )

    def bad_optional(col: str, ok: pl.Expr) -> pl.Expr:
        return pl.col(col).is_not_null() & ~ok

    checks: list[tuple[pl.Expr, str]] = [
        (bad_id("transaction_id") | bad_id("account_id"), "invalid_id"),
        (~pl.col("amount").str.contains(c.amount_pattern), "invalid_amount"),
        (~pl.col("currency").is_in(sorted(c.currencies)), "invalid_currency"),
        (~pl.col("direction").is_in(sorted(c.directions)), "invalid_direction"),
        (desc_len > c.description_max_length, "description_too_long"),
        (desc_len == 0, "invalid_description"),
        (~pl.col("date").str.contains(c.date_pattern) | parsed_date.is_null(), "invalid_date"),
        (bad_optional("mcc", pl.col("mcc").str.contains(c.mcc_pattern)), "invalid_mcc"),
        (bad_optional("country", pl.col("country").is_in(sorted(c.countries))), "invalid_country"),
        (
            bad_optional("entity_type", pl.col("entity_type").is_in(sorted(c.entity_types))),
            "invalid_entity_type",
        ),
    ]
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for condition, reason in reversed(checks):
        expr = pl.when(condition).then(pl.lit(reason)).otherwise(expr)
    return expr


_REASON_TEXT = {
    "invalid_id": "transaction_id/account_id must be 1-128 printable ASCII characters",
    "invalid_amount": 'amount must be a non-negative decimal string such as "12.50"',
    "invalid_currency": 'currency must be an ISO 4217 code such as "USD"',
    "invalid_direction": 'direction must be "debit" or "credit"',
    "description_too_long": "description is longer than the contract's maximum",
    "invalid_description": "description must not be empty",
    "invalid_date": "date must be a real calendar date YYYY-MM-DD between 1970 and 2099",
    "invalid_mcc": "mcc must be four digits",
    "invalid_country": "country must be an ISO 3166-1 alpha-2 code",
    "invalid_entity_type": 'entity_type must be "consumer" or "business"',
}


def validate_batch(
    messages: Sequence[InboundMessage], limits: InputLimits = DEFAULT_LIMITS
) -> ValidatedBatch:
    """Split a micro-batch into valid rows (one DataFrame) and rejected rows, losing none."""
    rejected: list[RejectedRow] = []
    columns: dict[str, list[Any]] = {name: [] for name in (*RAW_COLUMNS, *META_COLUMNS)}
    kept: list[InboundMessage] = []
    for index, message in enumerate(messages):
        schema = header_value(message.headers, SCHEMA_HEADER)
        if schema is not None and schema != RAW_SCHEMA:
            reason = f"schema header {schema!r} is not {RAW_SCHEMA!r}"
            rejected.append(RejectedRow(message, "unknown_schema", reason))
            continue
        if message.value is not None and len(message.value) > limits.record_bytes:
            error = (
                f"record is {len(message.value)} bytes, more than the {limits.record_bytes} "
                "allowed (TXENRICH_MAX_RECORD_BYTES); not decoded"
            )
            rejected.append(RejectedRow(message, "record_too_large", error))
            continue
        try:
            record = decode_value(message.value, header_value(message.headers, CONTENT_TYPE_HEADER))
        except DecodeFailure as exc:
            rejected.append(RejectedRow(message, exc.reason, str(exc)))
            continue
        problem = _structural_problem(record)
        if problem is not None:
            ids = _ids(record)
            rejected.append(RejectedRow(message, problem[0], problem[1], *ids))
            continue
        packed = _metadata_problem(record.get("metadata"), limits)
        if isinstance(packed, tuple):
            rejected.append(RejectedRow(message, *packed, *_ids(record)))
            continue
        for name in RAW_COLUMNS:
            columns[name].append(record.get(name))
        columns["_row"].append(index)
        columns["_timestamp_ms"].append(message.timestamp_ms)
        columns["_metadata"].append(packed)
        kept.append(message)

    schema_types: dict[str, pl.DataType] = {name: pl.String() for name in RAW_COLUMNS}
    schema_types.update({"_row": pl.Int64(), "_timestamp_ms": pl.Int64(), "_metadata": pl.Binary()})
    frame = pl.DataFrame(columns, schema=schema_types).with_columns(_reason=_value_reason())

    bad = frame.filter(pl.col("_reason").is_not_null())
    if bad.height:
        by_row = {m_index: m for m_index, m in zip(frame["_row"].to_list(), kept, strict=True)}
        for row in bad.select("_row", "_reason", "transaction_id", "account_id").iter_rows():
            index, reason, tx_id, acc_id = row
            rejected.append(RejectedRow(by_row[index], reason, _REASON_TEXT[reason], tx_id, acc_id))
    valid = frame.filter(pl.col("_reason").is_null()).drop("_reason")
    return ValidatedBatch(valid=valid, rejected=rejected)


def _ids(record: Any) -> tuple[str | None, str | None]:
    if not isinstance(record, dict):
        return None, None
    tx, acc = record.get("transaction_id"), record.get("account_id")
    return (tx if isinstance(tx, str) else None, acc if isinstance(acc, str) else None)
