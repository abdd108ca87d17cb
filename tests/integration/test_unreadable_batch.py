"""A record batch the worker cannot read (a corrupt one on the broker's disk) halts its
partition with one clear line: nothing from it on is enriched or committed, /health turns
unhealthy, a metric counts it, and the worker keeps running."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from streams.core.wire import JSON
from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.local_stack import LocalStack
from streams.shell.produce import OutgoingRaw, produce_records
from streams.shell.worker import wait_until_ready
from tests.samples import get_json

pytestmark = pytest.mark.integration

MARKER = b"CORRUPT-ME-7"


def _marked(n: int) -> list[OutgoingRaw]:
    records = []
    for i in range(n):
        document = {
            "transaction_id": f"tx-marked-{i}",
            "account_id": "acc_marked",
            "amount": "12.50",
            "currency": "USD",
            "direction": "debit",
            "description": f"CORRUPT-ME-{i} COFFEE SHOP",
            "date": "2026-11-30",
        }
        records.append(OutgoingRaw(b"acc_marked", json.dumps(document).encode(), JSON))
    return records


def _flip_a_byte(log_dir: Path, topic: str) -> None:
    """Change one byte of a stored record's value, as a failing disk would."""
    (segment,) = (log_dir / f"{topic}-0").glob("*.log")
    data = segment.read_bytes()
    at = data.index(MARKER)
    with segment.open("r+b") as handle:
        handle.seek(at)
        handle.write(b"X")


def _health(settings: Settings) -> tuple[int, dict[str, object]]:
    status, body = get_json(f"http://{settings.web_host}:{settings.web_port}/health")
    return status, body


def _committed(settings: Settings) -> int:
    consumer = Consumer({**settings.kafka.confluent_config(), "group.id": settings.app_id})
    try:
        (done,) = consumer.committed([TopicPartition(settings.topics.raw, 0)], timeout=10)
        return int(done.offset)
    finally:
        consumer.close()


def test_a_corrupt_batch_halts_its_partition_with_one_clear_line(
    stack: LocalStack,
    make_settings: Callable[..., Settings],
    spawn_worker: Callable[[Settings], subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    settings = make_settings(partitions=1)
    # uncompressed, so the test can find the bytes to damage
    plain = settings.kafka.model_copy(update={"compression": "none"})
    producing = settings.model_copy(update={"kafka": plain})
    produce_records(producing, sample_raw_records(60, seed=5))
    produce_records(producing, _marked(10))
    produce_records(producing, sample_raw_records(40, seed=6))
    _flip_a_byte(stack.workdir / "kafka", settings.topics.raw)

    worker = spawn_worker(settings)
    wait_until_ready(settings, worker)
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    outputs = list(follow(settings, topics, idle_timeout=8))

    log = (tmp_path / "worker-0.log").read_text()
    lines = [line for line in log.splitlines() if "unreadable" in line]
    assert len(lines) == 1, lines
    found = re.search(rf"{re.escape(settings.topics.raw)}\[0\]@(\d+)", lines[0])
    assert found, lines[0]
    bad_offset = int(found.group(1))
    assert 60 <= bad_offset <= 67, lines[0]  # the batch holding the 8th marked record
    assert "Traceback" not in log

    assert len(outputs) == bad_offset  # everything before it, nothing from it on
    assert all(o.value is not None for o in outputs)
    assert _committed(settings) == bad_offset
    assert worker.poll() is None  # still running; its other partitions would go on

    status, body = _health(settings)
    assert status == 503 and body["status"] == "unhealthy", body
    metrics_url = f"http://{settings.web_host}:{settings.web_port}/metrics"
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    assert re.search(r"txenrich_unreadable_batches_total\{[^}]*\} 1\.0", text), text[-2000:]

    time.sleep(3)  # it stays halted: no retry loop, no second line, no more output
    again = list(follow(settings, topics, idle_timeout=3))
    assert len(again) == bad_offset
    log = (tmp_path / "worker-0.log").read_text()
    assert len([line for line in log.splitlines() if "unreadable" in line]) == 1
