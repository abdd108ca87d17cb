"""What the repository's python-backend ``model.py`` files share: one batched call per
``execute``.

Triton's dynamic batcher hands ``execute`` several requests at once; their inputs are
concatenated on the batch axis, run through the step function once and split back, so a
python step costs one vectorised call per scheduled batch, not one per request.
Imported only inside Triton's python backend stub (``triton_python_backend_utils`` exists
only there).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from streams.core.model_steps import Tensors

__all__ = ["OnnxStepModel", "StepModel", "model_folder"]

StepFunction = Callable[[Tensors], Tensors]


def model_folder(args: dict[str, Any]) -> Path:
    """The model's folder (``<repository>/<model>``) from Triton's ``initialize`` args."""
    return Path(args["model_repository"])


class StepModel:
    """Base of a ``TritonPythonModel``: subclasses set ``self.step`` in ``initialize``."""

    step: StepFunction

    def initialize(self, args: dict[str, Any]) -> None:
        config = json.loads(args["model_config"])
        self.input_names = [i["name"] for i in config["input"]]
        self.output_names = [o["name"] for o in config["output"]]
        self.load(args)

    def load(self, args: dict[str, Any]) -> None:
        """Set ``self.step`` (subclasses)."""
        raise NotImplementedError

    def execute(self, requests: Sequence[Any]) -> list[Any]:
        import triton_python_backend_utils as pb_utils  # noqa: PLC0415 - exists only in Triton

        per_request = [
            {n: pb_utils.get_input_tensor_by_name(r, n).as_numpy() for n in self.input_names}
            for r in requests
        ]
        sizes = [len(next(iter(t.values()))) for t in per_request]
        merged = {n: np.concatenate([t[n] for t in per_request]) for n in self.input_names}
        try:
            outputs = self.step(merged)
        except Exception as exc:
            error = pb_utils.TritonError(f"{type(exc).__name__}: {exc}")
            return [pb_utils.InferenceResponse(output_tensors=[], error=error) for _ in requests]
        bounds = np.cumsum([0, *sizes])
        return [
            pb_utils.InferenceResponse(
                output_tensors=[
                    pb_utils.Tensor(n, np.ascontiguousarray(outputs[n][lo:hi]))
                    for n in self.output_names
                ]
            )
            for lo, hi in itertools.pairwise(bounds)
        ]


class OnnxStepModel(StepModel):
    """Runs the version folder's ``model.onnx`` with onnxruntime on CPU: the CPU config's
    stand-in for Triton's onnxruntime backend (same file, same outputs)."""

    def load(self, args: dict[str, Any]) -> None:
        from streams.inference.local import onnx_session, onnx_step  # noqa: PLC0415

        path = model_folder(args) / args["model_version"] / "model.onnx"
        self.step = onnx_step(onnx_session(str(path), ("CPUExecutionProvider",)))
