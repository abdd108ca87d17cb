"""Triton first, in-process onnxruntime when Triton is unreachable, slow or failing.

Each batch runs on exactly one path: the breaker says whether to try Triton; a batch that
Triton fails is run again, whole, on the local runner before the call returns, so a switch
neither loses nor duplicates a record. Both paths run the same files and code and carry
the same model version, so their answers (and cache entries) are interchangeable.

That Triton runs the same files is checked, not assumed: before Triton's first batch, before
the batch that would close the breaker, and every ``VERIFY_SECONDS`` while closed, the
worker compares what Triton loaded with its own repository (``served_mismatch``). On a
mismatch it refuses Triton (the breaker opens; probes check again), says so in one log line
and a metric, and runs the models in process: no batch mixes models and no cache entry is
written under a version that did not produce it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

import polars as pl

from streams.errors import ConfigError, ModelServerError
from streams.inference.breaker import BreakerState, CircuitBreaker
from streams.inference.predictor import LocalPredictor, Predicted
from streams.inference.triton_client import TritonPredictor
from streams.shell import metrics

__all__ = ["VERIFY_SECONDS", "FallbackPredictor"]

log = logging.getLogger(__name__)

# How often a closed breaker checks again that Triton still serves this worker's models (a
# server restarted on other files between two batches fails no call).
VERIFY_SECONDS: Final = 60.0


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
        self._verified_at: float | None = None  # None: check before Triton's next batch
        self._refusal: str | None = None  # why Triton is refused, while it is
        _show_state(breaker.state)
        metrics.MODEL_SERVER_REFUSED.set(0)

    def _moved(self, before: BreakerState, reason: str) -> None:
        after = self.breaker.state
        if after is before:
            return
        metrics.BREAKER_TRANSITIONS.labels(state=after.value).inc()
        _show_state(after)
        if after is BreakerState.OPEN:
            self._verified_at = None
        # while Triton is refused, its probes' transitions are not news: the refusal was said
        log.log(
            logging.DEBUG if self._refusal else logging.WARNING,
            "model_server breaker %s -> %s url=%s (%s)",
            before.value,
            after.value,
            self.primary.url,
            reason,
        )

    def _must_verify(self, now: float) -> bool:
        return (
            self._verified_at is None
            or self.breaker.state is not BreakerState.CLOSED
            or now - self._verified_at >= VERIFY_SECONDS
        )

    def _refuse(self, problem: str, before: BreakerState) -> None:
        metrics.MODEL_SERVER_REFUSALS.inc()
        metrics.MODEL_SERVER_REFUSED.set(1)
        if problem != self._refusal:
            log.error(
                "model_server refused url=%s: %s; models run in process until it serves %s",
                self.primary.url,
                problem,
                self.version,
            )
        self._refusal = problem
        self.breaker.tripped(self._clock())
        self._moved(before, "serves other model files")

    def _lift_refusal(self) -> None:
        if self._refusal is not None:
            log.warning(
                "model_server url=%s serves %s again: refusal lifted",
                self.primary.url,
                self.version,
            )
            self._refusal = None
            metrics.MODEL_SERVER_REFUSED.set(0)

    async def predict(self, frame: pl.DataFrame) -> Predicted:
        before = self.breaker.state
        now = self._clock()
        try_primary = self.breaker.allow(now)
        self._moved(before, "probing")
        if try_primary:
            before = self.breaker.state
            try:
                checked = self._must_verify(now)
                problem = await self.primary.served_mismatch() if checked else None
                answer = None if problem else await self.primary.predict(frame)
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
                if problem is not None or answer is None:
                    self._refuse(problem or "no answer", before)
                else:
                    if checked:
                        self._verified_at = now
                    self._lift_refusal()
                    self.breaker.succeeded()
                    self._moved(before, "probe answered")
                    return answer
        return await self.fallback.predict(frame)

    async def close(self) -> None:
        await self.primary.close()
        await self.fallback.close()
