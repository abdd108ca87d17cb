"""Triton python backend: text normalisation + featurisation (streams.core.model_steps)."""

from typing import Any

from streams.core.model_steps import preprocess
from streams.inference.triton_python import StepModel


class TritonPythonModel(StepModel):
    def load(self, args: dict[str, Any]) -> None:
        self.step = preprocess
