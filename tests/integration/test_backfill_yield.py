"""A backfill yields to live workers (Apache Kafka from the session's stack): the live
group's uncommitted records are read from offsets, and the pool's processes stop while the
live path falls behind and continue once it has caught up, or once it is plain that the
live path is that slow without the backfill."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

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


def _sample(offsets: LiveOffsets) -> tuple[int, int]:
    """A sample, once the group coordinator has loaded (a fresh broker's first request) and
    answers within the probe's 2 s (a loaded machine's first answers may not)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return offsets.sample()
        except (KafkaException, TimeoutError) as exc:
            retriable = isinstance(exc, TimeoutError) or exc.args[0].retriable()
            if not retriable or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class LiveStream:
    """About 200 records/s on the raw topic, as a producer writes them, and the live
    group's commits: each record ``lag_s`` seconds after it was written (by the clock, so
    a loaded machine slows the stream, not the lag), or none while ``stalled``."""

    def __init__(self, settings: Settings, lag_s: float) -> None:
        self.settings, self.lag_s = settings, lag_s
        self.stalled, self.stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LiveStream:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        topic = self.settings.topics.raw
        producer = Producer(self.settings.kafka.producer_config())
        group = Consumer(self.settings.kafka.consumer_config(self.settings.app_id))
        partitions = group.list_topics(topic, timeout=10).topics[topic].partitions
        seen: deque[tuple[float, list[TopicPartition]]] = deque()
        try:
            while not self.stop.is_set():
                for n in range(20):
                    producer.produce(topic, key=f"acc_{n % 7}".encode(), value=b"{}")
                producer.flush(10)
                ends = [
                    TopicPartition(topic, p, _end(group, TopicPartition(topic, p)))
                    for p in partitions
                ]
                seen.append((time.monotonic(), ends))
                due = None
                while seen and seen[0][0] <= time.monotonic() - self.lag_s:
                    due = seen.popleft()[1]  # the newest ends written lag_s ago or more
                if due is not None and not self.stalled.is_set():
                    group.commit(offsets=due, asynchronous=False)
                time.sleep(0.1)
        finally:
            group.close()


def _end(consumer: Consumer, partition: TopicPartition) -> int:
    return int(consumer.get_watermark_offsets(partition, timeout=10)[1])


async def _pool_process(deadline: float) -> int:
    """The pid of the pool's one process, once it has started."""
    while not multiprocessing.active_children():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    (process,) = multiprocessing.active_children()
    assert process.pid is not None
    return process.pid


async def _until(pid: int, paused: bool, deadline: float, what: str) -> str:
    """The process's state once it is stopped (``paused``) or running again."""
    while (_state(pid) == "T") != paused:
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)
    return _state(pid)


def _beside(
    settings: Settings, live: LiveStream, watch: Callable[[int, float], Awaitable[list[str]]]
) -> list[str]:
    """``watch(pid, deadline)`` of a one-process pool that yields at 300 ms beside ``live``."""
    _produce(settings, 10)
    _commit_as_live(settings, _ends(settings))
    pool = BucketPool(settings, 1)

    async def scenario() -> list[str]:
        deadline = time.monotonic() + 60
        child = await _pool_process(deadline)
        task = asyncio.create_task(yield_to_live(settings, pool, limit_ms=300))
        try:
            with live:
                return await watch(child, deadline)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    try:
        return asyncio.run(scenario())
    finally:
        pool.close()


def test_live_offsets_count_the_records_the_live_group_has_not_committed(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(redis_url=None)
    offsets = LiveOffsets(settings)
    assert _sample(offsets) == (0, 0)  # no live group yet: nothing to yield to
    _produce(settings, 140)
    ends = _ends(settings)
    _commit_as_live(settings, {p: max(0, end - 10) for p, end in ends.items() if end})
    written, committed = _sample(offsets)
    assert written == 140
    assert written - committed == sum(min(end, 10) for end in ends.values() if end)


def test_a_pool_stops_while_live_falls_behind_and_continues_once_it_caught_up(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(redis_url=None, triton_url=None)
    live = LiveStream(settings, lag_s=0.1)
    live.stalled.set()  # the group commits nothing: records pile up

    async def watch(pid: int, deadline: float) -> list[str]:
        behind = await _until(pid, True, deadline, "the pool never paused")
        live.stalled.clear()  # the group commits again
        return [behind, await _until(pid, False, deadline, "the pool never resumed")]

    behind, caught_up = _beside(settings, live, watch)
    assert behind == "T"
    assert caught_up in ("S", "R")


def test_a_live_path_slow_on_its_own_does_not_hold_the_backfill_still(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(redis_url=None, triton_url=None)
    live = LiveStream(settings, lag_s=0.6)  # each record committed 0.6 s after it came

    async def watch(pid: int, deadline: float) -> list[str]:
        paused = await _until(pid, True, deadline, "the pool never paused")
        # no better while the pool stands still, the group as far behind as before: it goes on
        return [paused, await _until(pid, False, deadline, "the pool never resumed")]

    with caplog.at_level(logging.INFO, logger="streams.shell.live_lag"):
        paused, resumed = _beside(settings, live, watch)
    assert paused == "T"
    assert resumed in ("S", "R")
    assert "yielding above" in caplog.text  # the limit was raised, not the live path caught up
