"""The chaos run (``make chaos``) reduced to fit the suite: two workers, Kafka, Redis and
Triton under a steady load while three workers are SIGKILLed, the broker restarted, Redis
and Triton killed and restarted and Triton hung; nothing may go missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.chaos.run import ChaosConfig, run_chaos

pytestmark = pytest.mark.integration


def test_a_reduced_chaos_run_loses_nothing_and_recovers_from_every_fault(tmp_path: Path) -> None:
    config = ChaosConfig(rate=400, duration=75, kills=3, seed=20261203)
    report = run_chaos(config, tmp_path)
    summary = json.dumps(report, indent=1)
    (tmp_path / "chaos.json").write_text(summary)
    assert report["records_in"] == 30_000
    assert report["missing"] == 0, summary
    assert report["recurrence_mismatches"] == 0, summary
    assert report["duplicates"] <= report["duplicates_bound"], summary
    assert report["fault_errors"] == [] and report["produce_failures"] == [], summary
    assert len(report["faults"]) == 3 + 4, summary
    assert all(f["recovery_s"] is not None for f in report["faults"]), summary
    assert report["passed"], summary
