"""Triton first, in-process onnxruntime when Triton is unreachable, slow or failing.

Each batch runs on exactly one path: the breaker says whether to try Triton; a batch that
Triton fails is run again, whole, on the local runner before the call returns, so a switch
neither loses nor duplicates a record. Both paths run the same files and code and carry
the same model version, so their answers (and cache entries) are interchangeable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import polars as pl

from streams.errors import ConfigError, ModelServerError
from streams.inference.breaker import BreakerState, CircuitBreaker
from streams.inference.predictor import LocalPredictor, Predicted
from streams.inference.triton_client import TritonPredictor
from streams.shell import metrics

__all__ = ["FallbackPredictor"]

log = logging.getLogger(__name__)


def _show_state(state: BreakerState) -> None:
    for each in BreakerState:
        metrics.BREAKER_STATE.labels(state=each.value).set(1 if each is state else 0)


class FallbackPredictor:
    """A :class:`TritonPredictor` behind a circuit breaker, with a :class:`LocalPredictor`;
    each answer says which of the two gave it (``Predicted.path``)."""

    def __init__(
        self,
        primary: TritonPredictor,
        fallback: LocalPredictor,
        breaker: CircuitBreaker,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if primary.version != fallback.version:
            raise ConfigError(
                f"Triton client and local runner read different model files "
                f"({primary.version} vs {fallback.version}): point both at one repository"
            )
        self.primary, self.fallback, self.breaker = primary, fallback, breaker
        self.version = primary.version
        self.model_versions = primary.model_versions
        self._clock = clock
        _show_state(breaker.state)

    def _moved(self, before: BreakerState, reason: str) -> None:
        after = self.breaker.state
        if after is before:
            return
        metrics.BREAKER_TRANSITIONS.labels(state=after.value).inc()
        _show_state(after)
        log.warning(
            "model_server breaker %s -> %s url=%s (%s)",
            before.value,
            after.value,
            self.primary.url,
            reason,
        )

    async def predict(self, frame: pl.DataFrame) -> Predicted:
        before = self.breaker.state
        try_primary = self.breaker.allow(self._clock())
        self._moved(before, "probing")
        if try_primary:
            before = self.breaker.state
            try:
                answer = await self.primary.predict(frame)
            except Exception as exc:  # any failure, not only the expected ones, ends a probe
                self.breaker.failed(self._clock())
                cause = exc.__cause__ if isinstance(exc, ModelServerError) else exc
                kind = type(cause).__name__ if cause is not None else "ModelServerError"
                metrics.MODEL_SERVER_FAILURES.labels(kind=kind).inc()
                log.warning("model_server failed rows=%d error=%s: %s", frame.height, kind, exc)
                self._moved(before, f"error: {kind}")
            except BaseException:  # cancelled mid-call: the probe did not answer
                self.breaker.failed(self._clock())
                self._moved(before, "call cancelled")
                raise
            else:
                self.breaker.succeeded()
                self._moved(before, "probe answered")
                return answer
        return await self.fallback.predict(frame)

    async def close(self) -> None:
        await self.primary.close()
        await self.fallback.close()
