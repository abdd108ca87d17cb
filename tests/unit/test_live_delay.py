"""The live path's mean latency from offsets (Little's law): in flight over arrival rate."""

from __future__ import annotations

import pytest

from streams.core.live_delay import LiveDelay, YieldGate

pytestmark = pytest.mark.unit


def _steady(
    delay: LiveDelay, rate: int, in_flight: int, seconds: float, start: float = 0.0
) -> float:
    """Samples every 0.1 s of a stream at ``rate`` records/s with ``in_flight`` uncommitted."""
    estimate = 0.0
    for tick in range(int(seconds * 10) + 1):
        now = start + tick / 10
        written = int(rate * now)
        estimate = delay.update(now, written, written - in_flight)
    return estimate


def test_records_in_flight_over_their_rate_is_their_mean_wait() -> None:
    assert _steady(LiveDelay(), rate=250, in_flight=50, seconds=3) == pytest.approx(0.2, rel=0.02)
    assert _steady(LiveDelay(), rate=2000, in_flight=50, seconds=3) == pytest.approx(
        0.025, rel=0.02
    )


def test_a_first_sample_and_a_stream_without_arrivals_give_no_delay() -> None:
    delay = LiveDelay()
    assert delay.update(0.0, 1000, 900) == 0.0
    for tick in range(1, 40):  # a backlog nobody adds to: nothing live waits on the backfill
        assert delay.update(tick / 10, 1000, 900) == 0.0


def test_falling_behind_shows_within_a_second_and_commits_by_batch_average_out() -> None:
    delay = LiveDelay()
    _steady(delay, rate=250, in_flight=25, seconds=2)
    late = _steady(delay, rate=250, in_flight=250, seconds=1, start=2.1)
    assert late > 0.6  # a second's worth in flight: near a second of wait
    sawtooth = LiveDelay()
    estimate = 0.0
    for tick in range(60):  # commits every 0.2 s: 0 or 50 records in flight, 25 on average
        now = tick / 10
        written = int(250 * now)
        estimate = sawtooth.update(now, written, written - (50 if tick % 2 else 0))
    assert 0.05 < estimate < 0.15


def test_offsets_going_back_count_as_nothing_in_flight() -> None:
    delay = LiveDelay()
    delay.update(0.0, 100, 100)
    assert delay.update(0.1, 120, 130) == 0.0  # committed past written: a stale end offset


def test_the_gate_pauses_over_the_limit_and_goes_on_below_its_resume_share() -> None:
    gate = YieldGate(limit_s=0.2)
    assert not gate.decide(0.0, 0.15)
    assert gate.decide(0.1, 0.25)  # over the limit: pause
    assert gate.decide(0.2, 0.18)  # under the limit but over 0.8 of it: stay paused
    assert not gate.decide(0.3, 0.15)  # under 0.16: go on
    assert gate.limit_s == 0.2


def test_a_live_path_slow_on_its_own_raises_the_limit_instead_of_stalling_the_backfill() -> None:
    gate = YieldGate(limit_s=0.2, settle_s=5.0)
    assert gate.decide(0.0, 0.3)
    for tick in range(1, 50):  # paused 4.9 s and the live path still waits 300 ms
        assert gate.decide(tick / 10, 0.3)
    assert not gate.decide(5.0, 0.3)  # its own delay: go on, and yield above 1.5x of it
    assert gate.limit_s == pytest.approx(0.45)
    assert not gate.decide(5.1, 0.4)
    assert gate.decide(5.2, 0.5)  # the backfill pushes it past 1.5x: pause again


def test_a_reset_pause_settles_afresh_instead_of_raising_the_limit() -> None:
    """The shell resumes the backfill while the delay cannot be read; the gate must not count
    that time as a settle period the backfill spent paused."""
    gate = YieldGate(limit_s=0.2, settle_s=5.0)
    assert gate.decide(0.0, 0.3)
    gate.reset()  # probes failed from t=0 to t=30: the backfill ran
    assert gate.decide(30.0, 0.3)  # a fresh pause, not "paused for 30 s"
    assert gate.limit_s == 0.2
