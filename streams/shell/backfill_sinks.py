"""Where a backfill writes: Parquet part files, a JSONL file, or Kafka topics.

A backfill commits one bucket at a time (``backfill_spill``). Each sink makes a committed
bucket durable and an uncommitted one invisible, so a run killed and resumed writes no
record twice to a file:

- Parquet (``--out DIR`` or ``--out NAME.parquet``, a folder either way): each bucket's
  enriched records become ``part-NNNNN.parquet``, written to a temporary name and renamed,
  so a part file either is whole or is not there.
- JSONL (``--out FILE.jsonl``): records are appended; at commit the file is flushed and
  synced and its length kept in the manifest; a resumed run cuts the file back to that
  length first.
- Raw (``--split-to-topic``): the source's records themselves, keyed by account, each
  account's in event-time order, for backfill workers in their own consumer group; commit
  waits for every acknowledgement (at-least-once).
- Both file sinks append dead letters to ``OUT.rejected.jsonl`` the JSONL way.
- Kafka (``--to-topic``): enriched records to the topic, dead letters to the dead-letter
  topic, keyed by account; commit waits for every acknowledgement. A resumed run produces the
  interrupted bucket again (at-least-once, as the live path).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

import polars as pl
from confluent_kafka import KafkaError, Message, Producer

from streams.core.partitioning import partition_for
from streams.core.types import InboundMessage
from streams.core.wire import CONTENT_TYPE_HEADER, decode_value, header_value
from streams.errors import DeliveryError
from streams.settings import Settings
from streams.shell.kafka_admin import changelog_topics, create_topics
from streams.shell.processor import BatchOutput, OutboundRecord
from streams.shell.state_store import StateChange

__all__ = [
    "ChangelogSeeder",
    "JsonlSink",
    "ParquetSink",
    "RawTopicSink",
    "Sink",
    "TopicSink",
    "rejected_path",
]


class Sink(Protocol):
    """Takes a bucket's outputs batch by batch; ``commit`` makes the bucket durable.

    ``encode`` turns outputs into what the sink writes (lines, a Parquet frame, Kafka
    records): a pure function, so a backfill's pool processes run it beside the pipeline and
    send the parent only the encoded bucket (``write_encoded``)."""

    @staticmethod
    def encode(outputs: Sequence[BatchOutput]) -> Any: ...

    def write_encoded(self, encoded: Any) -> None: ...

    def write(self, output: BatchOutput) -> None: ...

    def commit(self, bucket: int) -> dict[str, Any]:
        """Make the bucket durable; what the manifest keeps to resume (may be empty)."""
        ...

    def resume(self, state: dict[str, Any]) -> None:
        """Drop whatever was written after the last commit (``state`` as commit returned)."""
        ...

    def close(self) -> None: ...


def _document(record: OutboundRecord) -> Any:
    """The record as a document: the one it was encoded from, else its value decoded."""
    if record.document is not None:
        return record.document
    return decode_value(record.value, header_value(record.headers, CONTENT_TYPE_HEADER))


def _json_line(record: OutboundRecord) -> str:
    return json.dumps(_document(record), ensure_ascii=False) + "\n"


def rejected_path(output: Path) -> Path:
    """Where a JSONL sink's dead letters go: OUTPUT.rejected.jsonl beside it."""
    return output.with_name(output.name + ".rejected.jsonl")


