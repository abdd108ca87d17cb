"""The training recipe reproduces the committed ONNX files (in its own venv, with torch)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(3000)
def test_recipe_reproduces_the_committed_models() -> None:
    result = subprocess.run(
        ["make", "-s", "train-check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=2900,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "the recipe reproduces" in result.stdout
