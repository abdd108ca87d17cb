"""Account-level recurrence: period tables, event time, bounded state and generated histories."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.core.contracts import ENRICHED_SCHEMA, load_schema
from streams.core.recurrence import (
    RECURRENCE_COLUMNS,
    SERIES_HISTORY,
    SeriesState,
    expire,
    group_id,
    recurrence_record,
    recurrence_struct,
    replay_safe_as_of,
    series_key,
    series_summary,
    update_recurrence,
)
from streams.core.recurrence_period import PERIODS, add_months, detect_period
from tests.recurrence_helpers import ACCOUNT, GROUP, D, Tx, batch, feed, last_fields, txs_on

pytestmark = pytest.mark.unit

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- period tables -------------------------------------------------------------------------

PERIOD_TABLE = [
    ("weekly", [D("2024-01-03") + timedelta(days=7 * k) for k in range(6)], "2024-02-14"),
    ("biweekly", [D("2024-01-05") + timedelta(days=14 * k) for k in range(6)], "2024-03-29"),
    (
        "semi_monthly",  # 1st & 15th
        [D(f"2024-0{m}-{d:02d}") for m in (1, 2, 3) for d in (1, 15)],
        "2024-04-01",
    ),
    (
        "semi_monthly",  # 15th & last, through Feb 29
        [D(x) for x in ("2024-01-15", "2024-01-31", "2024-02-15", "2024-02-29", "2024-03-15")],
        "2024-03-31",
    ),
    ("monthly", [add_months(D("2024-01-31"), k) for k in range(5)], "2024-06-30"),
    ("monthly", [D(x) for x in ("2022-12-30", "2023-01-30", "2023-02-28")], "2023-03-30"),
    (
        "monthly",  # the 1st, posted on Friday when it falls on a weekend
        [D(x) for x in ("2024-03-01", "2024-04-01", "2024-05-01", "2024-05-31", "2024-07-01")],
        "2024-08-01",
    ),
    (
        "monthly",  # one skipped month
        [D(x) for x in ("2024-01-05", "2024-02-05", "2024-03-05", "2024-05-06", "2024-06-05")],
        "2024-07-05",
    ),
    (
        "quarterly",
        [D(x) for x in ("2023-01-16", "2023-04-14", "2023-07-14", "2023-10-16")],
        "2024-01-14",  # on the 15th, posted the weekday nearest; half the votes say the 14th
    ),
    ("semi_annual", [D(x) for x in ("2022-03-10", "2022-09-12", "2023-03-10")], "2023-09-10"),
    (
        "annual",  # Feb 29 renewals
        [D(x) for x in ("2020-02-29", "2021-02-28", "2022-02-28", "2023-02-28")],
        "2024-02-29",
    ),
]


@pytest.mark.parametrize(("period", "days", "next_date"), PERIOD_TABLE)
def test_period_table(period: str, days: list[date], next_date: str) -> None:
    fields = last_fields(txs_on(days))
    assert fields["period"] == period
    assert fields["next_expected_date"] == next_date
    assert fields["status"] == "mature"
    assert fields["is_active"] is True
    assert fields["last_date"] == days[-1].isoformat()
    assert fields["occurrences"] == len(days)


@pytest.mark.parametrize(
    ("period", "days", "next_date"),
    [
        # The 29th, Feb 28 in 2023: seen from it, the 28th + 1 = Mar 1, which went to Apr 1.
        ("monthly", ("2022-11-29", "2022-12-29", "2023-01-29", "2023-02-28"), "2023-03-29"),
        # The 28th, weekends on the Monday after, once a day late: Feb 28 + 1 went to Sep 1.
        (
            "semi_annual",
            ("2015-08-28", "2016-02-29", "2016-08-29", "2017-02-28", "2017-08-29", "2018-02-28"),
            "2018-08-29",
        ),
        # The 2nd, Feb 2 read as Jan 31 + 2: went to "Feb 33" + 1 (Mar 6), now Feb 28 + 2 + 1.
        ("monthly", ("2017-12-04", "2018-01-03", "2018-02-02"), "2018-03-03"),
    ],
)
def test_next_date_across_a_month_boundary(
    period: str, days: tuple[str, ...], next_date: str
) -> None:
    """The median lateness moves the newest date into the next month, or it is read as days
    past the previous month's end: the next date stays on the schedule's day of month."""
    fields = last_fields(txs_on([D(x) for x in days]))
    assert (fields["period"], fields["next_expected_date"]) == (period, next_date)


@pytest.mark.parametrize(
    "gaps",
    [
        [1, 3, 2, 6, 1, 9, 4, 2, 5, 11, 3],  # coffee on random days
        [12, 40, 3, 25, 19, 60, 8],  # now and then
        [30, 75, 14, 90, 33],  # neither monthly nor anything else
    ],
)
def test_irregular_spending_has_no_period(gaps: list[int]) -> None:
    days = [D("2024-01-02")]
    for gap in gaps:
        days.append(days[-1] + timedelta(days=gap))
    _, out = feed(txs_on(days))
    assert out.get_column("recurrence_period").drop_nulls().len() <= 1  # at most a 2-date guess
    assert out.row(-1, named=True)["recurrence_period"] is None


def test_status_early_after_two_mature_from_three() -> None:
    days = [D("2024-01-10"), D("2024-02-10"), D("2024-03-11"), D("2024-04-10")]
    _, out = feed(txs_on(days))
    assert out.get_column("recurrence_status").to_list() == [None, "early", "mature", "mature"]
    assert out.get_column("recurrence_period").to_list() == [None, *["monthly"] * 3]
    assert out.get_column("recurrence_is_active").to_list() == [False, True, True, True]
    assert out.get_column("recurrence_occurrences").to_list() == [1, 2, 3, 4]
    assert out.get_column("recurrence_next_expected_date").to_list()[0] is None


def test_two_dates_a_skip_apart_claim_nothing() -> None:
    assert detect_period([D("2024-01-05"), D("2024-03-05")]) is None


def test_two_or_three_visits_at_different_prices_are_no_schedule() -> None:
    """Dates alone fit some period by chance; a short run also needs amounts that agree."""
    days = [D("2024-01-10"), D("2024-02-10"), D("2024-03-11"), D("2024-04-10")]
    _, shop = feed(txs_on(days, ["41.79", "31.39", "12.05", "88.20"]))
    assert shop.get_column("recurrence_period").to_list() == [None, None, None, "monthly"]
    _, bill = feed(txs_on(days, ["82.10", "95.40", "71.30", "88.00"]))  # +-15 %: a bill
    assert bill.get_column("recurrence_period").to_list() == [None, None, *["monthly"] * 2]
    _, plan = feed(txs_on(days, ["9.99", "9.99", "10.99", "10.99"]))  # equal, then a rise
    assert plan.get_column("recurrence_period").to_list() == [None, *["monthly"] * 3]


def test_the_last_visits_of_irregular_spending_need_one_level_to_be_a_schedule() -> None:
    """Older dates that fit no schedule, then five a week apart: a shop's visits at any
    price are chance, a plan at one price has begun."""
    days = [D("2024-01-02"), D("2024-02-19"), D("2024-03-01")]
    days += [D("2024-04-01") + timedelta(days=7 * k) for k in range(5)]
    spend = ["12.00", "80.00", "33.10", "50.84", "96.86", "138.01", "154.26", "178.57"]
    _, shop = feed(txs_on(days, spend))
    assert shop.row(-1, named=True)["recurrence_period"] is None
    _, plan = feed(txs_on(days, [*spend[:3], *["25.00"] * 5]))
    assert plan.row(-1, named=True)["recurrence_period"] == "weekly"


# --- amounts -------------------------------------------------------------------------------


def test_price_rise_moves_expected_amount_and_flags_variation() -> None:
    days = [add_months(D("2024-01-03"), k) for k in range(6)]
    amounts = ["15.49", "15.49", "15.49", "17.99", "17.99", "17.99"]
    _, out = feed(txs_on(days, amounts))
    assert out.get_column("recurrence_expected_amount").to_list() == [
        "15.49", "15.49", "15.49", "15.49", "17.99", "17.99"
    ]  # fmt: skip
    assert out.get_column("recurrence_amount_varies").to_list() == [False] * 3 + [True] * 3


def test_small_fx_noise_does_not_vary_and_even_median_keeps_precision() -> None:
    days = [D("2024-01-03"), D("2024-02-03")]
    fields = last_fields(txs_on(days, ["100.00", "101.25"]))
    assert fields["expected_amount"] == "100.62"  # half-even at the inputs' precision
    assert fields["amount_varies"] is False


# --- keys ----------------------------------------------------------------------------------


def test_group_id_is_stable_and_prefers_merchant_id() -> None:
    assert group_id(ACCOUNT, "debit", "m:netflix") == "78f42a900fa7c4f4f0282feca7d0a6c22f81f620"
    rows = [Tx("a", D("2024-01-01"), counterparty="NETFLIX COM"), Tx("b", D("2024-02-01"))]
    keys = series_key(batch(rows, merchant_id="netflix")).to_list()
    assert keys == [group_id(ACCOUNT, "debit", "m:netflix")] * 2
    assert series_key(batch(rows)).n_unique() == 2


def test_refunds_are_a_separate_series() -> None:
    days = [add_months(D("2024-01-08"), k) for k in range(5)]
    plain = txs_on(days)
    refund = Tx("r1", D("2024-03-12"), "15.49", direction="credit")
    states, out = feed([*plain[:3], refund, *plain[3:]])
    assert states[GROUP].dates == tuple(days)
    assert out.row(3, named=True)["recurrence_group_id"] != GROUP
    assert out.row(3, named=True)["recurrence_period"] is None
    assert out.row(-1, named=True)["recurrence_period"] == "monthly"


# --- event time, duplicates, bounded state ----------------------------------------------------


def test_replayed_batch_is_idempotent() -> None:
    txs = txs_on([add_months(D("2024-01-15"), k) for k in range(4)])
    states, first = feed(txs)
    changed, again = update_recurrence(states, batch(txs))
    assert changed == {}
    assert again.select(*RECURRENCE_COLUMNS).equals(first.select(*RECURRENCE_COLUMNS))


def test_duplicate_inside_a_batch_counts_once() -> None:
    txs = txs_on([D("2024-01-15"), D("2024-02-15")])
    states, out = feed([txs[0], txs[1], txs[1]])
    assert out.get_column("recurrence_occurrences").to_list() == [1, 2, 2]
    assert states[GROUP].occurrences == 2


def test_late_arrival_gets_its_own_date_fields_and_later_rows_see_it() -> None:
    days = [add_months(D("2024-01-20"), k) for k in range(5)]
    txs = txs_on(days)
    states, out = feed([txs[0], txs[1], txs[3], txs[4], txs[2]])
    late = out.row(-1, named=True)
    assert (late["recurrence_last_date"], late["recurrence_occurrences"]) == ("2024-03-20", 3)
    assert late["recurrence_next_expected_date"] == "2024-04-20"
    assert series_summary(states[GROUP])["occurrences"] == 5
    _, after = update_recurrence(states, batch([Tx("next", D("2024-06-20"))]))
    assert after.row(0, named=True)["recurrence_occurrences"] == 6


def test_stop_tombstones_expires_and_restarts() -> None:
    days = [add_months(D("2024-01-05"), k) for k in range(4)]  # Jan..Apr, next May 5
    states, _ = feed(txs_on(days))
    assert series_summary(states[GROUP], as_of=D("2024-06-19"))["status"] == "mature"
    stopped = series_summary(states[GROUP], as_of=D("2024-06-20"))  # May 5 + 46 days
    assert (stopped["status"], stopped["is_active"]) == ("tombstoned", False)
    assert expire(states, D("2024-06-19")) == states
    assert expire(states, D("2024-06-20")) == {}
    resumed = [Tx("r1", D("2024-10-05")), Tx("r2", D("2024-11-05"))]
    kept, out_kept = feed(resumed, states=states)
    dropped, out_dropped = feed(resumed, states=expire(states, D("2024-10-01")))
    assert out_kept.equals(out_dropped)  # expiring changes no row dated after as_of
    assert out_kept.get_column("recurrence_occurrences").to_list() == [1, 2]
    assert series_summary(kept[GROUP]) == series_summary(dropped[GROUP])


def test_a_replay_after_later_rows_expired_its_series_is_reported_as_first_emitted() -> None:
    """A crash replays rows whose state (and later rows' changes) already reached the
    changelog; the shell's expiry must not have dropped the replayed row's series."""
    days = [add_months(D("2024-01-05"), k) for k in range(4)]
    states, first = feed(txs_on(days))
    newest = D("2024-09-01")  # a later row of the account: the series expired in June
    assert expire(states, newest) == {}  # dropping at the newest date loses the history...
    lost, _ = feed(txs_on(days)[3:], states=expire(states, newest))
    assert lost != states
    kept = expire(states, replay_safe_as_of(newest))  # ...the replay-safe date keeps it
    assert kept == states
    _, replayed = feed(txs_on(days)[3:], states=kept)
    assert replayed.row(0) == first.row(3)
    assert expire(states, replay_safe_as_of(D("2025-09-01"))) == {}  # still bounded


def test_late_rows_mend_a_gap_that_looked_like_a_stop() -> None:
    days = [D("2024-01-03") + timedelta(days=7 * k) for k in range(9)]
    txs = txs_on(days)
    states, out = feed([*txs[:5], txs[8], txs[5], txs[6], txs[7]])
    assert out.row(5, named=True)["recurrence_occurrences"] == 1  # looked like a restart
    assert states[GROUP].segment_starts == ()
    in_order, _ = feed(txs)
    assert states == in_order


def test_state_is_bounded_and_counts_evicted_occurrences() -> None:
    days = [add_months(D("2022-01-12"), k) for k in range(20)]
    states, out = feed(txs_on(days), sizes=[7, 1, 5])
    assert len(states[GROUP].dates) == SERIES_HISTORY
    assert out.get_column("recurrence_occurrences").to_list() == list(range(1, 21))
    too_old = Tx("old", D("2021-06-12"))
    changed, old_out = update_recurrence(states, batch([too_old]))
    assert changed == {}
    assert old_out.row(0, named=True)["recurrence_occurrences"] == 1
    assert old_out.row(0, named=True)["recurrence_period"] is None


def test_state_round_trips_through_json() -> None:
    days = [D("2024-01-03") + timedelta(days=7 * k) for k in (0, 1, 2, 3, 4, 9)]
    states, _ = feed(txs_on(days))
    state = states[GROUP]
    assert state.segment_starts == (days[-1],)
    assert SeriesState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_record_matches_the_enriched_schema() -> None:
    _, out = feed(txs_on([D("2024-01-31"), D("2024-02-29"), D("2024-03-31")]))
    schema = load_schema(ENRICHED_SCHEMA)["properties"]["recurrence"]
    via_struct = out.select(recurrence_struct()).to_series().to_list()
    for row, struct in zip(out.iter_rows(named=True), via_struct, strict=True):
        record = recurrence_record(row)
        jsonschema.validate(record, schema)
        assert record == struct
    assert set(schema["properties"]) == set(via_struct[0])
    assert recurrence_record({}) is None


# --- generated histories ---------------------------------------------------------------------

MONTH_STEP = {"monthly": 1, "quarterly": 3, "semi_annual": 6, "annual": 12}
# Across a 28-day February, biweekly and semi-monthly (1st/15th) dates coincide; it takes
# about three months of either to tell them apart.
MIN_OCCURRENCES = {"weekly": 4, "biweekly": 7, "semi_monthly": 8}
SEMI_DAYS = ((1, 15), (15, 31), (1, 16), (5, 20))


def _on_day(month_start: date, day: int) -> date:
    """`day` of the month starting at `month_start`, clamped to its last day."""
    last = (add_months(month_start, 1) - timedelta(days=1)).day
    return month_start.replace(day=min(day, last))


def _post(day: date, delay: int, to_friday: bool) -> date:
    """A bank posting: maybe a day late, weekends moved to Friday or Monday."""
    day += timedelta(days=delay)
    if day.weekday() == 5:
        return day - timedelta(days=1) if to_friday else day + timedelta(days=2)
    if day.weekday() == 6:
        return day - timedelta(days=2) if to_friday else day + timedelta(days=1)
    return day


@dataclass(frozen=True)
class History:
    period: str
    days: list[date]  # observed, date order
    next_actual: date  # the held-out occurrence as posted
    next_scheduled: date  # ... and before the posting jitter


@st.composite
def histories(draw: st.DrawFn, max_count: int = SERIES_HISTORY) -> History:
    """A recurring series as a bank posts it, plus its held-out next occurrence.

    Jitter up to ±2 days incl. weekend moves, month ends, Feb 28/29, maybe one skipped period.
    """
    period = draw(st.sampled_from(PERIODS))
    count = draw(st.integers(MIN_OCCURRENCES.get(period, 3), max_count))
    total = count + 2  # room for a skip and the held-out next occurrence
    if period in ("weekly", "biweekly"):
        step = 7 if period == "weekly" else 14
        first = draw(st.dates(date(2015, 1, 1), date(2035, 1, 1)))
        holiday = st.sampled_from((-1, 0, 0, 0, 1))  # weekday-anchored: holidays move a day
        scheduled = [first + timedelta(days=step * k) for k in range(total)]
        actual = [day + timedelta(days=draw(holiday)) for day in scheduled]
    else:
        start = draw(st.dates(date(2015, 1, 1), date(2035, 1, 1))).replace(day=1)
        if period == "semi_monthly":
            pair = draw(st.sampled_from(SEMI_DAYS))
            scheduled = [_on_day(add_months(start, k // 2), pair[k % 2]) for k in range(total)]
        else:
            anchor = draw(st.integers(1, 31))
            scheduled = [
                _on_day(add_months(start, MONTH_STEP[period] * k), anchor) for k in range(total)
            ]
        to_friday = draw(st.booleans())
        actual = [_post(d, draw(st.sampled_from((0, 0, 1))), to_friday) for d in scheduled]
    kept = list(range(count + 1))
    if count >= 5 and draw(st.booleans()):
        del kept[draw(st.integers(1, count - 2))]
    held_out = kept.pop()
    return History(period, [actual[k] for k in kept], actual[held_out], scheduled[held_out])


@st.composite
def arrivals(draw: st.DrawFn, history: History) -> list[Tx]:
    """The history's transactions with amount drift, a refund, replays and shuffling."""
    base = draw(st.integers(500, 200_000))
    rise = draw(st.integers(0, len(history.days)))
    txs = [
        Tx(f"t{k:03d}", day, f"{(base * (110 if k >= rise else 100)) // 100 / 100:.2f}")
        for k, day in enumerate(history.days)
    ]
    if draw(st.booleans()):  # a refund: a credit, so its own series
        k = draw(st.integers(0, len(txs) - 1))
        txs.append(Tx("refund", txs[k].day + timedelta(days=3), txs[k].amount, "credit"))
    replays = draw(st.lists(st.sampled_from(txs), max_size=3))
    order = draw(st.permutations([*txs, *replays]))
    return list(order)


CUTS = st.lists(st.integers(1, 12), max_size=6)  # batch sizes; the rest is one more batch


@PROPERTY_SETTINGS
@given(data=st.data())
def test_generated_histories_detect_period_and_next_date(data: st.DataObject) -> None:
    history = data.draw(histories())
    txs = data.draw(arrivals(history))
    states, _ = feed(txs, data.draw(CUTS))
    summary = series_summary(states[GROUP])
    assert summary["period"] == history.period, [d.isoformat() for d in history.days]
    predicted = date.fromisoformat(summary["next_expected_date"])
    # Checked against the schedule, not the held-out posting: that adds a fresh draw of the
    # jitter (a day late, then a weekend to Friday or Monday: -2..+3 days; a holiday ±1) that
    # no detector can know. Within 3 days: the schedule itself is only seen through postings
    # that carry that jitter (a 28th posted on the 28th-29th and Feb 28 may equally be "3
    # days before the month end": Feb 25). Next dates were 4-5 days off the schedule before
    # the month-boundary fixes (see test_next_date_across_a_month_boundary).
    assert abs((predicted - history.next_scheduled).days) <= 3, history
    # Drift: the expected amount is the median of the last three charges, in date order.
    charges = sorted({t for t in txs if t.direction == "debit"}, key=lambda t: (t.day, t.tid))
    assert summary["expected_amount"] == sorted((t.amount for t in charges[-3:]), key=Decimal)[1]
    # Any arrival order ends in the state that date order gives (no evictions here).
    in_order, _ = feed(sorted(set(txs), key=lambda t: (t.day, t.tid)))
    assert states == in_order


@PROPERTY_SETTINGS
@given(data=st.data())
def test_batch_splits_give_identical_output(data: st.DataObject) -> None:
    history = data.draw(histories(max_count=20))
    txs = data.draw(arrivals(history))
    states_a, out_a = feed(txs, data.draw(CUTS))
    states_b, out_b = feed(txs, data.draw(CUTS))
    assert out_a.equals(out_b)
    assert states_a == states_b


@PROPERTY_SETTINGS
@given(data=st.data())
def test_live_and_backfill_in_date_order_agree(data: st.DataObject) -> None:
    history = data.draw(histories())
    txs = sorted(set(data.draw(arrivals(history))), key=lambda t: t.day)  # ties in any order
    _, live = feed(txs, [1] * len(txs))
    backfill_states, backfill = feed(txs)
    assert live.equals(backfill)
    changed, replayed = update_recurrence(backfill_states, batch(txs))  # at-least-once replay
    assert changed == {}
    assert replayed.equals(backfill)


@PROPERTY_SETTINGS
@given(
    gaps=st.lists(st.tuples(st.integers(1, 3), st.integers(4, 40)), min_size=2, max_size=8),
    start=st.dates(date(2015, 1, 1), date(2035, 1, 1)),
)
def test_irregular_visits_never_get_a_period(gaps: list[tuple[int, int]], start: date) -> None:
    # Shopping trips with two purchases a few days apart: no schedule fits a 1-3 day gap.
    days = [start]
    for short, long in gaps:
        days += [days[-1] + timedelta(days=short), days[-1] + timedelta(days=short + long)]
    _, out = feed(txs_on(days[:-1]))
    assert out.get_column("recurrence_period").drop_nulls().len() == 0


def test_random_spending_rarely_looks_recurring() -> None:
    rng = random.Random(7)
    flagged = 0
    for _ in range(200):
        day, days = date(2023, 1, 1), []
        for _ in range(rng.randint(4, 25)):
            days.append(day)
            day += timedelta(days=max(1, round(rng.expovariate(1 / rng.uniform(2, 25)))))
        flagged += last_fields(txs_on(days))["period"] is not None
    assert flagged <= 10


def test_a_salary_paid_on_the_last_working_day_is_monthly() -> None:
    """Issue #19 class 6: European payroll pays on the month's last working day, so a month
    that ends on a weekend pays on the Friday before (May 30, Aug 29 in 2025)."""
    days = [
        D(x)
        for x in (
            "2025-01-31",
            "2025-02-28",
            "2025-03-31",
            "2025-04-30",
            "2025-05-30",
            "2025-06-30",
            "2025-07-31",
            "2025-08-29",
            "2025-09-30",
        )
    ]
    fields = last_fields(txs_on(days, ["3120.00"] * len(days)))
    assert fields["period"] == "monthly" and fields["status"] == "mature"
    assert abs((D(fields["next_expected_date"]) - D("2025-10-31")).days) <= 3
