"""Follow the enriched or dead-letter topic."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    TIMESTAMP_NOT_AVAILABLE,
    Consumer,
    KafkaError,
    TopicPartition,
)

from streams.core.wire import CONTENT_TYPE_HEADER, DecodeFailure, decode_value, header_value
from streams.errors import ServiceError
from streams.settings import Settings

__all__ = ["ConsumedRecord", "follow"]


@dataclass(frozen=True)
class ConsumedRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: Any  # the decoded record; None when the bytes are not msgpack/JSON
    raw: bytes | None
    headers: dict[str, bytes | None] = field(default_factory=dict)
    timestamp_ms: int | None = None  # the record's Kafka timestamp (CreateTime: its producer's)


def follow(
    settings: Settings,
    topics: list[str],
    *,
    from_beginning: bool = True,
    max_records: int | None = None,
    idle_timeout: float | None = None,
    group_id: str | None = None,
    decode: bool = True,
) -> Iterator[ConsumedRecord]:
    """Yield decoded records until `max_records`, or `idle_timeout` seconds with none."""
    consumer = Consumer(
        {
            **settings.kafka.consumer_config(
                group_id or f"txenrich-consume-{uuid.uuid4().hex[:8]}"
            ),
            "auto.offset.reset": "earliest" if from_beginning else "latest",
        }
    )
    # Assign every partition instead of joining a group: a follower commits nothing,
    # starts at once, and never disturbs the consumers of the topic.
    start = OFFSET_BEGINNING if from_beginning else OFFSET_END
    metadata = consumer.list_topics(timeout=10)
    assignment = []
    for topic in topics:
        described = metadata.topics.get(topic)
        if described is None or described.error is not None:
            consumer.close()
            raise ServiceError(
                f"topic {topic!r} not found; create it with `txenrich topics create`"
            )
        assignment += [TopicPartition(topic, p, start) for p in sorted(described.partitions)]
    consumer.assign(assignment)
    seen = 0
    last = time.monotonic()
    try:
        while max_records is None or seen < max_records:
            message = consumer.poll(0.5)
            if message is None:
                if idle_timeout is not None and time.monotonic() - last > idle_timeout:
                    return
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                raise ServiceError(f"consume from {topics} failed: {error}")
            last = time.monotonic()
            seen += 1
            headers = message.headers() or []
            value = None
            if decode:
                with contextlib.suppress(DecodeFailure):
                    content_type = header_value(headers, CONTENT_TYPE_HEADER)
                    value = decode_value(message.value(), content_type)
            kind, stamp = message.timestamp()
            yield ConsumedRecord(
                topic=message.topic() or "",
                partition=message.partition() or 0,
                offset=message.offset() or 0,
                key=message.key(),
                value=value,
                raw=message.value(),
                headers={
                    name: value.encode() if isinstance(value, str) else value
                    for name, value in (headers.items() if isinstance(headers, dict) else headers)
                },
                timestamp_ms=stamp if kind != TIMESTAMP_NOT_AVAILABLE else None,
            )
    finally:
        consumer.close()
