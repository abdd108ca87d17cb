"""Where a backfill reads raw records: files (JSONL, CSV, Parquet, gzip), a topic's time range,
or the dead-letter topic. Each source yields :class:`InboundMessage` one at a time, so a file
of any size streams through bounded memory.

A file row carries its file name as ``topic`` and its row number as ``offset``, so a dead
letter from a backfill names ``file[0]@row`` as a topic record names ``topic[p]@offset``.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import glob
import gzip
import io
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final, cast

import polars as pl
from confluent_kafka import OFFSET_END, Consumer, KafkaError, KafkaException, TopicPartition

from streams.core.contracts import RAW_SCHEMA
from streams.core.types import InboundMessage
from streams.core.wire import (
    CONTENT_TYPE_HEADER,
    JSON,
    MSGPACK,
    SCHEMA_HEADER,
    DecodeFailure,
    decode_value,
    encode_value,
)
from streams.errors import ConfigError, InputFileError, ServiceError
from streams.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "FILE_FORMATS",
    "TopicRange",
    "dead_letter_messages",
    "dead_letter_range",
    "expand_inputs",
    "file_messages",
    "topic_messages",
    "topic_row_count",
]

# what each suffix is read as (a trailing .gz is decompressed first)
FILE_FORMATS: Final = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}
_PARQUET_CHUNK: Final = 20_000
_JSON_HEADERS: Final = ((CONTENT_TYPE_HEADER, JSON.encode()), (SCHEMA_HEADER, RAW_SCHEMA.encode()))
_PACK_HEADERS: Final = (
    (CONTENT_TYPE_HEADER, MSGPACK.encode()),
    (SCHEMA_HEADER, RAW_SCHEMA.encode()),
)


def _format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
        if suffixes and suffixes[-1] == ".parquet":
            return None  # Parquet compresses its own pages
    return FILE_FORMATS.get(suffixes[-1]) if suffixes else None


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files named by paths, folders (every readable file inside, recursively) and globs, in
    a stable order, each once. An input that names nothing readable is an error."""
    found: list[Path] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*") if p.is_file() and _format_of(p))
            if not matches:
                raise InputFileError(f"{given}: a folder with no .jsonl, .csv or .parquet file")
        elif path.is_file():
            if _format_of(path) is None:
                raise InputFileError(
                    f"{given}: unknown format; use .jsonl, .csv or .parquet (optionally .gz)"
                )
            matches = [path]
        else:
            names = sorted(glob.glob(given, recursive=True))
            matches = [Path(n) for n in names if Path(n).is_file() and _format_of(Path(n))]
            if not matches:
                raise InputFileError(
                    f"{given}: no such file, folder or matching file; give .jsonl, .csv or "
                    ".parquet files (optionally .gz)"
                )
        found += matches
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def _open_text(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return cast(IO[bytes], gzip.GzipFile(path, "rb"))
    return path.open("rb")


def _jsonl(path: Path) -> Iterator[tuple[bytes, tuple[tuple[str, bytes | None], ...]]]:
    # Lines go through as they are, even broken ones: validation dead-letters them.
    with _open_text(path) as handle:
        for raw_line in handle:
            line = raw_line.strip()
            if line:
                yield line, _JSON_HEADERS


def _packed(row: dict[str, Any]) -> tuple[bytes, tuple[tuple[str, bytes | None], ...]]:
    record = {k: v for k, v in row.items() if v is not None and v != ""}
    if isinstance(record.get("metadata"), str):
        # left a string when it is not JSON: validation dead-letters it as wrong_type
        with contextlib.suppress(ValueError):
            record["metadata"] = json.loads(record["metadata"])
    return encode_value(record), _PACK_HEADERS


def _csv(path: Path) -> Iterator[tuple[bytes, tuple[tuple[str, bytes | None], ...]]]:
    with _open_text(path) as handle, io.TextIOWrapper(handle, "utf-8", newline="") as text:
        for row in csv.DictReader(text):
            yield _packed({k: v for k, v in row.items() if k is not None})


def _parquet(path: Path) -> Iterator[tuple[bytes, tuple[tuple[str, bytes | None], ...]]]:
    for frame in pl.scan_parquet(path).collect_batches(chunk_size=_PARQUET_CHUNK):
        for row in frame.iter_rows(named=True):
            yield _packed(row)


_READERS: Final[dict[str, Callable[[Path], Iterator[Any]]]] = {
    "jsonl": _jsonl,
    "csv": _csv,
    "parquet": _parquet,
}


def file_messages(paths: Sequence[Path]) -> Iterator[InboundMessage]:
    """Every row of every file, in order, as messages (topic = file name, offset = row) with
    no key: the spill keys each by the account it reads (``RunFolder.write_spill``)."""
    for path in paths:
        reader = _READERS[_format_of(path) or "jsonl"]
        try:
            for row, (value, headers) in enumerate(reader(path)):
                yield InboundMessage(value, None, path.name, 0, row, None, headers)
        except (OSError, EOFError, UnicodeDecodeError, csv.Error, pl.exceptions.PolarsError) as exc:
            raise InputFileError(f"{path}: cannot read ({exc})") from exc


@dataclass(frozen=True)
class TopicRange:
    """Records of ``topic`` whose timestamps fall in [since, until) (until: the end as it is
    when the backfill starts)."""

    topic: str
    since: datetime
    until: datetime | None = None


def _end_offsets(
    consumer: Consumer, partitions: list[TopicPartition], until: datetime | None
) -> list[TopicPartition]:
    if until is None:
        ends = []
        for tp in partitions:
            _, high = consumer.get_watermark_offsets(tp, timeout=10)
            ends.append(TopicPartition(tp.topic, tp.partition, high))
        return ends
    stamp = int(until.timestamp() * 1000)
    found = consumer.offsets_for_times(
        [TopicPartition(tp.topic, tp.partition, stamp) for tp in partitions], timeout=10
    )
    ends = []
    for tp in found:
        if tp.offset == OFFSET_END or tp.offset < 0:  # nothing at or after `until`
            _, high = consumer.get_watermark_offsets(tp, timeout=10)
            ends.append(TopicPartition(tp.topic, tp.partition, high))
        else:
            ends.append(tp)
    return ends


def _range_consumer(settings: Settings) -> Consumer:
    return Consumer(
        {
            **settings.kafka.consumer_config(f"{settings.app_id}-backfill-reader"),
            "enable.partition.eof": True,
        }
    )


def _partition_ranges(
    consumer: Consumer, source: TopicRange, broker: str
) -> list[tuple[TopicPartition, int]]:
    """Per partition holding part of the range: its first offset and the offset past it."""
    metadata = consumer.list_topics(source.topic, timeout=10)
    described = metadata.topics.get(source.topic)
    if described is None or described.error is not None:
        raise ConfigError(f"topic {source.topic!r} not found on {broker}")
    partitions = [TopicPartition(source.topic, p) for p in sorted(described.partitions)]
    stamp = int(source.since.timestamp() * 1000)
    starts = consumer.offsets_for_times(
        [TopicPartition(source.topic, tp.partition, stamp) for tp in partitions], timeout=10
    )
    ends = {tp.partition: tp.offset for tp in _end_offsets(consumer, partitions, source.until)}
    return [
        (start, ends[start.partition])
        for start in starts
        if 0 <= start.offset < ends[start.partition]
    ]


def topic_row_count(settings: Settings, source: TopicRange) -> int:
    """How many records the range holds, from its offsets (an upper bound: compaction and
    transaction markers leave gaps), to size a backfill before reading it."""
    consumer = _range_consumer(settings)
    try:
        return sum(
            end - start.offset
            for start, end in _partition_ranges(consumer, source, settings.kafka.bootstrap_servers)
        )
    except KafkaException as exc:
        raise ServiceError(f"reading {source.topic}: {exc}") from exc
    finally:
        consumer.close()


def topic_messages(settings: Settings, source: TopicRange) -> Iterator[InboundMessage]:
    """The range's records, partition by partition in offset order (an account's records
    are on one partition, in the order they were written)."""
    consumer = _range_consumer(settings)
    try:
        for start, end in _partition_ranges(consumer, source, settings.kafka.bootstrap_servers):
            yield from _read_partition(consumer, start, end)
    except KafkaException as exc:
        raise ServiceError(f"reading {source.topic}: {exc}") from exc
    finally:
        consumer.close()


def _read_partition(
    consumer: Consumer, start: TopicPartition, end: int
) -> Iterator[InboundMessage]:
    consumer.assign([start])
    while True:
        message = consumer.poll(1.0)
        if message is None:
            continue
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                return
            raise ServiceError(f"reading {start.topic}[{start.partition}]: {error}")
        offset = message.offset() or 0
        if offset >= end:
            return
        _, stamp = message.timestamp()
        raw_headers: list[tuple[str, bytes | str | None]] = message.headers() or []  # type: ignore[assignment]
        headers = tuple(
            (name, value.encode() if isinstance(value, str) else value)
            for name, value in raw_headers
        )
        yield InboundMessage(
            message.value(), message.key(), start.topic, start.partition, offset, stamp, headers
        )
        if offset + 1 >= end:
            return


def dead_letter_range(settings: Settings) -> TopicRange:
    """All of the dead-letter topic, up to its end as the backfill starts."""
    return TopicRange(settings.topics.dead_letter, datetime.fromtimestamp(0).astimezone())


def dead_letter_messages(settings: Settings, reason: str | None = None) -> Iterator[InboundMessage]:
    """The original bytes of every dead letter (of ``reason``, if given) up to the end of the
    dead-letter topic as the backfill starts, under their original position."""
    for letter in topic_messages(settings, dead_letter_range(settings)):
        try:
            record = decode_value(letter.value, None)
        except DecodeFailure:
            continue
        if not isinstance(record, dict) or (reason is not None and record.get("reason") != reason):
            continue
        if record.get("original_truncated"):
            # only a prefix was carried: the whole record is in its input topic
            log.warning(
                "dead letter at %s not re-driven: its original was cut to fit; replay it "
                "from %s[%s]@%s with --from-topic",
                letter.position,
                record.get("topic"),
                record.get("partition"),
                record.get("offset"),
            )
            continue
        original = base64.b64decode(record.get("original_base64") or "")
        key_text = record.get("original_key_base64")
        key = base64.b64decode(key_text) if key_text else None
        content_type = record.get("original_content_type")
        headers = tuple(
            (name, value)
            for name, value in letter.headers
            if name.lower() not in (CONTENT_TYPE_HEADER, SCHEMA_HEADER)
        )
        if isinstance(content_type, str):
            headers = (*headers, (CONTENT_TYPE_HEADER, content_type.encode()))
        yield InboundMessage(
            original,
            key,
            str(record.get("topic", letter.topic)),
            int(record.get("partition", 0)),
            int(record.get("offset", 0)),
            None,
            headers,
        )
