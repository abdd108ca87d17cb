"""The worker's local state: one RocksDB, keyed by raw-topic partition, backed by a changelog.

Every change is first written to a compacted changelog topic partitioned like the raw
topic (key = the state key, value = the msgpack value, or a tombstone for a delete), and
then, once the broker acknowledged it, to RocksDB together with the next changelog offset
to read for that partition. A partition assigned to this worker is brought up to date by
reading its changelog from that offset to the high watermark, so a restart on the same
directory reads only what it missed, and a new directory (a new pod) reads it all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from rocksdict import Options, Rdict, WriteBatch

from streams.errors import ServiceError
from streams.settings import KafkaSettings

__all__ = ["PartitionStore", "StateChange"]

log = logging.getLogger(__name__)

# Keys: b"<partition>/" + the state key; the changelog offset of each partition beside them.
_OFFSET_PREFIX: Final = b"\x00changelog-offset/"
_RESTORE_BATCH: Final = 5000


@dataclass(frozen=True, slots=True)
class StateChange:
    """One key of one partition's state set to ``value`` (None: deleted)."""

    partition: int
    key: bytes
    value: bytes | None


def _prefix(partition: int) -> bytes:
    return b"%d/" % partition


def _offset_key(partition: int) -> bytes:
    return _OFFSET_PREFIX + b"%d" % partition


class PartitionStore:
    """Per-partition key/value state on local disk; reads see only owned partitions."""

    def __init__(self, path: Path, kafka: KafkaSettings, changelog_topic: str) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._db = Rdict(str(path), Options(raw_mode=True))
        self._kafka = kafka
        self.changelog_topic = changelog_topic
        self._owned: frozenset[int] = frozenset()

    @property
    def owned(self) -> frozenset[int]:
        return self._owned

    def get(self, keys: Iterable[bytes]) -> dict[bytes, tuple[int, bytes]]:
        """The value of each key found in an owned partition, with that partition."""
        wanted = list(keys)
        found: dict[bytes, tuple[int, bytes]] = {}
        for partition in sorted(self._owned):
            prefix = _prefix(partition)
            values: list[bytes | None] = self._db.get([prefix + key for key in wanted]) or []
            for key, value in zip(wanted, values, strict=True):
                if value is not None and key not in found:
                    found[key] = (partition, value)
        return found

    def get_in(self, partition: int, key: bytes) -> bytes | None:
        """One key's value in one partition."""
        value: bytes | None = self._db.get(_prefix(partition) + key)
        return value

    def apply(self, changes: Sequence[StateChange], next_offsets: Mapping[int, int]) -> None:
        """Write acknowledged changes and where each partition's changelog now ends."""
        batch = WriteBatch(raw_mode=True)
        for change in changes:
            key = _prefix(change.partition) + change.key
            if change.value is None:
                batch.delete(key)
            else:
                batch.put(key, change.value)
        for partition, offset in next_offsets.items():
            batch.put(_offset_key(partition), b"%d" % offset)
        self._db.write(batch)

    def assign(self, partitions: Iterable[int]) -> None:
        """Own ``partitions`` (added to those owned), each brought up to date first."""
        wanted = set(partitions) - self._owned
        for partition in sorted(wanted):
            self._restore(partition)
        self._owned = self._owned | wanted

    def revoke(self, partitions: Iterable[int]) -> None:
        """Stop reading ``partitions``; their data stays, to be caught up if they return."""
        self._owned = self._owned - set(partitions)

    def close(self) -> None:
        self._owned = frozenset()
        self._db.close()

    def _stored_offset(self, partition: int) -> int:
        raw = self._db.get(_offset_key(partition))
        return int(raw) if raw is not None else 0

    def _wipe(self, partition: int) -> None:
        prefix = _prefix(partition)
        batch = WriteBatch(raw_mode=True)
        for key in self._db.keys(from_key=prefix):
            if not isinstance(key, bytes) or not key.startswith(prefix):
                break
            batch.delete(key)
        batch.delete(_offset_key(partition))
        self._db.write(batch)

    def _restore(self, partition: int) -> None:
        """Apply the partition's changelog from the stored offset to its high watermark."""
        started = time.monotonic()
        consumer = Consumer(
            {
                # assign() never joins the group
                **self._kafka.consumer_config(f"{self.changelog_topic}-restore"),
                # the end of the log may be a transaction marker or a compacted gap, not a
                # record at high - 1: EOF says we are there
                "enable.partition.eof": True,
            }
        )
        try:
            tp = TopicPartition(self.changelog_topic, partition)
            low, high = consumer.get_watermark_offsets(tp, timeout=30)
            start = self._stored_offset(partition)
            if start > high or start < low:
                # the changelog was recreated or truncated under us: what is on disk is
                # not what the changelog says; start this partition over from it
                log.warning(
                    "state %s[%d]: stored offset %d outside [%d, %d]; restoring from scratch",
                    self.changelog_topic,
                    partition,
                    start,
                    low,
                    high,
                )
                self._wipe(partition)
                start = low
            applied = self._read(consumer, partition, start, high)
        finally:
            consumer.close()
        log.info(
            "state %s[%d] restored: %d change(s) up to offset %d in %.2fs",
            self.changelog_topic,
            partition,
            applied,
            high,
            time.monotonic() - started,
        )

    def _read(self, consumer: Consumer, partition: int, start: int, high: int) -> int:
        if start >= high:
            return 0
        consumer.assign(
            [TopicPartition(self.changelog_topic, partition, start or OFFSET_BEGINNING)]
        )
        applied, position = 0, start
        pending: list[StateChange] = []
        while position < high:
            message = consumer.poll(1.0)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    break
                raise ServiceError(
                    f"restoring state from {self.changelog_topic}[{partition}] failed: {error}"
                )
            key = message.key()
            if key is not None:
                pending.append(StateChange(partition, key, message.value()))
            position = (message.offset() or 0) + 1
            if len(pending) >= _RESTORE_BATCH or position >= high:
                self.apply(pending, {partition: position})
                applied += len(pending)
                pending = []
        if pending:
            self.apply(pending, {partition: position})
            applied += len(pending)
        # transaction markers or compacted gaps may end the log before ``high``
        self.apply([], {partition: max(position, high)})
        return applied
