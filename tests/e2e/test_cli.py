"""The CLI exactly as the README runs it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.samples import child_pids, running

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TXENRICH = str(Path(sys.executable).with_name("txenrich"))
SUMMARY = re.compile(r"^summary: in=(\d+) enriched=(\d+) dead_lettered=(\d+) seconds=([\d.]+)$")


def test_make_demo_enriches_the_sample_and_accounts_for_every_record() -> None:
    make = shutil.which("make")
    assert make, "make is needed to run the README command"
    # as a user's shell runs it: not as a sub-make of `make test` (which prints "Leaving directory")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    result = subprocess.run(
        [make, "demo"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False, env=env
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    match = SUMMARY.match(lines[-1])
    assert match, lines[-5:]
    produced, enriched, dead, _seconds = match.groups()
    assert int(produced) >= 2000
    assert int(enriched) > 0 and int(dead) > 0
    assert int(produced) == int(enriched) + int(dead)
    assert any("->" in line for line in lines), "no enriched events were shown"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["demo", "--sample", "many"], "'many' is not a whole number"),
        (["produce", "--sample", "0"], "must be at least 1"),
        (["consume", "--format", "xml"], "invalid choice"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_arguments_get_one_line_and_no_traceback(argv: list[str], needle: str) -> None:
    result = subprocess.run([TXENRICH, *argv], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("topology", "needle"),
    [
        (None, "cannot read topology"),
        (
            "name: x\nroute: {priority: 5}\n",
            "route.priority: Input should be less than or equal to 2",
        ),
        ("name: x\npre_policies: [{reason: Bad Reason, category: {}}]\n", "pre_policies.0.reason"),
    ],
)
def test_a_bad_topology_is_one_line_naming_the_field(
    tmp_path: Path, topology: str | None, needle: str
) -> None:
    path = tmp_path / "topology.yaml"
    if topology is not None:
        path.write_text(topology)
    result = subprocess.run(
        [TXENRICH, "worker", "--topology", str(path), "--bootstrap-servers", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1
    assert needle in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_input_file_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [TXENRICH, "produce", str(tmp_path / "nope.jsonl"), "--bootstrap-servers", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_broker_says_how_to_start_one() -> None:
    result = subprocess.run(
        [TXENRICH, "topics", "create", "--bootstrap-servers", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "txenrich up" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_stops_everything_the_demo_started(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [TXENRICH, "demo", "--sample", "50000", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    assert demo.stdout is not None
    for line in demo.stdout:  # wait until broker, Redis and worker all run
        if line.startswith("produced"):
            break
    children = child_pids(demo.pid)
    assert len(children) >= 3, children  # broker, redis, worker
    demo.send_signal(signal.SIGINT)
    rest = demo.stdout.read()
    assert demo.wait(60) == 130, rest
    assert "interrupted" in rest
    assert not [pid for pid in children if running(pid)]


def _up(data_dir: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """`txenrich up --no-triton --data-dir DIR` until it is up; the environment it exports."""
    up = subprocess.Popen(
        [TXENRICH, "up", "--no-triton", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert up.stdout is not None
    exported: dict[str, str] = {}
    for line in up.stdout:
        if line.startswith("export "):
            exported = dict(pair.split("=", 1) for pair in line.split()[1:])
        if line.startswith("local stack up"):
            return up, exported
    raise AssertionError(f"`txenrich up` ended with {up.wait()} before it was up")


def test_up_restarted_on_the_same_data_dir_keeps_the_topics(tmp_path: Path) -> None:
    data_dir = tmp_path / "stack"
    up, exported = _up(data_dir)
    try:
        env = {**os.environ, **exported}
        produced = subprocess.run(
            [TXENRICH, "produce", "--sample", "25"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert produced.returncode == 0, produced.stderr
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(60) == 0
    up, exported = _up(data_dir)
    try:
        env = {**os.environ, **exported}
        consume = [TXENRICH, "consume", "--topic", "transactions.raw", "--format", "jsonl"]
        consumed = subprocess.run(
            [*consume, "--max", "25", "--idle-timeout", "20"],
            env=env,
            capture_output=True,
            check=False,
        )
        assert consumed.returncode == 0, consumed.stderr
        assert len(consumed.stdout.splitlines()) == 25
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)
