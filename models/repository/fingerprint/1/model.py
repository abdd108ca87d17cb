"""Triton python backend: the repository version this server loaded (see config.pbtxt)."""

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from streams.inference.repository import ModelRepository
from streams.inference.triton_python import model_folder


class TritonPythonModel:
    def initialize(self, args: dict[str, Any]) -> None:
        repository = ModelRepository(model_folder(args).parent)
        self.answer = {
            "version": repository.version,
            "model_versions": json.dumps(repository.model_versions(), sort_keys=True),
        }

    def execute(self, requests: Sequence[Any]) -> list[Any]:
        import triton_python_backend_utils as pb_utils  # noqa: PLC0415 - exists only in Triton

        tensors = [
            pb_utils.Tensor(name, np.array([value.encode()], dtype=np.object_))
            for name, value in self.answer.items()
        ]
        return [pb_utils.InferenceResponse(output_tensors=tensors) for _ in requests]
