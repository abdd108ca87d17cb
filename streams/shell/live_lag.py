"""A backfill that yields to the live workers: paused while their records wait too long.

Every ``_EVERY_S`` the backfill reads the raw topic's end offsets and the live group's
committed offsets (two admin requests) and estimates the live path's mean latency from
them (:class:`streams.core.live_delay.LiveDelay`). Above ``TXENRICH_BACKFILL_YIELD_MS`` the
pool's processes are stopped (SIGSTOP: they hold no broker connection, and the parent keeps
writing what they finished); below 0.8 of it they continue (SIGCONT), and a live path that
stays slow while they stand still raises the limit instead of stalling the backfill
(:class:`streams.core.live_delay.YieldGate`). CPU priority (``TXENRICH_BACKFILL_NICE``)
decides who runs first; this decides whether the backfill runs at all while the live path
is behind. A probe that fails (no broker: a file-to-file backfill), or a group that has
committed nothing (no live workers), lets the backfill run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Final, Protocol

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from streams.core.live_delay import LiveDelay, YieldGate
from streams.settings import Settings

__all__ = ["LiveOffsets", "Pausable", "yield_to_live"]

log = logging.getLogger(__name__)
# librdkafka logs every refused connection; a probe that fails is logged once, here.
_QUIET = logging.getLogger("txenrich.librdkafka.live_lag")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False

_EVERY_S: Final = 0.1
_FAILING_EVERY_S: Final = 5.0  # while the offsets are unreadable (no broker, say)
_TIMEOUT_S: Final = 2.0
_LATEST: Final = OffsetSpec.latest()  # type: ignore[no-untyped-call]  # past the last record


class Pausable(Protocol):
    def pause(self) -> None: ...

    def resume(self) -> None: ...


class LiveOffsets:
    """The raw topic's records written and committed by the live group, summed over the
    partitions the group has committed."""

    def __init__(self, settings: Settings) -> None:
        self._admin = AdminClient(settings.kafka.confluent_config(), logger=_QUIET)
        self._group, self._topic = settings.app_id, settings.topics.raw
        self._partitions: list[TopicPartition] | None = None

    def _topic_partitions(self) -> list[TopicPartition]:
        if self._partitions is None:
            described = self._admin.list_topics(self._topic, timeout=_TIMEOUT_S).topics
            topic = described.get(self._topic)
            if topic is None or topic.error is not None:
                raise KafkaException(f"topic {self._topic} not readable")
            self._partitions = [TopicPartition(self._topic, p) for p in sorted(topic.partitions)]
        return self._partitions

    def sample(self) -> tuple[int, int]:
        """(written, committed) over the partitions with a committed offset."""
        partitions = self._topic_partitions()
        request = ConsumerGroupTopicPartitions(self._group, partitions)
        (future,) = self._admin.list_consumer_group_offsets([request]).values()
        committed = {
            tp.partition: tp.offset
            for tp in future.result(timeout=_TIMEOUT_S).topic_partitions
            if tp.offset >= 0 and tp.error is None
        }
        if not committed:
            return 0, 0
        ends = self._admin.list_offsets(
            {tp: _LATEST for tp in partitions if tp.partition in committed},
            request_timeout=_TIMEOUT_S,
        )
        written = sum(f.result(timeout=_TIMEOUT_S).offset for f in ends.values())
        return written, sum(committed.values())


async def yield_to_live(settings: Settings, pool: Pausable, limit_ms: int) -> None:
    """Pause ``pool`` while the live path's mean latency is over ``limit_ms`` (raised where
    the live path is slower than that on its own); runs until cancelled, and leaves the
    pool running."""
    offsets = LiveOffsets(settings)
    delay, gate = LiveDelay(), YieldGate(limit_ms / 1000)
    paused_since: float | None = None
    yielded, pauses, failing = 0.0, 0, False

    def pause(now: float) -> None:
        nonlocal paused_since, pauses
        if paused_since is None:
            pool.pause()
            paused_since, pauses = now, pauses + 1

    def resume() -> None:
        nonlocal paused_since, yielded
        if paused_since is not None:
            pool.resume()
            yielded += time.monotonic() - paused_since
            paused_since = None

    try:
        while True:
            try:
                written, committed = await asyncio.to_thread(offsets.sample)
            except (KafkaException, TimeoutError, OSError) as exc:
                if not failing:
                    log.warning("live lag unreadable (%s): the backfill does not yield", exc)
                failing = True
                gate.reset()
                resume()
                await asyncio.sleep(_FAILING_EVERY_S)
                continue
            if failing:
                log.info("live lag readable again: the backfill yields")
            failing = False
            now, limit = time.monotonic(), gate.limit_s
            if gate.decide(now, delay.update(now, written, committed)):
                pause(now)
            else:
                resume()
            if gate.limit_s > limit:
                log.info(
                    "the live path waits %.0f ms on average with the backfill paused: "
                    "yielding above %.0f ms from now on",
                    delay.seconds * 1000,
                    gate.limit_s * 1000,
                )
            await asyncio.sleep(_EVERY_S)
    finally:
        resume()
        if pauses:
            log.info("backfill yielded %.1fs to live workers in %d pauses", yielded, pauses)
