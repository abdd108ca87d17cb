"""A backfill's run folder: its input spilled into account buckets, and its manifest.

Recurrence must see each account's history in event-time order, and a file or topic holds
it in any order. The spill reads the source once and writes each record to the bucket of its
account (crc32 of the account id), so a bucket holds every record of its accounts and fits in
memory; each bucket is then sorted by (account, date, input order) and processed on its own.
Buckets are also the unit of progress: the manifest names the ones whose outputs are
committed, so a run killed and started again with its id redoes at most one bucket.

Records that name no account (undecodable, or not an object) go to a bucket by their input
position: validation dead-letters them wherever they are.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import msgpack

from streams.core.types import InboundMessage
from streams.core.wire import CONTENT_TYPE_HEADER, DecodeFailure, decode_value, header_value
from streams.errors import ConfigError

__all__ = ["Manifest", "RunFolder", "account_key", "bucket_count", "order_key"]

MANIFEST: Final = "manifest.json"
# Rows per bucket aimed at: a bucket is held in memory while it is processed.
ROWS_PER_BUCKET: Final = 50_000
MAX_BUCKETS: Final = 4096


def bucket_count(estimated_rows: int, rows_per_bucket: int = ROWS_PER_BUCKET) -> int:
    """Buckets for about ``estimated_rows`` rows: at least one, ``rows_per_bucket`` each."""
    return max(1, min(MAX_BUCKETS, -(-estimated_rows // rows_per_bucket)))


def order_key(message: InboundMessage) -> tuple[str, str] | None:
    """(account_id, date) of a record that names both as strings, else None."""
    try:
        document = decode_value(message.value, header_value(message.headers, CONTENT_TYPE_HEADER))
    except DecodeFailure:
        return None
    if not isinstance(document, dict):
        return None
    account, day = document.get("account_id"), document.get("date")
    if not isinstance(account, str):
        return None
    return account, day if isinstance(day, str) else ""


def account_key(message: InboundMessage) -> bytes | None:
    """The record's Kafka key: its own, else its account id (a record read from a file)."""
    if message.key is not None:
        return message.key  # without decoding the value
    return _keyed(None, order_key(message))


def _keyed(key: bytes | None, order: tuple[str, str] | None) -> bytes | None:
    """``key``, else the account of the record's ``order_key`` (if it names one)."""
    if key is not None or order is None:
        return key
    return order[0].encode()


@dataclass
class Manifest:
    """What a run is and how far it got (``manifest.json`` in its folder)."""

    run_id: str
    source: str  # what was read, in words (for the log and a resumed run's check)
    sink: str
    buckets: int
    rows: int = 0
    spilled: bool = False
    done: list[int] = field(default_factory=list)
    # per committed bucket: enriched and dead-lettered counts, and a JSONL sink's length
    enriched: int = 0
    dead_lettered: int = 0
    sink_state: dict[str, Any] = field(default_factory=dict)


class RunFolder:
    """``<data_dir>/backfill/<run_id>``: the manifest and the spilled buckets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spill = root / "spill"

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def load(self) -> Manifest | None:
        try:
            return Manifest(**json.loads(self.manifest_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigError(
                f"{self.manifest_path} is unreadable ({exc}); start a new run id"
            ) from exc

    def save(self, manifest: Manifest) -> None:
        """Written whole to a temporary file, flushed, then renamed over the old one."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.manifest_path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(asdict(manifest), handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.manifest_path)

    def _bucket_path(self, bucket: int) -> Path:
        return self.spill / f"bucket-{bucket:05d}.msgpack"

    def write_spill(self, messages: Iterable[InboundMessage], buckets: int) -> int:
        """Spill ``messages`` into ``buckets`` files (any earlier spill is replaced); the
        number of records spilled. A record without a key (one read from a file) is keyed
        by its account, as a producer of the raw topic keys it."""
        self.spill.mkdir(parents=True, exist_ok=True)
        for stale in self.spill.glob("bucket-*"):
            stale.unlink()
        handles = [self._bucket_path(b).open("wb") for b in range(buckets)]
        packer = msgpack.Packer(use_bin_type=True)
        rows = 0
        try:
            for seq, message in enumerate(messages):
                key = order_key(message)
                account, day = key if key is not None else ("", "")
                bucket = zlib.crc32(account.encode()) % buckets if key else seq % buckets
                handles[bucket].write(
                    packer.pack(
                        (
                            seq,
                            account,
                            day,
                            message.value,
                            _keyed(message.key, key),
                            message.topic,
                            message.partition,
                            message.offset,
                            message.timestamp_ms,
                            [list(h) for h in message.headers],
                        )
                    )
                )
                rows += 1
        finally:
            for handle in handles:
                handle.close()
        return rows

    def read_bucket(self, bucket: int) -> list[InboundMessage]:
        """A bucket's records in the order recurrence needs: by account, then event date,
        then input order (records without an account first, in input order)."""
        with self._bucket_path(bucket).open("rb") as handle:
            rows = list(msgpack.Unpacker(handle, raw=False, use_list=False))
        rows.sort(key=lambda r: (r[1], r[2], r[0]))
        return [
            InboundMessage(value, key, topic, partition, offset, stamp, _headers(headers))
            for _, _, _, value, key, topic, partition, offset, stamp, headers in rows
        ]

    def remove_spill(self) -> None:
        for path in self.spill.glob("bucket-*"):
            path.unlink()
        if self.spill.is_dir():
            self.spill.rmdir()


def _headers(raw: Iterable[Iterable[Any]]) -> tuple[tuple[str, bytes | None], ...]:
    return tuple((str(name), value) for name, value in raw)
