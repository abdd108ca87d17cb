"""Recurrence: the amounts a short or partial run compares, with several charges on one day."""

from __future__ import annotations

import pytest

from streams.core.recurrence import series_summary
from tests.recurrence_helpers import GROUP, D, Tx, feed

pytestmark = pytest.mark.unit


def test_summary_compares_every_amount_from_the_runs_first_day() -> None:
    """Two dates, three charges: the run's two distinct dates are not its last two amounts.
    A 25.00 visit, then two 9.99 charges on one day: no bill of one level, no period."""
    txs = [
        Tx("a", D("2024-01-10"), "25.00"),
        Tx("b", D("2024-02-10"), "9.99"),
        Tx("c", D("2024-02-10"), "9.99"),
    ]
    states, out = feed(txs)
    assert out.get_column("recurrence_period").to_list() == [None, None, None]
    summary = series_summary(states[GROUP])
    assert (summary["period"], summary["next_expected_date"], summary["status"]) == (
        None,
        None,
        None,
    )


def test_a_row_compares_an_earlier_days_two_charges_and_the_first() -> None:
    """Three dates, four charges before and on the row's day: the oldest amount counts."""
    txs = [
        Tx("a", D("2024-01-10"), "30.00"),
        Tx("b", D("2024-02-10"), "9.99"),
        Tx("c", D("2024-02-10"), "9.99"),
        Tx("d", D("2024-03-11"), "9.99"),
    ]
    _, out = feed(txs)
    assert out.row(-1, named=True)["recurrence_period"] is None


def test_same_day_charges_of_one_level_still_make_a_schedule() -> None:
    txs = [
        Tx("a", D("2024-01-10"), "9.99"),
        Tx("b", D("2024-02-10"), "9.99"),
        Tx("c", D("2024-02-10"), "9.99"),
    ]
    states, out = feed(txs)
    assert out.get_column("recurrence_period").to_list() == [None, "monthly", "monthly"]
    summary = series_summary(states[GROUP])
    assert (summary["period"], summary["next_expected_date"]) == ("monthly", "2024-03-10")
