"""Gaps between the offsets a consumer delivers (pure)."""

from __future__ import annotations

import pytest

from streams.core.offsets import OffsetGap, OffsetTracker
from streams.core.types import InboundMessage

pytestmark = pytest.mark.unit


def _batch(*positions: tuple[int, int]) -> list[InboundMessage]:
    return [InboundMessage(b"{}", topic="raw", partition=p, offset=o) for p, o in positions]


def test_a_partitions_first_batch_is_its_baseline() -> None:
    tracker = OffsetTracker()
    batch = _batch((0, 266), (0, 267), (2, 267))
    assert tracker.gaps(batch) == []
    tracker.advance(batch)
    assert tracker.gaps(_batch((0, 268), (2, 268))) == []


def test_a_skipped_offset_between_batches_is_a_gap() -> None:
    # what a restarted worker was handed: raw[0]@282 and raw[2]@284 never came
    tracker = OffsetTracker()
    tracker.advance(_batch((0, 266), (0, 281), (1, 283), (2, 283)))
    gaps = tracker.gaps(_batch((0, 283), (1, 284), (2, 285), (2, 286)))
    assert gaps == [OffsetGap("raw", 0, 282, 283), OffsetGap("raw", 2, 284, 285)]
    assert [g.span for g in gaps] == ["raw[0]@282-282", "raw[2]@284-284"]


def test_gaps_inside_a_batch_and_replays() -> None:
    tracker = OffsetTracker()
    tracker.advance(_batch((1, 9)))
    assert tracker.gaps(_batch((1, 10), (1, 13), (1, 14), (1, 20))) == [
        OffsetGap("raw", 1, 11, 13),
        OffsetGap("raw", 1, 15, 20),
    ]
    assert tracker.gaps(_batch((1, 4), (1, 5))) == []  # replayed after a rebalance
    tracker.advance(_batch((1, 20)))
    tracker.advance(_batch((1, 4)))  # a replay never moves the expectation back
    assert tracker.gaps(_batch((1, 22))) == [OffsetGap("raw", 1, 21, 22)]


def test_reset_forgets_what_a_rebalance_makes_unknown() -> None:
    tracker = OffsetTracker()
    tracker.advance(_batch((0, 5), (1, 5)))
    tracker.reset(keep=[("raw", 1)])
    assert tracker.gaps(_batch((0, 50), (1, 50))) == [OffsetGap("raw", 1, 6, 50)]
