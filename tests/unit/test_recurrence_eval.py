"""The recurrence evaluation reproduces its committed figures and meets its targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "models" / "evaluation" / "recurrence_results.json"


def test_rerun_gives_the_committed_figures(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    script = ROOT / "models" / "evaluation" / "recurrence_eval.py"
    result = subprocess.run(
        [sys.executable, str(script), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    fresh = json.loads(out.read_text())
    assert fresh == json.loads(RESULTS.read_text())
    overall = fresh["overall"]
    assert overall["precision"] >= 0.95
    assert overall["recall"] >= 0.95
    assert overall["next_date_within_3d"] >= 0.95
