"""Write raw transactions to the raw topic: from JSONL/CSV/Parquet files or the sample generator."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaError, Message, Producer

from streams.core.contracts import RAW_SCHEMA
from streams.core.types import InboundMessage
from streams.core.wire import CONTENT_TYPE_HEADER, JSON, SCHEMA_HEADER, header_value
from streams.errors import DeliveryError
from streams.settings import Settings
from streams.shell.backfill_sources import expand_inputs, file_messages
from streams.shell.backfill_spill import account_key

__all__ = ["OutgoingRaw", "ProduceReport", "produce_records", "read_raw_file"]


@dataclass(frozen=True, slots=True)
class OutgoingRaw:
    """One raw record as it will be written: key, wire bytes and their content type."""

    key: bytes
    value: bytes
    content_type: str

    def headers(self) -> tuple[tuple[str, bytes], ...]:
        """The headers it is produced with: its content type and the raw schema version."""
        return (
            (CONTENT_TYPE_HEADER, self.content_type.encode()),
            (SCHEMA_HEADER, RAW_SCHEMA.encode()),
        )

    def as_inbound(
        self, offset: int, topic: str = "raw", timestamp_ms: int | None = None
    ) -> InboundMessage:
        """The record as a consumer of ``topic`` (partition 0) hands it to the core."""
        return InboundMessage(self.value, self.key, topic, 0, offset, timestamp_ms, self.headers())


@dataclass
class ProduceReport:
    sent: int = 0
    failed: int = 0


def read_raw_file(path: Path) -> Iterator[OutgoingRaw]:
    """Raw records from a .jsonl/.ndjson, .csv or .parquet file (gzipped too), read row by
    row as a backfill reads them (``backfill_sources``): JSON lines go out as they are, even
    broken ones (the worker dead-letters them); table rows as msgpack."""
    (found,) = expand_inputs([str(path)])
    return (
        OutgoingRaw(
            account_key(message) or b"",
            message.value or b"",
            header_value(message.headers, CONTENT_TYPE_HEADER) or JSON,
        )
        for message in file_messages([found])
    )


def produce_records(settings: Settings, records: Iterable[OutgoingRaw]) -> ProduceReport:
    """Produce to the raw topic, keyed by account, and wait for every acknowledgement."""
    # Java clients' (and the worker's) key hashing: an account lands on the same partition
    # whoever produced it, and its state stays with one worker.
    producer = Producer(settings.kafka.producer_config(linger_ms=10))
    report = ProduceReport()
    errors: list[KafkaError] = []

    def delivered(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            report.failed += 1
            errors.append(err)

    for record in records:
        headers: list[tuple[str, str | bytes | None]] = list(record.headers())
        while True:
            try:
                producer.produce(
                    settings.topics.raw,
                    key=record.key,
                    value=record.value,
                    headers=headers,
                    on_delivery=delivered,
                )
                break
            except BufferError:
                producer.poll(0.1)  # local queue full: let deliveries drain (backpressure)
        report.sent += 1
        producer.poll(0)
    remaining = producer.flush(60)
    if remaining or errors:
        raise DeliveryError(
            f"{report.failed + remaining} of {report.sent} records not acknowledged "
            f"by {settings.kafka.bootstrap_servers}: {errors[:3]}"
        )
    return report
