"""Read offsets the worker's consumer skipped straight from the broker (see core.offsets)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from confluent_kafka import Consumer, KafkaError, TopicPartition

from streams.core.offsets import OffsetGap, OffsetTracker
from streams.core.types import InboundMessage
from streams.errors import ServiceError
from streams.settings import KafkaSettings
from streams.shell import metrics

log = logging.getLogger(__name__)

__all__ = ["GapReader", "SkippedRecords"]


class GapReader:
    """One plain consumer (assigned, never in a group, commits nothing) that reads a range.

    Runs in a thread: reading back a gap is rare, and confluent-kafka's client is blocking.
    """

    def __init__(self, kafka: KafkaSettings, group_id: str, timeout_seconds: float = 30.0):
        self._config = {
            **kafka.confluent_config(),
            "group.id": group_id,  # required by the client; assign() never joins it
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
        self._timeout = timeout_seconds

    async def read(self, gap: OffsetGap) -> list[InboundMessage]:
        """The records of ``gap`` that exist (a compacted or transactional topic may hold
        none at some offsets), in offset order."""
        return await asyncio.to_thread(self._read, gap)

    def _read(self, gap: OffsetGap) -> list[InboundMessage]:
        # Stop at the gap's last offset (it ends where a delivered record sits, so the range
        # exists) or past it; partition EOF is not trusted, since the local broker reports
        # high watermarks short. A range with holes (compaction, transaction markers) waits
        # out the timeout and returns what it found.
        consumer = Consumer(self._config)
        found: list[InboundMessage] = []
        try:
            consumer.assign([TopicPartition(gap.topic, gap.partition, gap.start)])
            deadline = time.monotonic() + self._timeout
            while time.monotonic() < deadline:
                message = consumer.poll(0.2)
                if message is None:
                    continue
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise ServiceError(f"reading back {gap.span} failed: {error}")
                offset = message.offset() or 0
                if offset >= gap.end:
                    break
                _, timestamp = message.timestamp()
                found.append(
                    InboundMessage(
                        value=message.value(),
                        key=message.key(),
                        topic=gap.topic,
                        partition=gap.partition,
                        offset=offset,
                        timestamp_ms=timestamp if timestamp > 0 else None,
                        headers=_headers(message.headers()),
                    )
                )
                if offset == gap.end - 1:
                    break
            return found
        finally:
            consumer.close()


class SkippedRecords:
    """Puts back into a batch the records the consumer skipped since the previous batch."""

    def __init__(self, reader: GapReader) -> None:
        self._reader = reader
        self._tracker = OffsetTracker()
        self._generation: int | None = None

    async def fill_in(
        self, messages: list[InboundMessage], events: list[Any], generation: int
    ) -> tuple[list[InboundMessage], list[Any]]:
        """The batch with any skipped offsets read back and put first; ``events`` stays
        aligned with the messages (a record read back is written to tables as its
        partition's first event in the batch). ``generation``: the consumer group
        generation; after a rebalance nothing is known about any partition."""
        if generation != self._generation:
            self._tracker.reset()
            self._generation = generation
        gaps = self._tracker.gaps(messages)
        self._tracker.advance(messages)
        if not gaps:
            return messages, events
        first: dict[tuple[str, int], Any] = {}
        for message, event in zip(messages, events, strict=True):
            first.setdefault((message.topic, message.partition), event)
        back: list[InboundMessage] = []
        for gap in gaps:
            found = await self._reader.read(gap)
            log.warning("offset gap %s: read back %d record(s)", gap.span, len(found))
            metrics.OFFSET_GAP_RECORDS.labels(topic=gap.topic).inc(len(found))
            back += found
        proxies = [first[(m.topic, m.partition)] for m in back]
        return back + messages, proxies + events


def _headers(raw: object) -> tuple[tuple[str, bytes], ...]:
    pairs = raw if isinstance(raw, list) else []
    return tuple(
        (str(key), value if isinstance(value, bytes) else str(value or "").encode())
        for key, value in pairs
    )
