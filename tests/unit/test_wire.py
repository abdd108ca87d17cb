from __future__ import annotations

import pytest

from streams.core.wire import JSON, MSGPACK, DecodeFailure, decode_value, encode_value, header_value

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("content_type", [MSGPACK, JSON])
def test_round_trip(content_type: str) -> None:
    record = {"a": "1", "nested": {"x": [1, 2]}, "uni": "café"}
    assert decode_value(encode_value(record, content_type), content_type) == record


def test_json_sniffed_without_header() -> None:
    assert decode_value(b'{"a": 1}', None) == {"a": 1}


@pytest.mark.parametrize("value", [b"", b"\xc1", b'{"a": '])
def test_garbage_is_undecodable(value: bytes) -> None:
    with pytest.raises(DecodeFailure) as info:
        decode_value(value, None)
    assert info.value.reason == "undecodable"


def test_a_null_value_is_a_tombstone() -> None:
    with pytest.raises(DecodeFailure) as info:
        decode_value(None, None)
    assert info.value.reason == "tombstone"


def test_a_null_header_value_reads_as_absent() -> None:
    assert header_value([("content-type", None)], "content-type") is None


def test_header_lookup_is_case_insensitive() -> None:
    assert header_value([("Content-Type", b"application/json")], "content-type") == JSON
    assert header_value({"schema": b"raw_transaction.v1"}, "schema") == "raw_transaction.v1"
    assert header_value(None, "schema") is None


def test_json_nested_past_the_recursion_limit_is_undecodable() -> None:
    with pytest.raises(DecodeFailure, match="nested too deep") as info:
        decode_value(b"[" * 5000 + b"]" * 5000, None)
    assert info.value.reason == "undecodable"


def test_a_lone_surrogate_escape_is_undecodable() -> None:
    with pytest.raises(DecodeFailure, match="surrogate") as info:
        decode_value(b'{"description": "CAFE \\ud800 X"}', JSON)
    assert info.value.reason == "undecodable"
    # a proper pair is text
    assert decode_value(b'{"d": "\\ud83d\\ude00"}', JSON) == {"d": "\U0001f600"}


def test_json_output_never_holds_nan() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        encode_value({"x": float("nan")}, JSON)
    assert encode_value({"b": b"\x00\xff"}, JSON) == b'{"b":"AP8="}'
