"""The chaos run's schedule and audit arithmetic (tests/chaos/plan.py)."""

from __future__ import annotations

import pytest

from tests.chaos.plan import EXTRA_FAULTS, latency_percentiles, recovery_seconds, schedule

pytestmark = pytest.mark.unit


def test_the_schedule_is_seeded_and_holds_every_fault_inside_the_run() -> None:
    plan = schedule(seed=7, duration=300, kills=20)
    assert plan == schedule(seed=7, duration=300, kills=20)
    assert plan != schedule(seed=8, duration=300, kills=20)
    kinds = [f.kind for f in plan]
    assert kinds.count("kill_worker") == 20
    assert sorted(k for k in kinds if k != "kill_worker") == sorted(EXTRA_FAULTS)
    assert all(30 <= f.at <= 240 for f in plan)
    assert [f.at for f in plan] == sorted(f.at for f in plan)
    assert {f.target for f in plan if f.kind == "kill_worker"} == {0, 1}
    assert [f.hold for f in plan if f.kind == "hang_triton"] == [8.0]


def test_recovery_is_the_first_moment_after_the_fault_from_which_the_stream_keeps_up() -> None:
    # one record every 0.5 s; late (5 s) from t=10 to t=14, never out at t=12
    latencies: list[tuple[float, float | None]] = []
    for k in range(60):
        t = k * 0.5
        latency: float | None = 5.0 if 10 <= t <= 14 else 0.2
        latencies.append((t, None if t == 12 else latency))
    # fault from 9 to 11: the first window of 2 s all on time starts at 14.5
    assert recovery_seconds(latencies, started=9, ended=11, limit=2.0) == pytest.approx(5.5)
    # a fault whose stream never catches up before the load ends
    assert recovery_seconds(latencies, started=26, ended=28.5, limit=2.0) is None
    # on time at once
    assert recovery_seconds(latencies, started=1, ended=2, limit=2.0) == pytest.approx(1.0)


def test_latency_percentiles_by_nearest_rank() -> None:
    values = [i / 100 for i in range(1, 101)]
    assert latency_percentiles(values) == {"p50_s": 0.5, "p99_s": 0.99, "max_s": 1.0}
    assert latency_percentiles([]) == {"p50_s": None, "p99_s": None, "max_s": None}
