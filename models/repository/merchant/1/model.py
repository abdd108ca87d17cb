"""Triton python backend (CPU config only): runs this folder's model.onnx with onnxruntime.

Production serves model.onnx with Triton's onnxruntime backend; the tritonserver of the
nvidia-pytriton wheel has only the python backend, so this runs the same file on CPU.
"""

from pathlib import Path
from typing import Any

from streams.inference.local import onnx_session, onnx_step
from streams.inference.triton_python import StepModel


class TritonPythonModel(StepModel):
    def load(self, args: dict[str, Any]) -> None:
        path = Path(args["model_repository"]) / args["model_version"] / "model.onnx"
        self.step = onnx_step(onnx_session(str(path), ("CPUExecutionProvider",)))
