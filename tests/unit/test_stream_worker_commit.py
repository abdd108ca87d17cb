"""The worker's synchronous commit while the group coordinator is missing, with librdkafka's
clients replaced by fakes and an explicit clock: a consumer stuck without a coordinator while
the broker answers is replaced (not waited on up to the delivery timeout); a broker that is
down is waited out; a coordinator that comes back is simply committed to."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from streams.core.types import InboundMessage
from streams.errors import BrokerUnavailable
from streams.shell import stream_worker
from streams.shell.stream_worker import DELIVERY_TIMEOUT_MS, StreamWorker

pytestmark = pytest.mark.unit

SESSION = 10.0
# what librdkafka blocks a commit for while it waits for a coordinator: the session
COMMIT_WAIT = SESSION


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeConsumer:
    clock: Clock
    # commit outcomes in turn (None: committed); the last one repeats
    commits: list[KafkaError | None]
    answers: bool = False  # whether its own metadata requests are answered
    committed: list[list[TopicPartition]] = field(default_factory=list)
    closed: bool = False
    subscribed: list[str] = field(default_factory=list)

    def commit(self, offsets: list[TopicPartition], asynchronous: bool) -> None:
        assert not asynchronous and not self.closed
        outcome = self.commits.pop(0) if len(self.commits) > 1 else self.commits[0]
        if outcome is not None:
            self.clock.sleep(COMMIT_WAIT)
            raise KafkaException(outcome)
        self.committed.append(offsets)

    def list_topics(self, topic: str, timeout: float) -> None:
        self.clock.sleep(timeout)
        if not self.answers:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))

    def close(self) -> None:
        self.closed = True

    def subscribe(self, topics: list[str], **callbacks: Any) -> None:
        self.subscribed = topics


@dataclass
class FakeProducer:
    clock: Clock
    answers: bool

    def list_topics(self, topic: str, timeout: float) -> None:
        if not self.answers:
            self.clock.sleep(timeout)
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))


class FakeStore:
    def __init__(self, owned: set[int]) -> None:
        self.owned = frozenset(owned)

    def revoke(self, partitions: Any) -> None:
        self.owned = self.owned - set(partitions)


def _worker(
    monkeypatch: pytest.MonkeyPatch, consumer: FakeConsumer, producer: FakeProducer
) -> tuple[StreamWorker, list[FakeConsumer]]:
    monkeypatch.setattr(stream_worker, "time", consumer.clock)
    worker = StreamWorker.__new__(StreamWorker)
    worker._settings = SimpleNamespace(  # type: ignore[assignment]
        session_timeout_seconds=SESSION,
        topics=SimpleNamespace(raw="raw"),
        kafka=SimpleNamespace(bootstrap_servers="127.0.0.1:9092"),
    )
    worker._consumer = consumer  # type: ignore[assignment]
    worker._producer = producer  # type: ignore[assignment]
    worker._store = FakeStore({0, 1, 2})  # type: ignore[assignment]
    worker._halted = {}
    worker._broker_lost = False
    worker._consumer_unproven = None
    made: list[FakeConsumer] = []

    def new_consumer() -> FakeConsumer:
        made.append(FakeConsumer(consumer.clock, [None], answers=True))
        return made[-1]

    monkeypatch.setattr(worker, "_new_consumer", new_consumer)
    return worker, made


def _setup(
    monkeypatch: pytest.MonkeyPatch,
    commits: list[KafkaError | None],
    consumer_answers: bool,
    producer_answers: bool,
) -> tuple[Clock, FakeConsumer, StreamWorker, list[FakeConsumer]]:
    """A worker on a fake clock with a consumer whose commits go as ``commits`` say."""
    clock = Clock()
    consumer = FakeConsumer(clock, commits, answers=consumer_answers)
    worker, made = _worker(monkeypatch, consumer, FakeProducer(clock, answers=producer_answers))
    return clock, consumer, worker, made


def _batch() -> list[InboundMessage]:
    return [
        InboundMessage(
            value=b"{}",
            key=b"k",
            topic="raw",
            partition=p,
            offset=o,
            timestamp_ms=None,
            headers=(),
        )
        for p, o in [(0, 10), (0, 11), (1, 5)]
    ]


WAIT_COORD = KafkaError(KafkaError._WAIT_COORD)


def test_a_consumer_stuck_without_a_coordinator_while_the_broker_answers_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The consumer itself reaches no broker (its own metadata request fails too) while the
    producer's does: it is replaced within a few sessions, and the batch is left to replay."""
    clock, stuck, worker, made = _setup(monkeypatch, [WAIT_COORD], False, True)
    started = clock.now

    worker._commit(_batch())

    assert stuck.closed
    assert len(made) == 1 and made[0].subscribed == ["raw"]
    assert worker._consumer is made[0]  # type: ignore[comparison-overlap]
    assert worker._store.owned == frozenset()  # given up: the rejoin assigns them again
    assert clock.now - started < 3 * SESSION < DELIVERY_TIMEOUT_MS / 1000
    assert not stuck.committed and not made[0].committed  # the batch replays, uncommitted


def test_no_coordinator_while_no_broker_answers_is_waited_out_to_the_delivery_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock, consumer, worker, made = _setup(monkeypatch, [WAIT_COORD], False, False)
    started = clock.now

    with pytest.raises(BrokerUnavailable, match="failed for 120s"):
        worker._commit(_batch())

    assert clock.now - started > DELIVERY_TIMEOUT_MS / 1000
    assert not made and not consumer.closed


def test_a_coordinator_back_within_the_session_takes_the_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, consumer, worker, made = _setup(monkeypatch, [WAIT_COORD, None], True, True)

    worker._commit(_batch())

    assert not made and not consumer.closed
    (offsets,) = consumer.committed
    assert sorted((tp.partition, tp.offset) for tp in offsets) == [(0, 12), (1, 6)]


def test_a_consumer_that_reaches_no_broker_after_the_broker_came_back_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Idle (no commit to fail): the broker answers the producer again, the consumer's own
    metadata requests keep failing; past a session it is replaced, not before."""
    _, stuck, worker, made = _setup(monkeypatch, [None], False, True)
    worker._broker_lost = True

    worker._broker_back()
    assert not worker._broker_lost
    for _ in range(int(SESSION)):  # a poll every second or so, for a session
        worker._consumer_back()
    assert not made and not stuck.closed

    for _ in range(10):
        worker._consumer_back()
    assert stuck.closed and len(made) == 1
    assert worker._consumer is made[0]

    worker._consumer_back()  # the new consumer is not watched
    assert len(made) == 1


def test_a_consumer_that_reaches_the_broker_again_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock, consumer, worker, made = _setup(monkeypatch, [None], True, True)
    worker._broker_lost = True
    worker._broker_back()
    worker._consumer_back()
    assert worker._consumer_unproven is None
    clock.sleep(10 * SESSION)
    worker._consumer_back()
    assert not made and not consumer.closed
