"""How long records spend in the live workers, from two offsets per partition.

The live workers commit a batch's offsets once its outputs are acknowledged, so the records
written to the raw topic and not yet committed by their group are the ones in flight. By
Little's law, the mean time a record spends in flight is how many are in flight over the
rate they arrive at: the live path's mean latency (to commit) as it is now, read from Kafka
alone, whatever the workers run on. A backfill beside them yields while it is too high.

Samples are (time, records written, records committed), summed over the partitions the
group has committed; both counts come from offsets, so they only grow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LiveDelay", "YieldGate"]


@dataclass
class LiveDelay:
    """Smoothed in-flight count and arrival rate, and their ratio (seconds).

    ``smoothing_s``: the time constant of both averages; short enough to see a live batch
    fall behind, long enough that the sawtooth of batch-by-batch commits averages out.
    """

    smoothing_s: float = 0.3
    _last: tuple[float, int] | None = field(default=None, init=False)
    _in_flight: float = field(default=0.0, init=False)
    _rate: float = field(default=0.0, init=False)

    def update(self, now: float, written: int, committed: int) -> float:
        """The delay after a sample taken at ``now`` (seconds, monotonic)."""
        in_flight = max(0, written - committed)
        if self._last is None:
            self._last, self._in_flight = (now, written), float(in_flight)
            return 0.0  # no rate yet
        then, written_then = self._last
        elapsed = now - then
        if elapsed <= 0:
            return self.seconds
        weight = min(1.0, elapsed / self.smoothing_s)
        rate = max(0, written - written_then) / elapsed
        self._rate += weight * (rate - self._rate)
        self._in_flight += weight * (in_flight - self._in_flight)
        self._last = (now, written)
        return self.seconds

    @property
    def seconds(self) -> float:
        """Mean seconds a live record spends in flight; 0 while nothing arrives."""
        return self._in_flight / self._rate if self._rate > 1e-9 else 0.0


@dataclass
class YieldGate:
    """Whether a backfill should stand still for the live path, from its mean delay.

    Above ``limit_s`` the backfill pauses; below ``resume_share`` of the limit it goes on.
    While it is paused it takes nothing from the live path, so the delay measured then is
    the live path's own: still over the resume level after ``settle_s`` paused, the live
    path is that slow without the backfill, and waiting longer would stall the backfill
    for nothing. The limit then rises to ``headroom`` times that delay (never falls), and
    the backfill goes on: it yields to the live path's own latency plus headroom, as the
    limit was meant to, whatever that latency turns out to be.
    """

    limit_s: float
    resume_share: float = 0.8
    settle_s: float = 5.0
    headroom: float = 1.5
    paused_since: float | None = field(default=None, init=False)

    def decide(self, now: float, delay_s: float) -> bool:
        """Whether the backfill is paused after a delay sample taken at ``now``."""
        if self.paused_since is None:
            if delay_s > self.limit_s:
                self.paused_since = now
        elif delay_s < self.limit_s * self.resume_share:
            self.paused_since = None
        elif now - self.paused_since >= self.settle_s:
            self.limit_s = max(self.limit_s, self.headroom * delay_s)
            self.paused_since = None
        return self.paused_since is not None

    def reset(self) -> None:
        """Forget a pause (the backfill was resumed for another reason: the delay could not
        be read), so the next sample over the limit starts a fresh settle period."""
        self.paused_since = None
