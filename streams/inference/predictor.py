"""Predictors: a validated raw frame in, the ``enrich`` ensemble's prediction columns out.

The worker depends on :class:`Predictor` only: the in-process onnxruntime runner
(:class:`LocalPredictor`), Triton over gRPC (``triton_client``) and Triton with a circuit
breaker falling back to the local runner (``fallback``) all answer with the same columns.
``txenrich enrich`` calls the local runner directly (``predict_now``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from streams.core.model_steps import predictions_frame, request_tensors
from streams.inference.local import LocalEnsemble
from streams.inference.repository import ModelRepository

__all__ = ["LocalPredictor", "Predicted", "Predictor"]


@dataclass(frozen=True)
class Predicted:
    """PREDICTION_SCHEMA columns, one row per input row in order, and where they ran."""

    frame: pl.DataFrame
    path: str  # a bounded label: "local" or "triton"


class Predictor(Protocol):
    """Runs the models on a batch; ``version`` names the models (cache keys, records)."""

    @property
    def version(self) -> str: ...

    @property
    def model_versions(self) -> dict[str, str]: ...

    async def predict(self, frame: pl.DataFrame) -> Predicted:
        """Predictions for each row of ``frame``, in order."""
        ...

    async def close(self) -> None:
        """Release connections (a no-op where there are none)."""
        ...


class LocalPredictor:
    """The ensemble run in this process with onnxruntime."""

    path = "local"

    def __init__(self, repository: ModelRepository | None = None, threads: int = 0) -> None:
        repository = repository or ModelRepository()
        self._ensemble = LocalEnsemble(repository, threads=threads)
        self.model_versions = repository.model_versions()
        self.version = repository.version

    def predict_now(self, frame: pl.DataFrame) -> pl.DataFrame:
        if frame.height == 0:
            return predictions_frame(None)
        return predictions_frame(self._ensemble.infer(request_tensors(frame)))

    def warm_up(self, rows: int) -> None:
        """Run one batch of ``rows`` so the first real batch of that size pays no lazy
        initialisation or memory-arena growth (1-2 s on CPU at 1024 rows): a fallback must
        answer at once when it is needed."""
        frame = pl.DataFrame(
            {"description": ["WARM UP"] * rows, "direction": ["debit"] * rows, "mcc": None},
            schema={"description": pl.String, "direction": pl.String, "mcc": pl.String},
        )
        self.predict_now(frame)

    async def predict(self, frame: pl.DataFrame) -> Predicted:
        # onnxruntime and polars release the GIL: the event loop keeps serving meanwhile.
        return Predicted(await asyncio.to_thread(self.predict_now, frame), self.path)

    async def close(self) -> None:
        return None
