"""The ``enrich`` ensemble on a Triton Inference Server, over gRPC (``tritonclient.grpc.aio``).

One client (one HTTP/2 channel) per worker; one ``ModelInfer`` per micro-batch, split only
where a batch exceeds the ensemble's ``max_batch_size`` (the parts go out together), or into
parts of the route's ``request_rows`` sent one after the other (a backfill's lane). String
inputs go to the wire straight from the polars columns (``triton_wire``). Request priority
and the deadline come from the topology: live traffic outranks backfills in Triton's
dynamic batcher queue.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import grpc
import numpy as np
import polars as pl
import tritonclient.grpc.aio as triton
from tritonclient.grpc import InferInput, InferRequestedOutput
from tritonclient.utils import InferenceServerException

from streams.core.model_steps import (
    ENSEMBLE_OUTPUTS,
    predictions_frame,
    request_columns,
)
from streams.errors import ConfigError, ModelServerError
from streams.inference.predictor import Predicted
from streams.inference.repository import ENSEMBLE, FINGERPRINT, ModelRepository
from streams.inference.triton_wire import bytes_tensor

__all__ = ["CHANNEL_ARGS", "TritonPredictor", "TritonTls"]

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


@dataclass(frozen=True)
class TritonTls:
    """gRPC over TLS: the CA that signed Triton's certificate (None: the system's CAs) and a
    client certificate chain and key for a server that asks for one. The server's certificate
    and host name are always verified."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        def read(path: Path | None) -> bytes | None:
            if path is None:
                return None
            try:
                return path.read_bytes()
            except OSError as exc:
                raise ConfigError(f"cannot read Triton TLS file {path}: {exc}") from exc

        return grpc.ssl_channel_credentials(
            root_certificates=read(self.ca_file),
            private_key=read(self.key_file),
            certificate_chain=read(self.cert_file),
        )


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
        tls: TritonTls | None = None,
        request_rows: int | None = None,
    ) -> None:
        self.url = url
        self.version = repository.version
        self.model_versions = repository.model_versions()
        # Every step version the ensemble runs, as Triton's repository index names them.
        self._steps = {s.model: s.version for s in repository.steps()}
        self._credentials = tls.credentials() if tls is not None else None
        self._model = model
        max_batch = int(repository.config(model).max_batch_size) or 1
        # parts of request_rows go one after the other; of max_batch, all at once
        self._max_batch = min(request_rows or max_batch, max_batch)
        self._one_at_a_time = request_rows is not None
        self._priority = priority
        self._timeout = timeout_seconds
        self._client: Any = None
        self._outputs = [InferRequestedOutput(name) for name in ENSEMBLE_OUTPUTS]

    def _connection(self) -> Any:
        # Created on first use, inside the event loop that will run the calls.
        if self._client is None:
            self._client = triton.InferenceServerClient(
                self.url, creds=self._credentials, channel_args=CHANNEL_ARGS
            )
        return self._client

    async def served_mismatch(self) -> str | None:
        """Why what Triton serves is not this repository (None when it is): every step's
        version must be READY, and the ``fingerprint`` model, which digests the files when
        Triton loads them, must answer this repository's version. Raises ModelServerError
        when Triton does not answer."""
        client = self._connection()
        try:
            index = await client.get_model_repository_index(
                as_json=True, client_timeout=self._timeout
            )
            request = InferInput("request", [1], "BYTES")
            request.set_data_from_numpy(np.array([b""], dtype=np.object_))
            answer = await client.infer(
                FINGERPRINT,
                [request],
                outputs=[InferRequestedOutput("version"), InferRequestedOutput("model_versions")],
                client_timeout=self._timeout,
            )
        except InferenceServerException as exc:
            if "unknown model" in str(exc).lower() or "is not found" in str(exc).lower():
                return f"Triton serves no {FINGERPRINT!r} model, so what it loaded is unknown"
            raise ModelServerError(f"Triton at {self.url}: {exc}") from exc
        except (grpc.RpcError, OSError) as exc:
            raise ModelServerError(f"Triton at {self.url}: {exc}") from exc
        ready = {
            (m.get("name"), m.get("version"))
            for m in index.get("models", [])
            if m.get("state") == "READY"
        }
        missing = sorted(f"{m} v{v}" for m, v in self._steps.items() if (m, str(v)) not in ready)
        if missing:
            return f"Triton has no READY {', '.join(missing)}"
        served = answer.as_numpy("version")[0].decode()
        if served != self.version:
            versions = json.loads(answer.as_numpy("model_versions")[0].decode())
            return f"Triton loaded {served} {versions}, this worker's repository is {self.version}"
        return None

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
        if self._one_at_a_time:
            answers = [await self._infer(part) for part in parts]
        else:
            answers = await asyncio.gather(*(self._infer(part) for part in parts))
        return Predicted(pl.concat(answers), self.path)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()
