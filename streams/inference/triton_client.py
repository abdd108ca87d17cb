"""The ``enrich`` ensemble on a Triton Inference Server, over gRPC (``tritonclient.grpc.aio``).

One client (one HTTP/2 channel) per worker; one ``ModelInfer`` per micro-batch, split only
where a batch exceeds the ensemble's ``max_batch_size`` (the parts go out together). String
inputs go to the wire straight from the polars columns (``triton_wire``). Request priority
and the deadline come from the topology: live traffic outranks backfills in Triton's
dynamic batcher queue.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import grpc
import polars as pl
import tritonclient.grpc.aio as triton
from tritonclient.grpc import InferInput, InferRequestedOutput
from tritonclient.utils import InferenceServerException

from streams.core.model_steps import (
    ENSEMBLE_OUTPUTS,
    predictions_frame,
    request_columns,
)
from streams.errors import ModelServerError
from streams.inference.predictor import Predicted
from streams.inference.repository import ENSEMBLE, ModelRepository
from streams.inference.triton_wire import bytes_tensor

__all__ = ["CHANNEL_ARGS", "TritonPredictor"]

_MAX_MESSAGE: Final = 64 * 1024 * 1024
# After Triton goes away the channel reconnects by itself; the default backoff grows to
# two minutes, which would keep a recovered server idle long after the breaker's probe.
CHANNEL_ARGS: Final = [
    ("grpc.max_send_message_length", _MAX_MESSAGE),
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1_000),
]


def _string_input(name: str, column: pl.Series) -> InferInput:
    tensor = InferInput(name, [column.len(), 1], "BYTES")
    # tritonclient's set_data_from_numpy encodes BYTES element by element in Python; the
    # same wire bytes are built vectorised and handed over as the input's raw content
    # (tests check both agree, so a tritonclient change that breaks this fails loudly).
    tensor._raw_content = bytes_tensor(column)
    return tensor


class TritonPredictor:
    """Sends each batch to the ``enrich`` ensemble on a Triton server."""

    path = "triton"

    def __init__(
        self,
        url: str,
        repository: ModelRepository,
        *,
        priority: int = 0,
        timeout_seconds: float = 2.0,
        model: str = ENSEMBLE,
    ) -> None:
        self.url = url
        self.version = repository.version
        self.model_versions = repository.model_versions()
        self._model = model
        self._max_batch = int(repository.config(model).max_batch_size) or 1
        self._priority = priority
        self._timeout = timeout_seconds
        self._client: Any = None
        self._outputs = [InferRequestedOutput(name) for name in ENSEMBLE_OUTPUTS]

    def _connection(self) -> Any:
        # Created on first use, inside the event loop that will run the calls.
        if self._client is None:
            self._client = triton.InferenceServerClient(self.url, channel_args=CHANNEL_ARGS)
        return self._client

    async def _infer(self, frame: pl.DataFrame) -> pl.DataFrame:
        inputs = [_string_input(name, col) for name, col in request_columns(frame).items()]
        try:
            result = await self._connection().infer(
                self._model,
                inputs,
                outputs=self._outputs,
                priority=self._priority,
                client_timeout=self._timeout,
            )
        except (InferenceServerException, grpc.RpcError, OSError) as exc:
            raise ModelServerError(f"Triton at {self.url}: {exc}") from exc
        outputs = {name: result.as_numpy(name) for name in ENSEMBLE_OUTPUTS}
        missing = [name for name, tensor in outputs.items() if tensor is None]
        if missing:
            raise ModelServerError(f"Triton at {self.url} left out outputs {missing}")
        answer = predictions_frame(outputs)
        if answer.height != frame.height:
            raise ModelServerError(
                f"Triton at {self.url} answered {answer.height} rows for {frame.height}"
            )
        return answer

    async def predict(self, frame: pl.DataFrame) -> Predicted:
        if frame.height == 0:
            return Predicted(predictions_frame(None), self.path)
        parts = [
            frame.slice(start, self._max_batch) for start in range(0, frame.height, self._max_batch)
        ]
        answers = await asyncio.gather(*(self._infer(part) for part in parts))
        return Predicted(pl.concat(answers), self.path)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()
