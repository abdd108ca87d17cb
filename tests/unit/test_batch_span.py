"""The per-partition offset spans a worker logs for each batch."""

from __future__ import annotations

import pytest

from streams.core.offsets import batch_span
from streams.core.types import InboundMessage

pytestmark = pytest.mark.unit


def _at(partition: int, offset: int) -> InboundMessage:
    return InboundMessage(b"{}", topic="raw", partition=partition, offset=offset)


def test_spans_are_per_partition_and_sorted() -> None:
    batch = [_at(2, 7), _at(0, 4), _at(0, 5), _at(2, 8), _at(0, 6)]
    assert batch_span(batch) == "raw[0]@4-6 raw[2]@7-8"


def test_a_skipped_offset_shows_as_a_gap() -> None:
    batch = [_at(1, 10), _at(1, 11), _at(1, 13), _at(1, 20)]
    assert batch_span(batch) == "raw[1]@10-11,13,20"


def test_a_replayed_offset_is_listed_once() -> None:
    assert batch_span([_at(0, 3), _at(0, 3)]) == "raw[0]@3"
    assert batch_span([]) == ""
