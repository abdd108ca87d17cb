"""`txenrich backfill` over files as the README runs it: formats, sinks, --dry-run, --limit,
and a run killed with SIGKILL and resumed by its id (nothing missing, nothing twice)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from streams.demo.run import sample_raw_records
from tests.samples import child_pids, running, summary_fields, write_jsonl

pytestmark = pytest.mark.e2e

TXENRICH = str(Path(sys.executable).with_name("txenrich"))
# fields that say when a record was written, not what it says
_WHEN = ("enriched_at", "latency_ms")


def _backfill(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TXENRICH, "backfill", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, **(env or {})},
    )


def _records(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    by_id = {r["transaction_id"]: {k: v for k, v in r.items() if k not in _WHEN} for r in rows}
    assert len(by_id) == len(rows), "a record written twice"
    return by_id


def test_files_of_every_format_to_parquet_parts(tmp_path: Path) -> None:
    records = sample_raw_records(3000, seed=51)
    write_jsonl(tmp_path / "first.jsonl", records[:1000])
    write_jsonl(tmp_path / "second.jsonl", records[1000:])
    gz = tmp_path / "in" / "second.jsonl.gz"
    gz.parent.mkdir()
    gz.write_bytes(gzip.compress((tmp_path / "second.jsonl").read_bytes()))
    (tmp_path / "second.jsonl").unlink()
    result = _backfill(
        tmp_path,
        "first.jsonl",
        "in",
        "--out",
        "out.parquet",
        env={"TXENRICH_BACKFILL_BUCKET_ROWS": "700"},
    )
    assert result.returncode == 0, result.stderr
    fields = summary_fields(result.stdout)
    parts = sorted((tmp_path / "out.parquet").glob("part-*.parquet"))
    assert len(parts) > 1
    rows = pl.read_parquet(tmp_path / "out.parquet").to_dicts()
    rejected = (tmp_path / "out.parquet.rejected.jsonl").read_text().splitlines()
    assert int(fields["in"]) == 3000 == len(rows) + len(rejected)
    assert int(fields["enriched"]) == len(rows) and int(fields["dead_lettered"]) == len(rejected)
    assert len({r["transaction_id"] for r in rows}) == len(rows)
    assert any(r["recurrence"]["is_active"] for r in rows)


def test_dry_run_counts_and_writes_nothing(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "raw.jsonl", sample_raw_records(1500, seed=52))
    result = _backfill(tmp_path, "raw.jsonl", "--dry-run", "--out", "never.jsonl")
    assert result.returncode == 0, result.stderr
    fields = summary_fields(result.stdout)
    assert int(fields["in"]) == 1500
    assert int(fields["dead_lettered"]) > 0 and "estimated_seconds" in fields
    assert "dead-letter reasons" in result.stdout
    assert not (tmp_path / "never.jsonl").exists()
    assert not (tmp_path / ".txenrich").exists()


def test_limit_takes_the_first_records(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "raw.jsonl", sample_raw_records(1000, seed=53))
    result = _backfill(tmp_path, "raw.jsonl", "--limit", "120", "--out", "out.jsonl")
    assert result.returncode == 0, result.stderr
    assert int(summary_fields(result.stdout)["in"]) == 120


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.xlsx", "raw.jsonl"], ".jsonl or .parquet"),
        (["raw.jsonl", "--limit", "0", "--out", "x.jsonl"], "must be at least 1"),
        (["--out", "x.jsonl"], "give one source"),
        (["nothing-here.jsonl", "--out", "x.jsonl"], "no such file"),
        (["raw.jsonl", "--since", "2026-01-01", "--out", "x.jsonl"], "--from-topic"),
        (["--from-topic", "t", "--since", "last week"], "not an ISO date"),
    ],
)
def test_a_bad_argument_is_one_line_that_says_what_to_do(
    tmp_path: Path, args: list[str], message: str
) -> None:
    write_jsonl(tmp_path / "raw.jsonl", sample_raw_records(10, seed=54))
    result = _backfill(tmp_path, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _killed_after(
    tmp_path: Path,
    command: list[str],
    env: dict[str, str],
    run_id: str,
    buckets: int,
    children: set[int] | None = None,
) -> Path:
    """Start ``command``, SIGKILL it once its run has committed ``buckets`` buckets (noting
    its child processes just before in ``children``); its manifest."""
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    manifest = tmp_path / ".txenrich" / "backfill" / run_id / "manifest.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = json.loads(manifest.read_text())["done"] if manifest.exists() else []
        if len(done) >= buckets:
            break
        time.sleep(0.01)
    if children is not None:
        children.update(child_pids(process.pid))
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    return manifest


def test_a_killed_run_resumes_by_its_id_with_nothing_missing_or_twice(tmp_path: Path) -> None:
    n = 4000
    write_jsonl(tmp_path / "raw.jsonl", sample_raw_records(n, seed=55))
    small = {"TXENRICH_BACKFILL_BUCKET_ROWS": "250"}  # many buckets: kill mid-run
    clean = _backfill(tmp_path, "raw.jsonl", "--out", "clean.jsonl", env=small)
    assert clean.returncode == 0, clean.stderr

    command = [TXENRICH, "backfill", "raw.jsonl", "--out", "out.jsonl", "--run-id", "bf-kill"]
    paced = [*command, "--max-rate", "1500"]
    manifest = _killed_after(tmp_path, paced, small, "bf-kill", buckets=3)
    assert 3 <= len(json.loads(manifest.read_text())["done"]) < 16, "not killed mid-run"

    resumed = _backfill(
        tmp_path, "raw.jsonl", "--out", "out.jsonl", "--run-id", "bf-kill", env=small
    )
    assert resumed.returncode == 0, resumed.stderr
    fields = summary_fields(resumed.stdout)
    assert int(fields["in"]) == n
    assert _records(tmp_path / "out.jsonl") == _records(tmp_path / "clean.jsonl")
    rejected = (tmp_path / "out.jsonl.rejected.jsonl").read_text().splitlines()
    assert len(rejected) == len((tmp_path / "clean.jsonl.rejected.jsonl").read_text().splitlines())
    assert int(fields["enriched"]) + len(rejected) == n


def test_a_run_id_resumes_only_the_same_source_and_sink(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "raw.jsonl", sample_raw_records(300, seed=56))
    first = _backfill(tmp_path, "raw.jsonl", "--out", "a.jsonl", "--run-id", "bf-same")
    assert first.returncode == 0, first.stderr
    other = _backfill(tmp_path, "raw.jsonl", "--out", "b.jsonl", "--run-id", "bf-same")
    assert other.returncode == 1
    assert "new --run-id" in other.stderr


def test_a_pool_run_killed_leaves_no_process_and_resumes_to_one_process_output(
    tmp_path: Path,
) -> None:
    n = 6000
    write_jsonl(tmp_path / "raw.jsonl", sample_raw_records(n, seed=57))
    small = {"TXENRICH_BACKFILL_BUCKET_ROWS": "250"}
    one = _backfill(
        tmp_path,
        "raw.jsonl",
        "--out",
        "one.jsonl",
        env={**small, "TXENRICH_BACKFILL_PROCESSES": "1"},
    )
    assert one.returncode == 0, one.stderr

    pool = {**small, "TXENRICH_BACKFILL_PROCESSES": "2"}
    command = [TXENRICH, "backfill", "raw.jsonl", "--out", "out.jsonl", "--run-id", "bf-pool"]
    workers: set[int] = set()
    manifest = _killed_after(tmp_path, command, pool, "bf-pool", buckets=2, children=workers)
    assert len(workers) >= 2, "the pool's processes were not found"
    assert len(json.loads(manifest.read_text())["done"]) < 24, "not killed mid-run"
    deadline = time.monotonic() + 20
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)], "the pool outlived its CLI"

    resumed = _backfill(
        tmp_path, "raw.jsonl", "--out", "out.jsonl", "--run-id", "bf-pool", env=pool
    )
    assert resumed.returncode == 0, resumed.stderr
    assert int(summary_fields(resumed.stdout)["in"]) == n
    assert _records(tmp_path / "out.jsonl") == _records(tmp_path / "one.jsonl")
    rejected = (tmp_path / "out.jsonl.rejected.jsonl").read_text().splitlines()
    assert len(rejected) == len((tmp_path / "one.jsonl.rejected.jsonl").read_text().splitlines())
