"""Wire format: msgpack by default, JSON accepted; a header names the schema."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

import msgpack

__all__ = [
    "CONTENT_TYPE_HEADER",
    "JSON",
    "MSGPACK",
    "SCHEMA_HEADER",
    "DecodeFailure",
    "decode_value",
    "encode_value",
    "header_value",
]

CONTENT_TYPE_HEADER: Final = "content-type"
SCHEMA_HEADER: Final = "schema"
MSGPACK: Final = "application/msgpack"
JSON: Final = "application/json"

Headers = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


class DecodeFailure(ValueError):
    """The bytes are not a msgpack or JSON document; `reason` is the dead-letter code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def header_value(headers: Headers, name: str) -> str | None:
    """The decoded value of header `name`, or None."""
    if not headers:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        if key.lower() == name:
            if value is None:
                return None
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return None


def decode_value(value: bytes | None, content_type: str | None) -> Any:
    """Decode one record value. JSON when the header says so or the bytes look like JSON."""
    if value is None:
        raise DecodeFailure("tombstone", "null value (a tombstone): there is no transaction")
    if not value:
        raise DecodeFailure("undecodable", "empty record value")
    looks_json = value[:1] in (b"{", b"[", b" ", b"\n")
    if content_type == JSON or (content_type is None and looks_json):
        try:
            document = json.loads(value)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DecodeFailure("undecodable", f"invalid JSON: {exc}") from exc
        except RecursionError as exc:
            raise DecodeFailure("undecodable", "invalid JSON: nested too deep") from exc
        if b"\\u" in value and _has_lone_surrogate(document):
            raise DecodeFailure(
                "undecodable", "invalid JSON: a \\u escape makes a lone UTF-16 surrogate, not text"
            )
        return document
    try:
        return msgpack.unpackb(value, raw=False, strict_map_key=True, timestamp=0)
    except Exception as exc:  # msgpack raises several unrelated types for bad bytes
        raise DecodeFailure("undecodable", f"invalid msgpack: {type(exc).__name__}: {exc}") from exc


def _has_lone_surrogate(document: Any) -> bool:
    """Whether any string in the document is not encodable text (JSON lets ``\\ud800``
    through; nothing downstream can write it)."""
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_default(value: Any) -> Any:
    """JSON for what msgpack carries and JSON has not: binary (base64)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_value(record: Any, content_type: str = MSGPACK) -> bytes:
    """Encode one record (normally a mapping) for the wire."""
    if content_type == JSON:
        # allow_nan=False: NaN and Infinity are not JSON; a record holding one raises
        text = json.dumps(
            record,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_json_default,
        )
        return text.encode("utf-8")
    packed: bytes = msgpack.packb(record, use_bin_type=True)
    return packed
