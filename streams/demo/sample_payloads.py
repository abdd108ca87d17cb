"""Sample records on the wire: valid ones, and ones broken in exactly one known way."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from streams.core.contracts import raw_contract
from streams.core.wire import JSON, MSGPACK, encode_value

__all__ = ["MALFORMED_REASONS", "SamplePayload", "malformed_payload", "valid_payload"]

MALFORMED_REASONS = (
    "undecodable",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "invalid_amount",
    "invalid_currency",
    "invalid_direction",
    "invalid_date",
    "description_too_long",
)


@dataclass(frozen=True)
class SamplePayload:
    """One Kafka record as a producer would send it."""

    value: bytes
    content_type: str
    key: bytes
    expected_valid: bool
    reason: str | None


def valid_payload(rng: random.Random, record: dict[str, Any]) -> SamplePayload:
    """`record` on the wire: msgpack, or JSON for about one in ten."""
    content_type = JSON if rng.random() < 0.1 else MSGPACK
    key = str(record["account_id"]).encode()
    return SamplePayload(encode_value(record, content_type), content_type, key, True, None)


def malformed_payload(rng: random.Random, reason: str, record: dict[str, Any]) -> SamplePayload:
    """`record` broken in exactly one way, so the validator's reason code is predictable."""
    key = str(record["account_id"]).encode()
    content_type = JSON if rng.random() < 0.15 else MSGPACK
    if reason == "undecodable":
        key, variant = (b"" if rng.random() < 0.25 else key), rng.randrange(3)
        if variant == 0:  # 0xC1 is the one byte msgpack never uses: this never decodes
            return SamplePayload(
                b"\xc1" + rng.randbytes(rng.randint(3, 40)), MSGPACK, key, False, reason
            )
        content_type = MSGPACK if variant == 1 else JSON
        whole = encode_value(
            record, content_type
        )  # any strict prefix of a map/object is incomplete
        value = whole[: rng.randint(1, len(whole) - 1)]
        return SamplePayload(value, content_type, key, False, reason)
    amount, day, text = (
        str(record["amount"]),
        date.fromisoformat(record["date"]),
        str(record["description"]) + " ",
    )
    changes: dict[str, tuple[tuple[str, object], ...]] = {
        "wrong_type": (
            ("amount", float(amount)),
            ("account_id", int(str(record["account_id"]).removeprefix("acc_"))),
        ),
        "invalid_amount": tuple(
            ("amount", v) for v in (amount.replace(".", ","), f"-{amount}", "abc", "1e3")
        ),
        "invalid_currency": (("currency", "XYZ"), ("currency", str(record["currency"]).lower())),
        "invalid_direction": tuple(("direction", v) for v in ("out", "in", "DEBIT")),
        "invalid_date": tuple(
            ("date", v)
            for v in (f"{day.year}-02-30", f"{day:%d/%m/%Y}", "1899-01-01", "3024-01-01")
        ),
        "description_too_long": (("description", text * (513 // len(text) + 1)),),
    }
    shape: object
    if reason == "not_an_object":
        shape = rng.choice((list(record.values()), rng.randint(0, 10**6), rng.random() * 100))
    elif reason == "missing_field":  # one required field gone, or nothing at all
        gone = rng.choice(raw_contract().required)
        shape = {} if rng.random() < 0.2 else {k: v for k, v in record.items() if k != gone}
    elif reason in changes:
        name, new = rng.choice(changes[reason])
        shape = {**record, name: new}
    else:
        raise ValueError(f"unknown malformed reason {reason!r}")
    return SamplePayload(encode_value(shape, content_type), content_type, key, False, reason)
