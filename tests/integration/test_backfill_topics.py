"""`txenrich backfill` with Kafka on either side (Apache Kafka from the session's stack): a
topic's time range in, a topic out, and dead letters re-driven by reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from streams.demo.run import sample_raw_records
from streams.settings import BACKFILL_TOPOLOGY, Settings
from streams.shell.backfill_sources import TopicRange, topic_row_count
from streams.shell.consume import follow
from streams.shell.local_stack import free_port
from streams.shell.produce import produce_records
from streams.shell.worker import settings_env, wait_until_ready
from tests.samples import metric, offline_recurrence, summary_fields, write_jsonl

pytestmark = pytest.mark.integration

TXENRICH = str(Path(sys.executable).with_name("txenrich"))
Spawn = Callable[[Settings], subprocess.Popen[bytes]]


def _backfill(settings: Settings, cwd: Path, *args: str) -> dict[str, str]:
    env = {**os.environ, **settings_env(settings), "TXENRICH_TRITON_URL": ""}
    result = subprocess.run(
        [TXENRICH, "backfill", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=cwd,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return summary_fields(result.stdout)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_topic_time_range_backfills_like_the_same_records_from_a_file(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(redis_url=None)
    records = sample_raw_records(1500, seed=61)
    before = datetime.now(tz=UTC) - timedelta(seconds=5)
    produce_records(settings, records)
    since = before.isoformat()
    assert topic_row_count(settings, TopicRange(settings.topics.raw, before)) == 1500
    fields = _backfill(
        settings,
        tmp_path,
        "--from-topic",
        settings.topics.raw,
        "--since",
        since,
        "--out",
        "out.jsonl",
    )
    assert int(fields["in"]) == 1500
    got = {r["transaction_id"]: r["recurrence"] for r in _lines(tmp_path / "out.jsonl")}
    assert got == offline_recurrence(records, tmp_path / "file")

    past = (before - timedelta(days=1)).isoformat()
    empty = _backfill(
        settings,
        tmp_path,
        "--from-topic",
        settings.topics.raw,
        "--since",
        past,
        "--until",
        before.isoformat(),
        "--out",
        "none.jsonl",
    )
    assert int(empty["in"]) == 0
    empty_range = TopicRange(settings.topics.raw, before - timedelta(days=1), before)
    assert topic_row_count(settings, empty_range) == 0


def test_a_file_backfill_to_a_topic(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(redis_url=None)
    records = sample_raw_records(800, seed=62)
    source = tmp_path / "raw.jsonl"
    write_jsonl(source, records)
    n = len(records)
    target = settings.topics.enriched  # a scratch topic of this test
    fields = _backfill(settings, tmp_path, str(source), "--to-topic", target)
    assert int(fields["in"]) == n
    outputs = list(follow(settings, [target], max_records=int(fields["enriched"]), idle_timeout=30))
    assert len(outputs) == int(fields["enriched"]) > 0
    assert all(o.key == o.value["account_id"].encode() for o in outputs)


def test_dead_letters_are_re_driven_from_their_original_bytes(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    settings = make_settings(redis_url=None, triton_url=None)
    records = sample_raw_records(2000, seed=63)
    wait_until_ready(settings, spawn_worker(settings))
    produce_records(settings, records)
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    outputs = list(follow(settings, topics, max_records=len(records), idle_timeout=60))
    letters = [o.value for o in outputs if o.topic == settings.topics.dead_letter]
    reasons = Counter(letter["reason"] for letter in letters)
    reason, count = reasons.most_common(1)[0]

    fields = _backfill(
        settings, tmp_path, "--from-dead-letter", "--reason", reason, "--out", "redo.jsonl"
    )
    assert int(fields["in"]) == count
    again = _lines(tmp_path / "redo.jsonl.rejected.jsonl")
    # still bad: dead-lettered again, for the same reason, under their original positions
    assert Counter(r["reason"] for r in again) == {reason: count}
    original = {(d["partition"], d["offset"]) for d in letters if d["reason"] == reason}
    assert {(r["partition"], r["offset"]) for r in again} == original
    assert {r["topic"] for r in again} == {settings.topics.raw}


def test_two_backfill_workers_in_one_group_split_a_file_and_write_every_record_once(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    n = 3000
    records = sample_raw_records(n, seed=64)
    source = tmp_path / "history.jsonl"
    write_jsonl(source, records)
    # the backfill workers: the backfill topology, their own group and state, the scratch
    # topics of this test as their input and outputs
    first = make_settings(topology=BACKFILL_TOPOLOGY, redis_url=None, partitions=4)
    second = first.model_copy(update={"web_port": free_port(), "data_dir": first.data_dir / "b"})
    workers = [spawn_worker(first), spawn_worker(second)]
    for settings, process in zip((first, second), workers, strict=True):
        wait_until_ready(settings, process)

    fields = _backfill(first, tmp_path, str(source), "--split-to-topic", first.topics.raw)
    assert int(fields["in"]) == n
    topics = [first.topics.enriched, first.topics.dead_letter]
    outputs = list(follow(first, topics, max_records=n, idle_timeout=90))
    assert len(outputs) == n
    assert not list(follow(first, topics, idle_timeout=3))[n:]  # nothing twice
    enriched = {
        o.value["transaction_id"]: o.value["recurrence"]
        for o in outputs
        if o.topic == first.topics.enriched
    }
    assert enriched == offline_recurrence(records, tmp_path / "file")
    for settings in (first, second):  # both took part
        assert metric(settings, "txenrich_records_total", 'outcome="enriched"') > 0


def test_history_by_backfill_then_live_gives_the_records_of_all_of_it_live(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    records = sample_raw_records(2400, seed=65)  # event-time order: the history comes first
    history, recent = records[:1600], records[1600:]
    settings = make_settings(redis_url=None)
    write_jsonl(tmp_path / "history.jsonl", history)
    _backfill(
        settings, tmp_path, "history.jsonl", "--out", "history.out.jsonl", "--seed-live-state"
    )

    wait_until_ready(settings, spawn_worker(settings))  # restores the seeded state
    produce_records(settings, recent)
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    outputs = list(follow(settings, topics, max_records=len(recent), idle_timeout=90))
    assert len(outputs) == len(recent)
    live = {
        o.value["transaction_id"]: o.value["recurrence"]
        for o in outputs
        if o.topic == settings.topics.enriched
    }
    whole = offline_recurrence(records, tmp_path / "all")
    assert live == {tx: whole[tx] for tx in live}
    backfilled = {
        r["transaction_id"]: r["recurrence"] for r in _lines(tmp_path / "history.out.jsonl")
    }
    assert backfilled == {tx: whole[tx] for tx in backfilled}
    # without the seed the live worker would have started from nothing
    alone = offline_recurrence(recent, tmp_path / "recent")
    assert any(alone[tx] != whole[tx] for tx in live)
