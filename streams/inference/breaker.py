"""A circuit breaker for the model server: pure state, the clock passed in.

closed     every batch goes to Triton; ``failure_threshold`` failures in a row open it.
open       batches go to the fallback without trying Triton, for ``open_seconds`` (doubled
           after each failed probe, up to ``max_open_seconds``).
half_open  the next batch is a probe sent to Triton (one at a time; others meanwhile take
           the fallback): success closes the breaker, failure opens it again.

The breaker only decides; the caller runs the batch on the path it is given and reports
the outcome, so a batch is served exactly once whichever way it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

__all__ = ["BreakerPolicy", "BreakerState", "CircuitBreaker"]


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerPolicy:
    """When to open and how long to stay away."""

    failure_threshold: int = 1
    open_seconds: float = 2.0
    max_open_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if not 0 < self.open_seconds <= self.max_open_seconds:
            raise ValueError("need 0 < open_seconds <= max_open_seconds")


_DEFAULT: Final = BreakerPolicy()


class CircuitBreaker:
    """Decides per batch whether to try the primary path; fed each outcome."""

    def __init__(self, policy: BreakerPolicy = _DEFAULT) -> None:
        self.policy = policy
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._open_for = policy.open_seconds
        self._retry_at = 0.0
        self._probing = False

    def allow(self, now: float) -> bool:
        """Whether the batch starting at ``now`` should try the primary path."""
        if self.state is BreakerState.OPEN and now >= self._retry_at:
            self.state = BreakerState.HALF_OPEN
        if self.state is BreakerState.HALF_OPEN:
            if self._probing:
                return False
            self._probing = True
        return self.state is not BreakerState.OPEN

    def succeeded(self) -> BreakerState:
        """The primary path answered; returns the state after."""
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._probing = False
        self._open_for = self.policy.open_seconds
        return self.state

    def failed(self, now: float) -> BreakerState:
        """The primary path failed at ``now``; returns the state after."""
        if self.state is BreakerState.HALF_OPEN:
            self._open_for = min(self._open_for * 2, self.policy.max_open_seconds)
            self._open(now)
        else:
            self._failures += 1
            if self._failures >= self.policy.failure_threshold:
                self._open(now)
        return self.state

    def tripped(self, now: float) -> BreakerState:
        """The primary path must not be used (whatever the threshold): open at ``now``, the
        wait doubled when a probe found it so."""
        if self.state is BreakerState.HALF_OPEN:
            self._open_for = min(self._open_for * 2, self.policy.max_open_seconds)
        self._open(now)
        return self.state

    def _open(self, now: float) -> None:
        self.state = BreakerState.OPEN
        self._probing = False
        self._failures = 0
        self._retry_at = now + self._open_for
