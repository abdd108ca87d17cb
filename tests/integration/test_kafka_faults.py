"""Faults a real Apache Kafka makes testable: a worker killed and restarted at once, a group
losing a member, the broker itself restarted. Nothing waits out a session timeout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.kafka_admin import create_topics
from streams.shell.local_stack import LocalStack, free_port
from streams.shell.produce import produce_records
from streams.shell.worker import wait_until_ready
from tests.samples import get_json, offline_recurrence

pytestmark = pytest.mark.integration

Spawn = Callable[[Settings], subprocess.Popen[bytes]]
N = 2500


@dataclass
class Outputs:
    """What the worker wrote: enriched records by transaction id (replays kept), dead
    letters by the raw position they came from."""

    enriched: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dead: set[tuple[int, int]] = field(default_factory=set)

    @property
    def covered(self) -> int:
        return len(self.enriched) + len(self.dead)


def _outputs(settings: Settings, expected: int, idle_timeout: float = 60) -> Outputs:
    out = Outputs()
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    for record in follow(settings, topics, idle_timeout=idle_timeout):
        value = record.value
        if record.topic == settings.topics.enriched:
            out.enriched.setdefault(value["transaction_id"], []).append(value["recurrence"])
        else:
            out.dead.add((value["partition"], value["offset"]))
        if out.covered == expected:
            break
    return out


def _health_until(settings: Settings, wanted: int, within: float = 60) -> Any:
    """Poll the worker's /health until it answers ``wanted`` (bounded)."""
    url = f"http://{settings.web_host}:{settings.web_port}/health"
    deadline = time.monotonic() + within
    while True:
        status, body = get_json(url)
        if status == wanted or time.monotonic() > deadline:
            assert status == wanted, (status, body)
            return body
        time.sleep(0.5)


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def _assert_every_record_out_with_its_recurrence(
    got: Outputs, expected: dict[str, dict[str, Any]], n: int
) -> None:
    assert got.covered == n, f"{got.covered} of {n} records came out"
    assert got.enriched.keys() == expected.keys()
    wrong = {t: outs for t, outs in got.enriched.items() if any(o != expected[t] for o in outs)}
    detail = [(t, outs, expected[t]) for t, outs in list(wrong.items())[:2]]
    assert not wrong, json.dumps(detail, indent=1)


def test_kill_9_and_restart_at_once_on_the_same_state_directory(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    records = sample_raw_records(N, seed=32)
    expected = offline_recurrence(records, tmp_path)
    settings = make_settings(batch_size=50, batch_wait_seconds=0.05)
    produce_records(settings, records)
    first = spawn_worker(settings)
    seen = list(follow(settings, [settings.topics.enriched], max_records=N // 3, idle_timeout=60))
    assert len(seen) == N // 3
    _kill(first)
    spawn_worker(settings)  # same group, same RocksDB directory, no pause
    _assert_every_record_out_with_its_recurrence(_outputs(settings, N), expected, N)


def test_a_static_member_killed_and_restarted_does_not_wait_out_its_session(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    """With group.instance.id, the restarted worker is the same member: it owns its
    partitions again long before the dead session (60 s here) would have expired."""
    records = sample_raw_records(N, seed=36)
    expected = offline_recurrence(records, tmp_path)
    settings = make_settings(
        batch_size=50,
        batch_wait_seconds=0.05,
        group_instance_id="worker-0",
        session_timeout_seconds=60,
    )
    produce_records(settings, records)
    first = spawn_worker(settings)
    seen = list(follow(settings, [settings.topics.enriched], max_records=N // 3, idle_timeout=60))
    assert len(seen) == N // 3
    _kill(first)
    # dynamic membership would hold the partitions for the dead member's 60 s session
    wait_until_ready(settings, spawn_worker(settings), timeout=30)
    _assert_every_record_out_with_its_recurrence(_outputs(settings, N), expected, N)


def test_a_group_member_killed_hands_its_partitions_to_the_other(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    records = sample_raw_records(N, seed=34)
    expected = offline_recurrence(records, tmp_path)
    first = make_settings(batch_size=50, batch_wait_seconds=0.05)
    second = first.model_copy(update={"web_port": free_port(), "data_dir": first.data_dir / "b"})
    workers = [spawn_worker(first), spawn_worker(second)]
    for settings, process in zip((first, second), workers, strict=True):
        wait_until_ready(settings, process)
    produce_records(first, records)
    follow_first = follow(first, [first.topics.enriched], max_records=N // 4, idle_timeout=60)
    assert len(list(follow_first)) == N // 4
    _kill(workers[0])
    _assert_every_record_out_with_its_recurrence(_outputs(first, N), expected, N)


def test_the_broker_restarted_mid_stream_and_the_worker_resumes_by_itself(
    spawn_worker: Spawn, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    records = sample_raw_records(N, seed=35)
    expected = offline_recurrence(records, tmp_path)
    shared = make_settings()  # the session's Redis and Triton, and unique topic names
    with LocalStack(tmp_path / "own-broker") as stack:
        stack.start_broker()
        settings = stack.settings(
            topics=shared.topics,
            app_id=shared.app_id,
            redis_url=shared.redis_url,
            triton_url=shared.triton_url,
            web_port=free_port(),
            data_dir=tmp_path / "worker",
            batch_size=50,
            batch_wait_seconds=0.05,
        )
        create_topics(settings)
        wait_until_ready(settings, spawn_worker(settings))
        produce_records(settings, records[: N // 2])
        list(follow(settings, [settings.topics.enriched], max_records=N // 5, idle_timeout=60))
        stack.stop_broker()  # SIGTERM: a controlled shutdown; the same log directory below
        health = _health_until(settings, 503)
        assert health["broker"] == "unreachable", health
        stack.resume_broker()
        produce_records(settings, records[N // 2 :])
        _assert_every_record_out_with_its_recurrence(_outputs(settings, N, 90), expected, N)
        health = _health_until(settings, 200)
        assert health["broker"] == "ok" and health["ready"], health
