"""The ``enrich`` ensemble run in process: the same steps, ONNX files and python code as
Triton, so outputs are identical with or without a model server.

Steps run in the ensemble's dependency order. A step whose production config names the
onnxruntime backend runs its ``<version>/model.onnx`` with onnxruntime (CUDA provider when
a GPU is present, else CPU); a python-backend step calls the pure function its Triton
``model.py`` calls.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Final

import numpy as np
import onnxruntime as ort

from streams.core.featurise import FEATURISER_VERSION
from streams.core.model_steps import Tensors, postprocess, preprocess
from streams.errors import ModelRepositoryError
from streams.inference.repository import ModelRepository, Step

__all__ = ["DEFAULT_PROVIDERS", "LocalEnsemble", "onnx_session", "onnx_step"]

log = logging.getLogger(__name__)

DEFAULT_PROVIDERS: Final = ("CUDAExecutionProvider", "CPUExecutionProvider")
StepFunction = Callable[[Tensors], Tensors]


@cache
def _gpu_driver() -> bool:
    """Whether an NVIDIA driver is loadable (onnxruntime-gpu lists CUDA regardless)."""
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    return True


def onnx_session(
    path: str, providers: Sequence[str] = DEFAULT_PROVIDERS, threads: int = 0
) -> ort.InferenceSession:
    """An onnxruntime session on the first usable of ``providers`` (in order).

    onnxruntime-gpu lists the CUDA provider even without a GPU and falls back to CPU when
    it cannot load it, so CUDA is asked for only where a driver is present, and the
    providers actually in use are read back from the session and logged.
    """
    ort.set_default_logger_severity(3)  # our log line says which provider runs; no noise
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    available = set(ort.get_available_providers())
    if not _gpu_driver():
        available -= {"CUDAExecutionProvider", "TensorrtExecutionProvider"}
    wanted = [p for p in providers if p in available]
    session = ort.InferenceSession(path, options, providers=wanted or ["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    if meta.get("featuriser", FEATURISER_VERSION) != FEATURISER_VERSION:
        raise ModelRepositoryError(
            f"{path} was trained with featuriser {meta['featuriser']!r} but this code is "
            f"{FEATURISER_VERSION!r}: retrain with `make train`"
        )
    log.info("model=%s providers=%s", path, ",".join(session.get_providers()))
    return session


def onnx_step(session: ort.InferenceSession) -> StepFunction:
    """A step function that feeds the session its inputs by name and returns every output."""
    names = [o.name for o in session.get_outputs()]

    def run(inputs: Tensors) -> Tensors:
        feeds = {i.name: inputs[i.name] for i in session.get_inputs()}
        return dict(zip(names, session.run(names, feeds), strict=True))

    return run


class LocalEnsemble:
    """Runs the repository's ``enrich`` ensemble in this process."""

    def __init__(
        self,
        repository: ModelRepository,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
        threads: int = 0,
    ) -> None:
        self.repository = repository
        self.steps: list[Step] = repository.steps()
        labels = repository.labels()
        python_steps: dict[str, StepFunction] = {
            "preprocess": preprocess,
            "postprocess": partial(postprocess, labels=labels),
        }
        self._run: dict[str, StepFunction] = {}
        for step in self.steps:
            backend = repository.config(step.model).backend
            if backend == "onnxruntime":
                path = str(repository.onnx_path(step.model, step.version))
                self._run[step.model] = onnx_step(onnx_session(path, providers, threads))
            elif step.model in python_steps:
                self._run[step.model] = python_steps[step.model]
            else:
                raise ModelRepositoryError(
                    f"step {step.model!r} uses backend {backend!r}, which the in-process "
                    "runner does not know"
                )
        self.outputs = tuple(o.name for o in repository.config("enrich").output)

    def infer(self, inputs: Tensors) -> Tensors:
        """Ensemble outputs for a batch of ensemble inputs (axis 0 is the batch)."""
        tensors: Tensors = dict(inputs)
        pending = list(self.steps)
        while pending:
            ready = [s for s in pending if all(t in tensors for t in s.input_map.values())]
            if not ready:
                missing = {t for s in pending for t in s.input_map.values()} - set(tensors)
                raise ModelRepositoryError(f"ensemble tensors never produced: {sorted(missing)}")
            for step in ready:
                feeds = {name: tensors[tensor] for name, tensor in step.input_map.items()}
                produced = self._run[step.model](feeds)
                for name, tensor in step.output_map.items():
                    tensors[tensor] = produced[name]
                pending.remove(step)
        return {name: np.asarray(tensors[name]) for name in self.outputs}
