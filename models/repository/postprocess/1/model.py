"""Triton python backend: model outputs -> labels (streams.core.model_steps)."""

from functools import partial
from typing import Any

from streams.core.model_steps import postprocess
from streams.inference.repository import ModelRepository
from streams.inference.triton_python import StepModel, model_folder


class TritonPythonModel(StepModel):
    def load(self, args: dict[str, Any]) -> None:
        labels = ModelRepository(model_folder(args).parent).labels()
        self.step = partial(postprocess, labels=labels)
