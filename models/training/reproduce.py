"""Check that the recipe reproduces the committed model files.

    python -m models.training.reproduce        (from the repo root, training venv)

Trains into a scratch repository and compares with models/repository: label files must be
identical, every ONNX file must hold the same initialisers (names, shapes, types), and the
two must answer alike on the first ``SAMPLE_ROWS`` rows of the held-out split: the same
top merchant / category / counterparty type on at least ``AGREEMENT`` of them, and no
probability further apart than ``PROBABILITY_TOLERANCE``. The weights themselves are not
compared bit for bit: the same seeds, thread count and library versions give the same bytes
on one CPU, but another CPU's kernels round sums differently, and training amplifies a
last-bit difference until single weights move (seen between two Xeon generations: a
category member's embeddings moved by up to 0.7 while 99.99 % of its answers stayed the
same). A changed recipe moves answers, which is what this catches. Exits 1 with the
differences.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

from models.training.generate_data import generate
from models.training.train import REPO
from streams.core.model_steps import preprocess, request_tensors
from streams.inference.local import onnx_session

MODELS = {
    "merchant": ("labels.txt", "aliases.tsv", "common_words.txt"),
    "category": ("labels.txt", "counterparty_labels.txt"),
}
SAMPLE_ROWS = 8192
AGREEMENT = 0.995  # share of sample rows with the same top answer, per output
PROBABILITY_TOLERANCE = 0.05  # the largest difference allowed in any probability


def _signature(path: Path) -> dict[str, tuple[tuple[int, ...], int]]:
    graph = onnx.load(str(path)).graph
    return {i.name: (tuple(i.dims), i.data_type) for i in graph.initializer}


def _answers(root: Path, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every output of both models on ``inputs`` (the featurised sample)."""
    out: dict[str, np.ndarray] = {}
    for model in MODELS:
        session = onnx_session(str(root / model / "1" / "model.onnx"), threads=2)
        feeds = {i.name: inputs[i.name] for i in session.get_inputs()}
        names = [o.name for o in session.get_outputs()]
        out |= dict(zip(names, session.run(names, feeds), strict=True))
    return out


def _top(name: str, values: np.ndarray) -> np.ndarray:
    """The answer an output stands for: the first of the merchant's top-k ids, the most
    probable class of a probability table."""
    return values[:, 0] if name == "merchant_top_ids" else values.argmax(axis=1)


def compare(fresh: Path, committed: Path = REPO) -> list[str]:
    """Differences between a freshly trained repository and the committed one."""
    problems = []
    for model, label_files in MODELS.items():
        for name in label_files:
            if (fresh / model / name).read_bytes() != (committed / model / name).read_bytes():
                problems.append(f"{model}/{name} differs")
        new = _signature(fresh / model / "1" / "model.onnx")
        old = _signature(committed / model / "1" / "model.onnx")
        if new != old:
            changed = sorted(k for k in set(new) | set(old) if new.get(k) != old.get(k))
            problems.append(f"{model}: initialisers {changed} differ in name, shape or type")
    if problems:
        return problems
    tensors = preprocess(request_tensors(generate("test").head(SAMPLE_ROWS)))
    inputs = tensors | {"mcc": tensors["mcc_id"]}
    new_answers, old_answers = _answers(fresh, inputs), _answers(committed, inputs)
    for name, old in old_answers.items():
        new = new_answers[name]
        agreement = float((_top(name, new) == _top(name, old)).mean())
        if agreement < AGREEMENT:
            problems.append(f"{name}: the same answer on {agreement:.2%} of {SAMPLE_ROWS} rows")
        if name != "merchant_top_ids":
            gap = float(np.abs(new - old).max())
            if gap > PROBABILITY_TOLERANCE:
                problems.append(f"{name}: probabilities up to {gap:.3f} apart")
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
