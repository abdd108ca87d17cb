"""The fallback's breaker leaves half-open on any failure of a probe, not only the expected
ones: a probe that raises something unforeseen must not leave the worker off Triton for good.
And Triton serves a batch only while it says it loaded this worker's model files."""

from __future__ import annotations

import asyncio
import logging

import polars as pl
import pytest
from prometheus_client import REGISTRY

from streams.inference.breaker import BreakerPolicy, BreakerState, CircuitBreaker
from streams.inference.fallback import VERIFY_SECONDS, FallbackPredictor
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
        self.serves: str | None = None  # what served_mismatch answers
        self.checks = 0

    async def served_mismatch(self) -> str | None:
        self.checks += 1
        return self.serves

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


def test_triton_serving_other_model_files_is_refused_until_it_serves_ours(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repository = ModelRepository()
    local = LocalPredictor(repository)
    primary = _Scripted(repository, local)
    primary.serves = "Triton loaded models-000000000000, this worker's repository is ..."
    clock = _Clock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=3, open_seconds=1.0))
    predictor = FallbackPredictor(primary, local, breaker, clock)

    with caplog.at_level(logging.DEBUG, logger="streams.inference.fallback"):
        first = asyncio.run(predictor.predict(FRAME))  # checked before the first batch
        assert (first.path, breaker.state) == ("local", BreakerState.OPEN)  # threshold or not
        for step in range(1, 4):  # each probe checks again; still refused
            clock.now = step * 10.0
            assert asyncio.run(predictor.predict(FRAME)).path == "local"
    assert primary.calls == 0, "a refused Triton must serve no batch"
    assert primary.checks == 4
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1 and "refused" in refusals[0].getMessage()
    assert _sample("txenrich_model_server_refused") == 1.0

    primary.serves = None  # the server now runs our files
    clock.now = 100.0
    healed = asyncio.run(predictor.predict(FRAME))
    assert (healed.path, breaker.state) == ("triton", BreakerState.CLOSED)
    assert _sample("txenrich_model_server_refused") == 0.0

    clock.now = 100.0 + VERIFY_SECONDS / 2  # closed and checked lately: no check
    asyncio.run(predictor.predict(FRAME))
    assert primary.checks == 5
    clock.now = 100.0 + VERIFY_SECONDS  # closed but a minute on: checked again
    asyncio.run(predictor.predict(FRAME))
    assert primary.checks == 6


def _sample(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)
