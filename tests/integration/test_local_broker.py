"""The local broker's high watermark is true for what the worker's producer writes.

tansu 0.6 counts one offset per record batch in ListOffsets; faust restores tables by
reading changelogs up to that watermark. With the local stack's producer setting (one
record per batch) the watermark must equal the records written, or a restarted worker
would lose state (see the README's known issues).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.settings import Settings

pytestmark = pytest.mark.integration

SENT = 300


async def _high_watermark(settings: Settings, batch_bytes: int) -> int:
    servers, topic = settings.kafka.bootstrap_servers, settings.topics.enriched
    producer = AIOKafkaProducer(
        bootstrap_servers=servers, acks="all", linger_ms=5, max_batch_size=batch_bytes
    )
    await producer.start()
    try:
        sent = [await producer.send(topic, b"x" * 200, key=b"k", partition=0) for _ in range(SENT)]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=servers)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        return int((await consumer.end_offsets([partition]))[partition])
    finally:
        await consumer.stop()


def test_one_record_per_batch_keeps_the_high_watermark_true(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert settings.kafka.producer_batch_bytes == 1  # what the local stack's workers use
    assert asyncio.run(_high_watermark(settings, settings.kafka.producer_batch_bytes)) == SENT
