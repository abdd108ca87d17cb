"""A backfill yields to live workers (Apache Kafka from the session's stack): the live
group's uncommitted records are read from offsets, and the pool's processes stop while the
live path falls behind and continue once it has caught up."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from streams.settings import Settings
from streams.shell.backfill_pool import BucketPool
from streams.shell.live_lag import LiveOffsets, yield_to_live

pytestmark = pytest.mark.integration


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _ends(settings: Settings) -> dict[int, int]:
    consumer = Consumer(settings.kafka.consumer_config("txenrich-test-ends"))
    try:
        topic = settings.topics.raw
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in partitions
        }
    finally:
        consumer.close()


def _commit_as_live(settings: Settings, offsets: dict[int, int]) -> None:
    """Commit ``offsets`` for the live workers' group, as a worker does after a batch."""
    consumer = Consumer(settings.kafka.consumer_config(settings.app_id))
    try:
        topic = settings.topics.raw
        consumer.commit(
            offsets=[TopicPartition(topic, p, o) for p, o in offsets.items()],
            asynchronous=False,
        )
    finally:
        consumer.close()


def _produce(settings: Settings, count: int) -> None:
    producer = Producer(settings.kafka.producer_config())
    for n in range(count):
        producer.produce(settings.topics.raw, key=f"acc_{n % 7}".encode(), value=b"{}")
    assert producer.flush(30) == 0


def test_live_offsets_count_the_records_the_live_group_has_not_committed(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(redis_url=None)
    offsets = LiveOffsets(settings)
    assert offsets.sample() == (0, 0)  # no live group yet: nothing to yield to
    _produce(settings, 140)
    ends = _ends(settings)
    _commit_as_live(settings, {p: max(0, end - 10) for p, end in ends.items() if end})
    written, committed = offsets.sample()
    assert written == 140
    assert written - committed == sum(min(end, 10) for end in ends.values() if end)


def test_a_pool_stops_while_live_falls_behind_and_continues_once_it_caught_up(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(redis_url=None, triton_url=None)
    _produce(settings, 10)
    _commit_as_live(settings, _ends(settings))
    pool = BucketPool(settings, 1)
    stop = threading.Event()
    catch_up = threading.Event()

    def live_stream() -> None:  # 200 records/s; the group commits only once told to
        while not stop.is_set():
            _produce(settings, 20)
            if catch_up.is_set():
                _commit_as_live(settings, _ends(settings))
            time.sleep(0.1)

    async def scenario() -> tuple[str, str]:
        deadline = time.monotonic() + 60
        while not multiprocessing.active_children():  # the pool's process has started
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        (process,) = multiprocessing.active_children()
        assert process.pid is not None
        child = process.pid
        task = asyncio.create_task(yield_to_live(settings, pool, limit_ms=300))
        feeder = threading.Thread(target=live_stream, daemon=True)
        feeder.start()
        try:
            while _state(child) != "T":  # records pile up uncommitted: the pool stops
                assert time.monotonic() < deadline, "the pool never paused"
                await asyncio.sleep(0.1)
            behind = _state(child)
            catch_up.set()
            while _state(child) == "T":  # the group commits again: the pool continues
                assert time.monotonic() < deadline, "the pool never resumed"
                await asyncio.sleep(0.1)
            return behind, _state(child)
        finally:
            stop.set()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            feeder.join(10)

    try:
        behind, caught_up = asyncio.run(scenario())
    finally:
        pool.close()
    assert behind == "T"
    assert caught_up in ("S", "R")
