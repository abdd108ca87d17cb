"""Check that the recipe reproduces the committed model files.

    python -m models.training.reproduce        (from the repo root, training venv)

Trains into a scratch repository and compares with models/repository: label files must be
identical and every ONNX initialiser equal within float32 rounding (the committed bytes
come from the same seeds, thread count and library versions; a different CPU may round a
last bit differently, which is not a different model). Exits 1 with the differences.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from models.training.train import REPO

MODELS = {
    "merchant": ("labels.txt", "aliases.tsv", "common_words.txt"),
    "category": ("labels.txt", "counterparty_labels.txt"),
}


def _weights(path: Path) -> dict[str, np.ndarray]:
    graph = onnx.load(str(path)).graph
    return {i.name: numpy_helper.to_array(i) for i in graph.initializer}


def compare(fresh: Path, committed: Path = REPO) -> list[str]:
    """Differences between a freshly trained repository and the committed one."""
    problems = []
    for model, label_files in MODELS.items():
        for name in label_files:
            if (fresh / model / name).read_bytes() != (committed / model / name).read_bytes():
                problems.append(f"{model}/{name} differs")
        new = _weights(fresh / model / "1" / "model.onnx")
        old = _weights(committed / model / "1" / "model.onnx")
        if set(new) != set(old):
            problems.append(f"{model}: initialisers {sorted(set(new) ^ set(old))} differ")
            continue
        for name, value in old.items():
            same_shape = value.shape == new[name].shape
            if not same_shape or not np.allclose(
                value.astype(np.float64), new[name].astype(np.float64), rtol=1e-3, atol=1e-4
            ):
                problems.append(f"{model}: initialiser {name} differs")
    return problems


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [sys.executable, "-m", "models.training.train", "--out", scratch], check=True
        )
        problems = compare(Path(scratch))
    if problems:
        print("the recipe does not reproduce the committed models:", *problems, sep="\n  ")
        raise SystemExit(1)
    print("the recipe reproduces models/repository/{merchant,category}/1/model.onnx")


if __name__ == "__main__":
    main()
