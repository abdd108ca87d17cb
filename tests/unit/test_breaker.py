"""The circuit breaker's state machine, driven by an explicit clock."""

from __future__ import annotations

import pytest

from streams.inference.breaker import BreakerPolicy, BreakerState, CircuitBreaker

pytestmark = pytest.mark.unit


def test_closed_breaker_tries_the_server_until_the_threshold() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=2, open_seconds=1))
    assert breaker.allow(0.0)
    assert breaker.failed(0.0) is BreakerState.CLOSED
    assert breaker.allow(0.1)
    assert breaker.failed(0.1) is BreakerState.OPEN
    assert not breaker.allow(0.5)


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=2, open_seconds=1))
    breaker.failed(0.0)
    breaker.succeeded()
    assert breaker.failed(0.2) is BreakerState.CLOSED


def test_half_open_lets_one_probe_through_and_a_success_closes() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, open_seconds=2))
    breaker.failed(10.0)
    assert not breaker.allow(11.9)
    assert breaker.allow(12.0)  # the probe
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow(12.1)  # a second batch meanwhile takes the fallback
    assert breaker.succeeded() is BreakerState.CLOSED
    assert breaker.allow(12.2)


def test_failed_probes_double_the_wait_up_to_the_cap() -> None:
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, open_seconds=1, max_open_seconds=3))
    breaker.failed(0.0)  # open until 1
    waits = []
    now = 0.0
    for _ in range(4):
        retry = now
        while not breaker.allow(retry):
            retry += 0.25
        waits.append(retry - now)
        now = retry
        breaker.failed(now)
    assert waits == [1.0, 2.0, 3.0, 3.0]
    breaker.allow(now + 3)
    breaker.succeeded()
    breaker.failed(100.0)
    assert not breaker.allow(100.9) and breaker.allow(101.0)  # back to the first wait


@pytest.mark.parametrize(
    ("threshold", "open_s", "max_s"), [(0, 1.0, 2.0), (1, 0.0, 2.0), (1, 3.0, 2.0)]
)
def test_policy_rejects_nonsense(threshold: int, open_s: float, max_s: float) -> None:
    with pytest.raises(ValueError, match=r"must be|need"):
        BreakerPolicy(threshold, open_s, max_s)
