"""The backfill's spill: account buckets sorted by (account, event date, input order), and
its manifest."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import msgpack
import pytest

from streams.core.types import InboundMessage
from streams.core.wire import CONTENT_TYPE_HEADER, JSON, MSGPACK
from streams.shell.backfill_spill import Manifest, RunFolder, bucket_count, order_key

pytestmark = pytest.mark.unit


def _message(offset: int, document: object, content_type: str = MSGPACK) -> InboundMessage:
    value = json.dumps(document).encode() if content_type == JSON else msgpack.packb(document)
    headers = ((CONTENT_TYPE_HEADER, content_type.encode()),)
    return InboundMessage(value, b"k", "in.jsonl", 0, offset, None, headers)


def test_order_key_reads_account_and_date_of_either_encoding() -> None:
    doc = {"account_id": "acc_1", "date": "2026-01-02"}
    assert order_key(_message(0, doc)) == ("acc_1", "2026-01-02")
    assert order_key(_message(0, doc, JSON)) == ("acc_1", "2026-01-02")
    assert order_key(_message(0, {"account_id": "acc_1", "date": 5})) == ("acc_1", "")
    assert order_key(_message(0, {"account_id": 7})) is None
    assert order_key(_message(0, [1, 2])) is None
    broken = InboundMessage(b"\xc1\xff", None, "in", 0, 0, None, ())
    assert order_key(broken) is None


def test_bucket_count_is_one_per_rows_per_bucket_and_bounded() -> None:
    assert bucket_count(0) == 1
    assert bucket_count(50_000) == 1
    assert bucket_count(50_001) == 2
    assert bucket_count(10**12) == 4096
    assert bucket_count(1000, rows_per_bucket=100) == 10


def test_each_account_lands_in_one_bucket_in_event_date_order(tmp_path: Path) -> None:
    days = ["2026-03-01", "2026-01-01", "2026-02-01", "2026-01-01"]
    messages = [
        _message(i, {"account_id": f"acc_{i % 3}", "date": days[i % 4], "n": i}) for i in range(60)
    ]
    messages.insert(7, InboundMessage(b"not a record", None, "in", 0, 999, None, ()))
    folder = RunFolder(tmp_path / "run")
    assert folder.write_spill(messages, buckets=4) == 61
    seen: dict[str, int] = {}
    total = 0
    for bucket in range(4):
        rows = folder.read_bucket(bucket)
        total += len(rows)
        keyed = [(order_key(m), m.offset) for m in rows]
        for key, _ in keyed:
            if key is not None:
                assert seen.setdefault(key[0], bucket) == bucket, "an account split over buckets"
        sortable = [(k or ("", ""), offset) for k, offset in keyed]
        assert sortable == sorted(sortable, key=lambda item: (item[0][0], item[0][1]))
    assert total == 61
    assert len(seen) == 3


def test_a_record_without_a_key_is_keyed_by_its_account(tmp_path: Path) -> None:
    unkeyed = replace(_message(0, {"account_id": "acc_9", "date": "2026-01-02"}), key=None)
    keyed = _message(1, {"account_id": "acc_9", "date": "2026-01-03"})  # its own key kept
    broken = InboundMessage(b"{", None, "in", 0, 2, None, ())
    folder = RunFolder(tmp_path / "run")
    folder.write_spill([unkeyed, keyed, broken], buckets=1)
    assert [m.key for m in folder.read_bucket(0)] == [None, b"acc_9", b"k"]


def test_a_spill_round_trips_every_field(tmp_path: Path) -> None:
    message = InboundMessage(
        b"\x81\xa1a\x01", b"acc", "raw", 3, 41, 1700000000000, (("trace", b"x"), ("nul", None))
    )
    folder = RunFolder(tmp_path / "run")
    folder.write_spill([message], buckets=1)
    assert folder.read_bucket(0) == [message]


def test_the_manifest_is_saved_whole_and_read_back(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "run")
    assert folder.load() is None
    manifest = Manifest("bf-1", "files a.jsonl", "jsonl out.jsonl", buckets=3, rows=10)
    manifest.done.append(1)
    manifest.sink_state = {"enriched_length": 120}
    folder.save(manifest)
    assert folder.load() == manifest
    assert not list((tmp_path / "run").glob("*.tmp"))
