"""The live path's mean latency from offsets (Little's law): in flight over arrival rate."""

from __future__ import annotations

import pytest

from streams.core.live_delay import LiveDelay

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
