"""Reading back offsets a consumer skipped, from the real local broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from confluent_kafka import Producer

from streams.core.offsets import OffsetGap
from streams.core.types import InboundMessage
from streams.settings import Settings
from streams.shell.gap_reader import GapReader, SkippedRecords

pytestmark = pytest.mark.integration


def _produce(settings: Settings, n: int) -> None:
    producer = Producer(settings.kafka.confluent_config())
    for i in range(n):
        producer.produce(
            settings.topics.raw,
            value=f"r{i}".encode(),
            key=b"acc",
            partition=0,
            headers=[("content-type", b"application/json")],
        )
    assert producer.flush(30) == 0


def test_a_skipped_record_is_put_back_first_with_its_partitions_event(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    _produce(settings, 8)
    topic = settings.topics.raw

    def delivered(*offsets: int) -> list[InboundMessage]:
        return [InboundMessage(f"r{o}".encode(), b"acc", topic, 0, o) for o in offsets]

    skipped = SkippedRecords(GapReader(settings.kafka, "gap-test", timeout_seconds=3))
    first, _ = asyncio.run(skipped.fill_in(delivered(0, 1, 2), ["e0", "e1", "e2"], 1))
    assert [m.offset for m in first] == [0, 1, 2]
    # the consumer skipped offset 3 (and 5): both are read back and go first
    messages, events = asyncio.run(skipped.fill_in(delivered(4, 6, 7), ["e4", "e6", "e7"], 1))
    assert [(m.offset, m.value) for m in messages[:2]] == [(3, b"r3"), (5, b"r5")]
    assert [m.offset for m in messages[2:]] == [4, 6, 7]
    assert events == ["e4", "e4", "e4", "e6", "e7"]
    # a new generation (rebalance): the consumer restarts from the committed offset
    replay, _ = asyncio.run(skipped.fill_in(delivered(2, 3), ["e2", "e3"], 2))
    assert [m.offset for m in replay] == [2, 3]


def test_a_gap_is_read_back_in_offset_order_and_stops_at_its_end(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    _produce(settings, 10)
    reader = GapReader(settings.kafka, "gap-test", timeout_seconds=3)
    got = asyncio.run(reader.read(OffsetGap(settings.topics.raw, 0, 3, 7)))
    assert [(m.offset, m.value) for m in got] == [(o, f"r{o}".encode()) for o in range(3, 7)]
    assert got[0].position == f"{settings.topics.raw}[0]@3"
    assert got[0].headers == (("content-type", b"application/json"),)
    assert got[0].key == b"acc"
    # a range with holes (here: past the partition's end) returns what exists by the timeout
    tail = asyncio.run(reader.read(OffsetGap(settings.topics.raw, 0, 8, 20)))
    assert [m.offset for m in tail] == [8, 9]
