"""The worker: consume a micro-batch, enrich it, produce every output, then commit.

The Kafka edges are librdkafka's (confluent-kafka): one consumer in the group, one
idempotent producer. Per batch, in this order:
1. wait for a record, then take up to ``batch_size`` records already fetched (waiting at
   most ``batch_wait_seconds`` for more): a short queue is never held back for a full batch;
2. process them (validate, cache, model, recurrence, records): one output per input;
3. produce the enriched records, the dead letters and the state changes (to the state
   changelog), flush, and check every delivery report;
4. write the state changes to disk with the changelog offsets they reached;
5. commit the batch's offsets.
A crash anywhere before 5 replays the batch from the committed offsets, with the same keys
and transaction ids (at least once, idempotent for consumers); a delivery the broker does
not acknowledge stops the worker before 5 (DeliveryError, exit 1), so nothing is committed
past an output that was lost.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from streams.core.offsets import batch_span
from streams.core.types import InboundMessage
from streams.errors import BrokerUnavailable, DeliveryError
from streams.settings import Settings
from streams.shell import metrics
from streams.shell.isolation import process_isolating
from streams.shell.kafka_admin import changelog_topics
from streams.shell.processor import BatchOutput, BatchProcessor, OutboundRecord
from streams.shell.recurrence_state import RecurrenceState
from streams.shell.routing import AccountRouter, client_id
from streams.shell.state_store import PartitionStore, StateChange
from streams.shell.web import WorkerWeb

__all__ = ["StreamWorker", "inbound"]

log = logging.getLogger(__name__)

# Commit errors that mean "this batch's partitions moved on": the next owner replays it.
_LOST_COMMIT: Final = {
    KafkaError._NO_OFFSET,
    KafkaError.REBALANCE_IN_PROGRESS,
    KafkaError.ILLEGAL_GENERATION,
    KafkaError.UNKNOWN_MEMBER_ID,
    KafkaError._STATE,
}
# Commit errors while the group coordinator moves or restarts: try again.
_RETRY_COMMIT: Final = {
    KafkaError._WAIT_COORD,
    KafkaError._TRANSPORT,
    KafkaError._TIMED_OUT,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
}
_NO_COORDINATOR: Final = {
    KafkaError._WAIT_COORD,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.NOT_COORDINATOR,
}
# How long one poll waits for a first record (the loop checks for a stop between polls).
_IDLE_POLL_SECONDS: Final = 0.5
# How long the broker may stay away before an unacknowledged output stops the worker.
DELIVERY_TIMEOUT_MS: Final = 120_000
# Consume errors that mean "the batch at this offset cannot be read" (CRC mismatch, a codec
# or format librdkafka cannot decode): retrying reads the same bytes, skipping loses records.
_UNREADABLE: Final = {
    KafkaError._BAD_MSG,
    KafkaError._BAD_COMPRESSION,
    KafkaError._NOT_IMPLEMENTED,
    KafkaError._UNSUPPORTED_FEATURE,
    KafkaError.INVALID_MSG,  # the broker's CORRUPT_MESSAGE
    KafkaError.UNSUPPORTED_COMPRESSION_TYPE,
}


def inbound(message: Message) -> InboundMessage:
    """A consumed record as the core takes it."""
    kind, stamp = message.timestamp()
    headers = message.headers() or []
    pairs = headers.items() if isinstance(headers, dict) else headers
    return InboundMessage(
        value=message.value(),
        key=message.key(),
        topic=message.topic() or "",
        partition=message.partition() or 0,
        offset=message.offset() or 0,
        timestamp_ms=stamp if kind and stamp > 0 else None,
        headers=tuple(
            (str(name), value if isinstance(value, bytes | None) else str(value).encode())
            for name, value in pairs
        ),
    )


class StreamWorker:
    """One worker process: the batch loop, its state, and its HTTP port."""

    def __init__(self, settings: Settings, processor: BatchProcessor) -> None:
        self._settings = settings
        self._processor = processor
        self._consumer = self._new_consumer()
        self._producer = Producer(
            {
                **settings.kafka.producer_config(),
                "delivery.timeout.ms": DELIVERY_TIMEOUT_MS,
                "error_cb": self._client_error,
            }
        )
        (changelog,) = changelog_topics(settings.app_id)
        self._store = PartitionStore(settings.data_dir / "state", settings.kafka, changelog)
        self.recurrence = RecurrenceState(self._store)
        self._web = WorkerWeb(
            settings.web_host,
            settings.web_port,
            self.health,
            self.recurrence.recurring,
            AccountRouter(settings.kafka, settings.app_id, settings.topics.raw, self._owned),
            token=settings.web_token.get_secret_value() if settings.web_token else None,
        )
        self._stopping = asyncio.Event()
        self._running = False
        # raw partition -> the offset of the batch it could not read
        self._halted: dict[int, int] = {}
        # since librdkafka reported every broker down, until a metadata call answers
        self._broker_lost = False
        # since the broker answered again, until the consumer does too (monotonic seconds)
        self._consumer_unproven: float | None = None

    def _new_consumer(self) -> Consumer:
        settings = self._settings
        return Consumer(
            {
                # read_committed: records of aborted transactions are never enriched
                **settings.kafka.consumer_config(settings.app_id),
                "client.id": client_id(settings.web_url),
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": int(settings.session_timeout_seconds * 1000),
                "heartbeat.interval.ms": int(settings.session_timeout_seconds * 1000 / 3),
                "error_cb": self._client_error,
                **(
                    {"group.instance.id": settings.group_instance_id}
                    if settings.group_instance_id
                    else {}
                ),
            }
        )

    def _subscribe(self) -> None:
        self._consumer.subscribe(
            [self._settings.topics.raw],
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )

    def _renew_consumer(self, why: str) -> None:
        """Replace a consumer that lost its group coordinator for good while the broker
        answers (librdkafka can stay in wait-coord after a broker restart: it then never
        commits nor fetches again). Its partitions are given up; the new consumer joins the
        group and replays from the committed offsets, the same batches, keys and ids."""
        log.error("%s; replacing the consumer, which rejoins the group", why)
        old = self._consumer
        # close() serves the revocation; it waits for a coordinator at most a session, but a
        # stuck client is not trusted to return: it is given that long, then left behind
        closing = threading.Thread(target=self._close_quietly, args=(old,), daemon=True)
        closing.start()
        closing.join(self._settings.session_timeout_seconds + 5)
        if closing.is_alive():
            log.warning("the stuck consumer did not close in time; left to close by itself")
        if self._store.owned:  # close() did not serve the revocation
            self._on_revoke(
                old, [TopicPartition(self._settings.topics.raw, p) for p in self._store.owned]
            )
        self._consumer = self._new_consumer()
        self._subscribe()

    @staticmethod
    def _close_quietly(consumer: Consumer) -> None:
        try:
            consumer.close()
        except (KafkaException, RuntimeError) as exc:
            log.warning("closing the stuck consumer: %s", exc)

    def _owned(self) -> frozenset[int]:
        return self._store.owned

    def health(self) -> dict[str, Any]:
        """Ready = this worker owns raw partitions (state restored) and is consuming;
        unhealthy while one of them is halted at a batch it cannot read."""
        owned = self._store.owned
        ready = self._running and bool(owned)
        raw = self._settings.topics.raw
        halted = [f"{raw}[{p}]@{offset}" for p, offset in sorted(self._halted.items())]
        status = "unhealthy" if halted or self._broker_lost else "ok"
        return {
            "status": status,
            "ready": ready,
            "partitions": len(owned),
            "halted": halted,
            "broker": "unreachable" if self._broker_lost else "ok",
        }

    def _client_error(self, error: KafkaError) -> None:
        """librdkafka's client-level errors (its own threads): every broker down marks the
        worker unhealthy until it reaches one again; the rest are logged."""
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            if not self._broker_lost:
                log.error(
                    "every broker of %s is unreachable: %s; /health is 503 until one answers",
                    self._settings.kafka.bootstrap_servers,
                    error.str(),
                )
            self._broker_lost = True
        else:
            log.warning("kafka client: %s", error.str())

    def _broker_back(self) -> None:
        """While the broker is lost: ask it for the raw topic's metadata (up to 1 s)."""
        if not self._broker_answers():
            return
        self._broker_lost = False
        self._consumer_unproven = time.monotonic()
        log.info("broker %s reachable again", self._settings.kafka.bootstrap_servers)

    def _consumer_back(self) -> None:
        """After the broker came back: the consumer must reach it too (up to 1 s a poll);
        one that cannot for longer than a session is stuck (librdkafka) and is replaced."""
        started = self._consumer_unproven
        if started is None:
            return
        try:
            self._consumer.list_topics(self._settings.topics.raw, timeout=1.0)
        except KafkaException:
            waited = time.monotonic() - started
            if waited > self._settings.session_timeout_seconds + 5:
                self._consumer_unproven = None
                self._renew_consumer(
                    f"the consumer has reached no broker for {waited:.0f}s since the broker "
                    "answered again"
                )
            return
        self._consumer_unproven = None

    def _broker_answers(self) -> bool:
        """Whether a broker answers a metadata request (within 1 s). Asked of the producer:
        the consumer is the client that may be stuck (no coordinator, and no broker
        connection of its own either), and its own answer would keep it stuck."""
        try:
            self._producer.list_topics(self._settings.topics.raw, timeout=1.0)
        except KafkaException:
            return False
        return True

    def stop(self) -> None:
        """Finish the batch in hand, commit it, leave the group."""
        self._stopping.set()

    async def run(self) -> None:
        """Until stopped (SIGTERM/SIGINT) or an infrastructure failure (raised)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        await self._web.start()
        self._subscribe()
        self._running = True
        callbacks = asyncio.create_task(self._serve_producer_callbacks())
        try:
            while not self._stopping.is_set():
                messages = await asyncio.to_thread(self._poll)
                if messages:
                    await self._process(messages)
        finally:
            callbacks.cancel()
            self._running = False
            await asyncio.to_thread(self._close)
            await self._web.stop()
            await self._processor.close()

    async def _serve_producer_callbacks(self) -> None:
        """The producer's client errors (every broker down) reach ``_client_error`` even while
        the worker thread waits in a consumer call that serves no callbacks (a synchronous
        commit blocks until the coordinator answers): /health says 503 in the meantime."""
        while True:
            await asyncio.sleep(0.5)
            self._producer.poll(0)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        owned = sorted(tp.partition for tp in partitions)
        self._store.assign(owned)  # state restored before the first record is fetched
        metrics.PARTITIONS_OWNED.set(len(self._store.owned))
        log.info("assigned %s%s", self._settings.topics.raw, owned)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if consumer is not self._consumer:
            return  # a replaced consumer closing late: its partitions were given up already
        self._store.revoke(tp.partition for tp in partitions)
        for tp in partitions:
            self._halted.pop(tp.partition, None)  # its next owner meets the batch itself
        metrics.PARTITIONS_OWNED.set(len(self._store.owned))
        metrics.PARTITIONS_HALTED.set(len(self._halted))
        log.info(
            "revoked %s%s", self._settings.topics.raw, sorted(tp.partition for tp in partitions)
        )

    def _poll(self) -> list[InboundMessage]:
        settings = self._settings
        if self._broker_lost:
            self._broker_back()
        if not self._broker_lost:
            self._consumer_back()
        polled = self._consumer.consume(1, timeout=_IDLE_POLL_SECONDS)
        if polled and settings.batch_size > 1:
            polled += self._consumer.consume(
                settings.batch_size - 1, timeout=settings.batch_wait_seconds
            )
        messages: list[InboundMessage] = []
        for message in polled:
            error = message.error()
            if error is None:
                if message.partition() not in self._halted:
                    messages.append(inbound(message))
            elif error.fatal():
                raise BrokerUnavailable(f"consumer failed for good: {error.str()}")
            elif error.code() in _UNREADABLE and message.topic() == settings.topics.raw:
                self._halt(message, error)
            else:
                log.warning("consumer: %s", error.str())
        return messages

    def _halt(self, message: Message, error: KafkaError) -> None:
        """Stop a partition at a batch that cannot be read: nothing from its offset on is
        processed or committed (records fetched after it in this poll are dropped, and the
        position goes back to it), and nothing retries in a loop."""
        partition = message.partition() or 0
        offset = message.offset() or 0
        if partition in self._halted:
            return
        self._halted[partition] = offset
        tp = TopicPartition(self._settings.topics.raw, partition, offset)
        self._consumer.pause([tp])
        try:
            self._consumer.seek(tp)
        except KafkaException as exc:
            log.debug("seek back to %s[%d]@%d: %s", tp.topic, partition, offset, exc)
        metrics.UNREADABLE_BATCHES.labels(topic=tp.topic).inc()
        metrics.PARTITIONS_HALTED.set(len(self._halted))
        log.error(
            "%s[%d]@%d unreadable: %s; partition halted, nothing from this offset on is "
            "processed or committed. Repair or skip the batch (kafka-consumer-groups "
            "--reset-offsets --to-offset), then restart the worker",
            tp.topic,
            partition,
            offset,
            error.str(),
        )

    async def _process(self, messages: list[InboundMessage]) -> None:
        started = time.perf_counter()
        processor = self._processor
        state = self.recurrence.batch(messages)
        output = await process_isolating(
            processor.process, processor.reject, messages, state.lookup
        )
        changes = state.plan(output.series_updates)
        next_offsets = await asyncio.to_thread(self._deliver, output, changes)
        self._store.apply(changes, next_offsets)
        await asyncio.to_thread(self._commit, messages)
        raw = self._settings.topics.raw
        metrics.BATCH_SIZE.observe(len(messages))
        metrics.BATCH_DURATION.observe(time.perf_counter() - started)
        metrics.RECORDS.labels(topic=raw, outcome="enriched").inc(len(output.enriched))
        metrics.RECORDS.labels(topic=raw, outcome="dead_lettered").inc(len(output.dead_letters))
        output.tally.publish()
        log.info(
            "batch %s records=%d enriched=%d dead_lettered=%d cache_hits=%d",
            batch_span(messages),
            len(messages),
            len(output.enriched),
            len(output.dead_letters),
            output.cache_hits,
        )

    def _deliver(self, output: BatchOutput, changes: Sequence[StateChange]) -> dict[int, int]:
        """Produce every output and state change, wait for every acknowledgement; returns
        the next changelog offset of each partition written."""
        failures: list[str] = []
        next_offsets: dict[int, int] = {}

        def delivered(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                failures.append(f"{message.topic()}: {error.str()}")

        def logged(error: KafkaError | None, message: Message) -> None:
            delivered(error, message)
            if error is None:
                partition = message.partition() or 0
                offset = (message.offset() or 0) + 1
                next_offsets[partition] = max(next_offsets.get(partition, 0), offset)

        topics = self._settings.topics
        for record in output.enriched:
            self._produce(topics.enriched, record, delivered)
        for record in output.dead_letters:
            self._produce(topics.dead_letter, record, delivered)
        for change in changes:
            self._send(
                self._store.changelog_topic,
                logged,
                key=change.key,
                value=change.value,
                partition=change.partition,
            )
        while self._producer.flush(1.0):
            pass  # librdkafka reports every record by delivery.timeout.ms
        if failures:
            raise DeliveryError(
                f"{len(failures)} output(s) not acknowledged by "
                f"{self._settings.kafka.bootstrap_servers}, first: {failures[0]}; "
                "nothing of the batch was committed: it is replayed on restart"
            )
        return next_offsets

    def _produce(self, topic: str, record: OutboundRecord, delivered: Callable[..., None]) -> None:
        self._send(
            topic, delivered, key=record.key, value=record.value, headers=list(record.headers)
        )

    def _send(self, topic: str, delivered: Callable[..., None], **fields: Any) -> None:
        while True:
            try:
                self._producer.produce(topic, on_delivery=delivered, **fields)
                return
            except BufferError:
                self._producer.poll(0.1)  # local queue full: let deliveries drain

    def _commit(self, messages: Sequence[InboundMessage]) -> None:
        ends: dict[tuple[str, int], int] = {}
        for message in messages:
            key = (message.topic, message.partition)
            ends[key] = max(ends.get(key, 0), message.offset + 1)
        offsets = [TopicPartition(t, p, end) for (t, p), end in ends.items()]
        started = time.monotonic()
        deadline = started + DELIVERY_TIMEOUT_MS / 1000
        # No coordinator for longer than a session while the broker answers: the group has
        # dropped this member (no heartbeat reached it) and the batch goes to the partitions'
        # next owner; a consumer left in that state may never find the coordinator again
        # (librdkafka), so the worker replaces it and rejoins (same instance id). While no
        # broker answers at all, nobody can drop it: it waits, up to the delivery timeout.
        grace = self._settings.session_timeout_seconds + 5
        orphaned = started + grace
        while True:
            try:
                self._consumer.commit(offsets=offsets, asynchronous=False)
                return
            except KafkaException as exc:
                error = exc.args[0]
                if not isinstance(error, KafkaError):
                    raise
                if error.code() in _LOST_COMMIT:
                    log.warning(
                        "commit of %s refused (%s): its partitions moved; their next owner "
                        "replays it",
                        batch_span(messages),
                        error.str(),
                    )
                    return
                if not (error.retriable() or error.code() in _RETRY_COMMIT):
                    raise BrokerUnavailable(
                        f"committing {batch_span(messages)} failed: {error.str()}"
                    ) from exc
                now = time.monotonic()
                if error.code() in _NO_COORDINATOR and not self._broker_answers():
                    orphaned = now + grace
                if error.code() in _NO_COORDINATOR and now > orphaned:
                    self._renew_consumer(
                        f"no group coordinator for {now - started:.0f}s while the broker "
                        f"answers, longer than the session: {batch_span(messages)} goes "
                        "uncommitted to the partitions' next owner"
                    )
                    return
                if now > deadline:
                    raise BrokerUnavailable(
                        f"committing {batch_span(messages)} failed for "
                        f"{DELIVERY_TIMEOUT_MS // 1000}s: {error.str()}"
                    ) from exc
                log.warning("commit of %s: %s; retrying", batch_span(messages), error.str())
                time.sleep(0.5)

    def _close(self) -> None:
        self._consumer.close()  # leaves the group: the others take its partitions at once
        self._producer.flush(10)
        self._store.close()
