"""The property the decode + validate path must hold for any input, as one function of
bytes: the coverage-guided fuzzer (``tests/fuzz/run.py``) drives it, and a unit test replays
the committed corpus through it.

One input = a content-type header choice, a schema header choice, then the record value.
Whatever the bytes: exactly one outcome, a valid row or a dead letter whose reason is one the
contract names, and that dead letter can be written as msgpack and as JSON; nothing raises.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

from streams.core.contracts import DEAD_LETTER_SCHEMA, RAW_SCHEMA, load_schema
from streams.core.types import InboundMessage
from streams.core.validation import InputLimits, validate_batch
from streams.core.wire import CONTENT_TYPE_HEADER, JSON, MSGPACK, SCHEMA_HEADER, encode_value

__all__ = ["LIMITS", "check", "split"]

_ABSENT: Final = object()  # no header at all (None: the header with a null value)
_CONTENT_TYPES: Final = (_ABSENT, None, JSON.encode(), MSGPACK.encode(), b"text/csv", b"\xff\xfe")
_SCHEMAS: Final = (_ABSENT, None, RAW_SCHEMA.encode(), b"txenrich.raw_transaction.v9", b"\x00")
# Small limits, so the fuzzer reaches the size checks with small inputs.
LIMITS: Final = InputLimits(record_bytes=4096, metadata_bytes=512, metadata_depth=6)
_NOW: Final = datetime(2026, 12, 2, tzinfo=UTC)


@cache
def _reasons() -> frozenset[str]:
    schema: dict[str, Any] = load_schema(DEAD_LETTER_SCHEMA)
    return frozenset(schema["properties"]["reason"]["enum"])


def split(data: bytes) -> InboundMessage:
    """The message an input stands for: header choices from its first two bytes, the value
    from the rest (a first byte of 255: a tombstone)."""
    head = data[:2].ljust(2, b"\x00")
    chosen = (
        (CONTENT_TYPE_HEADER, _CONTENT_TYPES[head[0] % len(_CONTENT_TYPES)]),
        (SCHEMA_HEADER, _SCHEMAS[head[1] % len(_SCHEMAS)]),
    )
    headers = tuple((name, value) for name, value in chosen if value is not _ABSENT)
    value = None if head[0] == 255 else data[2:]
    return InboundMessage(value, b"acc", "raw", 0, 7, 1_700_000_000_000, headers)  # type: ignore[arg-type]


def check(data: bytes) -> None:
    """Raise AssertionError when the property fails for ``data`` (anything else is a bug too)."""
    batch = validate_batch([split(data)], LIMITS)
    assert batch.valid.height + len(batch.rejected) == 1, (batch.valid.height, batch.rejected)
    for row in batch.rejected:
        assert row.reason in _reasons(), row.reason
        letter = row.dead_letter(_NOW)
        for content_type in (MSGPACK, JSON):
            encode_value(letter.record(), content_type)
            encode_value(letter.record(max_original_bytes=100), content_type)
