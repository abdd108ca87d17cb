"""The fallback's breaker leaves half-open on any failure of a probe, not only the expected
ones: a probe that raises something unforeseen must not leave the worker off Triton for good."""

from __future__ import annotations

import asyncio

import polars as pl
import pytest

from streams.inference.breaker import BreakerPolicy, BreakerState, CircuitBreaker
from streams.inference.fallback import FallbackPredictor
from streams.inference.predictor import LocalPredictor, Predicted
from streams.inference.repository import ModelRepository
from streams.inference.triton_client import TritonPredictor

pytestmark = pytest.mark.unit


class _Scripted(TritonPredictor):
    """A Triton client whose calls raise the scripted errors, in turn, then answer with the
    local runner's predictions (labelled as Triton's)."""

    def __init__(self, repository: ModelRepository, local: LocalPredictor, *errors: BaseException):
        super().__init__("127.0.0.1:9", repository)
        self._local, self._errors, self.calls = local, list(errors), 0

    async def predict(self, frame: pl.DataFrame) -> Predicted:
        self.calls += 1
        if self._errors:
            raise self._errors.pop(0)
        return Predicted((await self._local.predict(frame)).frame, "triton")


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


FRAME = pl.DataFrame(
    {"description": ["NETFLIX.COM 866-579-7172 CA"], "direction": ["debit"], "mcc": ["4899"]}
)


@pytest.mark.parametrize("unexpected", [RuntimeError("decoder bug"), KeyError("merchant_id")])
def test_an_unexpected_error_in_a_probe_reopens_the_breaker(unexpected: Exception) -> None:
    repository = ModelRepository()
    local = LocalPredictor(repository)
    primary = _Scripted(repository, local, unexpected, unexpected)
    clock = _Clock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, open_seconds=1.0))
    predictor = FallbackPredictor(primary, local, breaker, clock)

    first = asyncio.run(predictor.predict(FRAME))  # closed: tried, failed, answered locally
    assert (first.path, breaker.state) == ("local", BreakerState.OPEN)
    clock.now = 1.5
    probe = asyncio.run(predictor.predict(FRAME))  # half-open probe: fails unexpectedly again
    assert (probe.path, breaker.state) == ("local", BreakerState.OPEN)
    clock.now = 10.0
    healed = asyncio.run(predictor.predict(FRAME))  # the next probe is let through and answers
    assert (healed.path, breaker.state) == ("triton", BreakerState.CLOSED)
    assert primary.calls == 3
    assert healed.frame.equals(first.frame)


def test_a_cancelled_probe_does_not_hold_the_breaker_half_open() -> None:
    repository = ModelRepository()
    local = LocalPredictor(repository)
    primary = _Scripted(repository, local, asyncio.CancelledError())
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, open_seconds=1.0))
    breaker.failed(0.0)  # open; the next call at t=1.5 is the probe
    clock = _Clock()
    clock.now = 1.5
    predictor = FallbackPredictor(primary, local, breaker, clock)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(predictor.predict(FRAME))
    assert breaker.state is BreakerState.OPEN
    clock.now = 10.0
    assert asyncio.run(predictor.predict(FRAME)).path == "triton"
