"""The chaos run's pure parts: the seeded fault schedule and the audit's arithmetic.

Times are seconds from the start of the load.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "EXTRA_FAULTS",
    "Fault",
    "FaultRecord",
    "latency_percentiles",
    "recovery_seconds",
    "schedule",
]

# One of each, besides the worker kills: a broker restarted, Redis killed and started again,
# Triton killed and started again, Triton hung (SIGSTOP) then resumed.
EXTRA_FAULTS: Final = ("restart_broker", "restart_redis", "restart_triton", "hang_triton")


@dataclass(frozen=True)
class Fault:
    """One fault to inject ``at`` seconds in: ``kill_worker`` names its worker (``target``);
    ``hang_triton`` lasts ``hold`` seconds."""

    kind: str
    at: float
    target: int | None = None
    hold: float = 0.0


@dataclass
class FaultRecord:
    """A fault as it happened: when it began and when the injected part was over (the worker
    restarted, the server back and answering, the hung one resumed)."""

    kind: str
    target: int | None
    started: float
    ended: float
    recovery: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "started_s": round(self.started, 2),
            "ended_s": round(self.ended, 2),
            "recovery_s": None if self.recovery is None else round(self.recovery, 2),
        }


def schedule(
    seed: int,
    duration: float,
    kills: int,
    workers: int = 2,
    extras: Sequence[str] = EXTRA_FAULTS,
    hang_seconds: float = 8.0,
) -> list[Fault]:
    """Worker kills at random times over the middle of the run (10 %-80 %), the other
    faults one each, spread over the same span in a random order; sorted by time."""
    rng = random.Random(seed)
    lo, hi = 0.1 * duration, 0.8 * duration
    faults = [
        Fault("kill_worker", rng.uniform(lo, hi), target=rng.randrange(workers))
        for _ in range(kills)
    ]
    order = list(extras)
    rng.shuffle(order)
    slot = (hi - lo) / max(len(order), 1)
    for i, kind in enumerate(order):
        at = lo + slot * (i + rng.uniform(0.2, 0.8))
        faults.append(Fault(kind, at, hold=hang_seconds if kind == "hang_triton" else 0.0))
    return sorted(faults, key=lambda f: f.at)


def recovery_seconds(
    latencies: Sequence[tuple[float, float | None]],
    started: float,
    ended: float,
    limit: float,
    window: float = 2.0,
) -> float | None:
    """Seconds from a fault's start until the stream keeps up again: the first send time
    ``t >= ended`` from which every record sent in ``[t, t + window]`` came out within
    ``limit`` seconds. ``latencies`` are (send time, latency or None if it never came out),
    in send order. None when that never happens before the load ends."""
    after = [(sent, latency) for sent, latency in latencies if sent >= ended]
    bad = [latency is None or latency > limit for _, latency in after]
    next_bad = [math.inf] * (len(after) + 1)  # send time of the first bad record at or after i
    for i in range(len(after) - 1, -1, -1):
        next_bad[i] = after[i][0] if bad[i] else next_bad[i + 1]
    last = after[-1][0] if after else -math.inf
    for i, (start, _) in enumerate(after):
        if start + window > last:
            return None
        if next_bad[i] > start + window:
            return start - started
    return None


def latency_percentiles(values: Sequence[float]) -> Mapping[str, float | None]:
    """p50, p99 and max, in seconds (nearest rank)."""
    if not values:
        return {"p50_s": None, "p99_s": None, "max_s": None}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)

    return {"p50_s": rank(0.50), "p99_s": rank(0.99), "max_s": round(ordered[-1], 3)}
