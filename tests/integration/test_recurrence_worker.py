"""Recurrence in the worker: same fields as a backfill, queryable from any worker.

(Recovery after kill -9 is in test_kafka_faults.)
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.local_stack import free_port
from streams.shell.produce import produce_records
from streams.shell.worker import wait_until_ready
from tests.samples import WEB_TOKEN, decoded, get_json, offline_recurrence

pytestmark = pytest.mark.integration

Spawn = Callable[[Settings], subprocess.Popen[bytes]]
N = 2500


def _live(settings: Settings, expected: int) -> dict[str, list[dict[str, Any]]]:
    """Every recurrence object the worker produced, per transaction (replays included)."""
    seen: dict[str, list[dict[str, Any]]] = {}
    for output in follow(settings, [settings.topics.enriched], idle_timeout=45):
        seen.setdefault(output.value["transaction_id"], []).append(output.value["recurrence"])
        if len(seen) == expected:
            break
    return seen


def test_live_recurrence_equals_backfill_and_is_queryable(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    records = sample_raw_records(N, seed=31)
    expected = offline_recurrence(records, tmp_path)
    settings = make_settings()
    spawn_worker(settings)
    produce_records(settings, records)
    live = _live(settings, len(expected))
    assert live.keys() == expected.keys()
    mismatched = [tid for tid, outs in live.items() if outs != [expected[tid]]]
    assert not mismatched, (mismatched[:3], [live[t] for t in mismatched[:3]])
    periods = {r["period"] for r in expected.values() if r}
    assert "monthly" in periods

    base = f"http://127.0.0.1:{settings.web_port}/accounts"
    account = next(
        r["account_id"]
        for r in map(decoded, records[:50])
        if isinstance(r, dict) and isinstance(r.get("account_id"), str)
    )
    status, body = get_json(f"{base}/{account}/recurring")
    assert status == 200, body
    assert body["account_id"] == account
    assert body["series"], body
    assert all(s["is_active"] and s["period"] for s in body["series"])
    assert get_json(f"{base}/acc_nobody/recurring")[0] == 404
    assert get_json(f"{base}/bad%20id/recurring")[0] == 400


def test_any_worker_answers_for_any_account(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    """Two workers share the partitions; each answers for every account (routing), to a
    caller with the bearer token only; the second advertises another name than it binds."""
    token = WEB_TOKEN
    records = sample_raw_records(1200, seed=33)
    first = make_settings(web_token=token)
    second = first.model_copy(
        update={
            "web_port": free_port(),
            "web_advertised_host": "localhost",
            "data_dir": first.data_dir / "b",
        }
    )
    for settings in (first, second):
        wait_until_ready(settings, spawn_worker(settings))
    produce_records(first, records)
    list(
        follow(
            first,
            [first.topics.enriched, first.topics.dead_letter],
            max_records=len(records),
            idle_timeout=60,
        )
    )
    accounts = sorted(
        {
            value["account_id"]
            for value in (decoded(r) for r in records)
            if isinstance(value, dict) and isinstance(value.get("account_id"), str)
        }
    )
    for account in accounts[:6]:
        urls = [
            f"http://127.0.0.1:{s.web_port}/accounts/{account}/recurring" for s in (first, second)
        ]
        answers = [get_json(url, token) for url in urls]
        assert answers[0][0] == answers[1][0] == 200, (account, answers)
        assert answers[0][1] == answers[1][1]
        assert answers[0][1]["account_id"] == account
        for url in urls:
            assert get_json(url)[0] == 401
            assert get_json(url, token + "x")[0] == 401
    # an id is checked whole: a trailing newline is not part of a valid id
    assert (
        get_json(f"http://127.0.0.1:{first.web_port}/accounts/{accounts[0]}%0A/recurring", token)[0]
        == 400
    )
    for settings in (first, second):
        status, health = get_json(f"http://127.0.0.1:{settings.web_port}/health")
        assert status == 200 and health["ready"], health
    for log in tmp_path.glob("worker-*.log"):
        assert token not in log.read_text(errors="replace"), log