def _write_atomically(path: Path, write: Any) -> None:
    temporary = path.with_name(path.name + ".tmp")
    write(temporary)
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class _AppendLog:
    """A file appended to and committed by length: a resumed run cuts it back first."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        self.path = path
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    def write(self, text: str) -> None:
        self._handle.write(text)

    def commit(self) -> int:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        return self._handle.tell()

    def resume(self, length: int) -> None:
        self._handle.flush()
        os.truncate(self.path, length)
        self._handle.seek(0, os.SEEK_END)

    def close(self) -> None:
        self._handle.close()


class ParquetSink:
    """``DIR/part-NNNNN.parquet`` per bucket (a dataset folder polars, pyarrow, Spark and
    DuckDB read whole); dead letters appended to ``DIR.rejected.jsonl`` beside it."""

    def __init__(self, folder: Path) -> None:
        if folder.exists() and not folder.is_dir():
            raise DeliveryError(f"{folder} is a file; Parquet goes to a folder of part files")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._rejected = _AppendLog(rejected_path(folder))
        self._outputs: list[BatchOutput] = []  # the bucket's, encoded into one part at commit
        self._parts: list[pl.DataFrame] = []

    @staticmethod
    def _frame(outputs: Sequence[BatchOutput]) -> pl.DataFrame | None:
        """The enriched records as one frame, its schema inferred from every row (None if
        there are none: a part with no rows is not written)."""
        documents = []
        for output in outputs:
            for record in output.enriched:
                document = dict(_document(record))
                # metadata is free-form per record: JSON text, so one schema fits every row
                document["metadata"] = (
                    json.dumps(document["metadata"]) if "metadata" in document else None
                )
                documents.append(document)
        return pl.DataFrame(documents, infer_schema_length=None) if documents else None

    @staticmethod
    def encode(outputs: Sequence[BatchOutput]) -> tuple[pl.DataFrame | None, str]:
        """The enriched records as one frame, and the dead letters as JSONL text."""
        rejected = "".join(_json_line(r) for o in outputs for r in o.dead_letters)
        return ParquetSink._frame(outputs), rejected

    def write_encoded(self, encoded: tuple[pl.DataFrame | None, str]) -> None:
        frame, rejected = encoded
        if frame is not None:
            self._parts.append(frame)
        self._rejected.write(rejected)

    def write(self, output: BatchOutput) -> None:
        self._outputs.append(output)  # one frame per bucket: its schema inferred from all rows
        self._rejected.write("".join(_json_line(r) for r in output.dead_letters))

    def commit(self, bucket: int) -> dict[str, Any]:
        frame = self._frame(self._outputs)  # dead letters were written as they came
        if frame is not None:
            self._parts.append(frame)
        if self._parts:
            part = pl.concat(self._parts, how="diagonal_relaxed")
            _write_atomically(self.folder / f"part-{bucket:05d}.parquet", part.write_parquet)
        self._outputs, self._parts = [], []
        return {"rejected_length": self._rejected.commit()}

    def resume(self, state: dict[str, Any]) -> None:
        for stale in self.folder.glob("*.tmp"):
            stale.unlink()
        self._rejected.resume(int(state.get("rejected_length", 0)))

    def close(self) -> None:
        self._rejected.close()


class JsonlSink:
    """Appends to ``FILE.jsonl`` and its dead letters to ``FILE.jsonl.rejected.jsonl``."""

    def __init__(self, path: Path) -> None:
        self._enriched = _AppendLog(path)
        self._rejected = _AppendLog(rejected_path(path))

    @staticmethod
    def encode(outputs: Sequence[BatchOutput]) -> tuple[str, str]:
        """The enriched records and the dead letters, each as JSONL text."""
        enriched = "".join(_json_line(r) for o in outputs for r in o.enriched)
        return enriched, "".join(_json_line(r) for o in outputs for r in o.dead_letters)

    def write_encoded(self, encoded: tuple[str, str]) -> None:
        enriched, rejected = encoded
        self._enriched.write(enriched)
        self._rejected.write(rejected)

    def write(self, output: BatchOutput) -> None:
        self.write_encoded(self.encode([output]))

    def commit(self, bucket: int) -> dict[str, Any]:
        return {
            "enriched_length": self._enriched.commit(),
            "rejected_length": self._rejected.commit(),
        }

    def resume(self, state: dict[str, Any]) -> None:
        self._enriched.resume(int(state.get("enriched_length", 0)))
        self._rejected.resume(int(state.get("rejected_length", 0)))

    def close(self) -> None:
        self._enriched.close()
        self._rejected.close()


# A Kafka record as a sink produces it: key, value, headers.
KafkaRecord = tuple[bytes | None, bytes, list[tuple[str, bytes | None]]]


class TopicSink:
    """Produces enriched records to ``topic`` and dead letters to the dead-letter topic."""

    def __init__(self, settings: Settings, topic: str, dead_letter_topic: str) -> None:
        self.topic, self.dead_letter_topic = topic, dead_letter_topic
        self._producer = Producer(settings.kafka.producer_config(linger_ms=20))
        self._errors: list[KafkaError] = []

    def _delivered(self, err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            self._errors.append(err)

    def _send(self, topic: str, key: bytes | None, value: bytes | None, **fields: Any) -> None:
        while True:
            try:
                self._producer.produce(
                    topic, key=key, value=value, on_delivery=self._delivered, **fields
                )
                return
            except BufferError:
                self._producer.poll(0.1)  # queue full: let deliveries drain

    @staticmethod
    def encode(outputs: Sequence[BatchOutput]) -> tuple[list[KafkaRecord], list[KafkaRecord]]:
        """(key, value, headers) of the enriched records and of the dead letters."""

        def records(chosen: Iterable[OutboundRecord]) -> list[KafkaRecord]:
            return [(r.key, r.value, list(r.headers)) for r in chosen]

        return (
            records(r for o in outputs for r in o.enriched),
            records(r for o in outputs for r in o.dead_letters),
        )

    def write_encoded(self, encoded: tuple[list[KafkaRecord], list[KafkaRecord]]) -> None:
        enriched, dead_letters = encoded
        for topic, records in ((self.topic, enriched), (self.dead_letter_topic, dead_letters)):
            for key, value, headers in records:
                self._send(topic, key, value, headers=headers)
        self._producer.poll(0)

    def write(self, output: BatchOutput) -> None:
        self.write_encoded(self.encode([output]))

    def commit(self, bucket: int) -> dict[str, Any]:
        left = self._producer.flush(120)
        if left or self._errors:
            raise DeliveryError(
                f"{left + len(self._errors)} backfill records not acknowledged: {self._errors[:3]}"
            )
        return {}

    def resume(self, state: dict[str, Any]) -> None:
        return None

    def close(self) -> None:
        self._producer.flush(30)


class RawTopicSink(TopicSink):
    """Produces raw records as read (value, key, headers) to ``topic``, keyed by account."""

    def __init__(self, settings: Settings, topic: str) -> None:
        super().__init__(settings, topic, topic)

    def write_raw(self, messages: Sequence[InboundMessage]) -> None:
        for message in messages:  # a tombstone stays one: the workers dead-letter it
            self._send(self.topic, message.key, message.value, headers=list(message.headers))
        self._producer.poll(0)


class ChangelogSeeder(TopicSink):
    """Writes recurrence state to the live workers' changelog (``--seed-live-state``), each
    account's in the partition its raw records land on, so a worker that takes the
    partition afterwards restores it as its own."""

    def __init__(self, settings: Settings) -> None:
        create_topics(settings)  # the live topics and changelog, where missing
        (changelog,) = changelog_topics(settings.app_id)
        super().__init__(settings, changelog, changelog)
        raw = settings.topics.raw
        described = self._producer.list_topics(raw, timeout=10).topics.get(raw)
        if described is None or described.error is not None or not described.partitions:
            raise DeliveryError(f"cannot seed live state: the raw topic {raw!r} is not readable")
        self._partitions = len(described.partitions)

    def partition_of(self, account: str) -> int:
        return partition_for(account.encode(), self._partitions)

    def seed(self, changes: Sequence[StateChange]) -> None:
        for change in changes:
            self._send(self.topic, change.key, change.value, partition=change.partition)
        self._producer.poll(0)
