"""Period detection for recurring series: a sorted list of dates -> period, status, next date.

Pure stdlib; :mod:`streams.core.recurrence` applies it per series and per transaction.

How a period is recognised
--------------------------
Each candidate period is a schedule with a tolerance (see :data:`PERIOD_SPECS`): weekly and
biweekly count days (such payments keep a weekday; a holiday moves one by a day); the others
count months, slots being found on an axis where the day is a fraction of its month, so month
ends, Feb 28/29 and "the 1st, posted on Friday the 31st" sit where they belong, and a
semi-monthly schedule (1st & 15th, 15th & last...) is a half-month period.

Walking back from the newest date, a date joins the *run* while it sits one slot (or, once
per run, two slots: a skipped period) before the previous one and the run's residuals stay
within the tolerance. A residual is the calendar distance to the date whole periods before
the newest date of the same phase, under the nearest calendar reading of that date: same day
of month (clamped), or, late in a month, same distance to the month end (last business day),
or, early in a month, days past the previous month's end (the 28th posted on March 1st);
semi-monthly measures each half of the month on its own, the halves 10-20 days apart. A
gap longer than :data:`BREAK_PERIODS` periods is a *break*: the series had stopped.

A run is accepted when it has an interval that is not a skip and either covers the whole
history (a young series: two dates suffice), or has >= 3 intervals right after a break, or
>= 4 intervals (older history that does not fit, e.g. a moved billing day, is outgrown). A
long history of irregular spending has many windows, hence the stricter bar for a partial
run. Among accepted candidates the one covering most dates wins, then fewer skips, then the
tighter spread, then the shorter period.

The next date: the newest run dates of the next slot's phase (at most
:data:`NEXT_DATE_VOTES`) vote with their residuals; the low median moves the newest of them
back onto its schedule, which is projected one slot on (month arithmetic clamps), so one
weekend-shifted posting does not move the prediction. Where that move would leave the newest
date's month (Feb 28 + 1 day), the newest date is projected and then moved.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from statistics import median_low
from typing import Literal

__all__ = [
    "BREAK_PERIODS",
    "EARLY_IN_MONTH",
    "GRACE_PERIODS",
    "LATE_IN_MONTH",
    "NEXT_DATE_VOTES",
    "PERIODS",
    "PERIOD_SPECS",
    "PHASE_OFFSET_DAYS",
    "PeriodFit",
    "PeriodName",
    "PeriodSpec",
    "add_months",
    "detect_period",
    "grace_days",
]

PeriodName = Literal[
    "weekly", "biweekly", "semi_monthly", "monthly", "quarterly", "semi_annual", "annual"
]

# Average month length, to express month-axis residuals in days.
DAYS_PER_MONTH = 365.2425 / 12
# A gap of more than this many periods means the series had stopped (it would have been
# tombstoned: see GRACE_PERIODS, next expected date + 1.5 periods = last date + 2.5 periods).
BREAK_PERIODS = 2.5
# Tombstone grace after the next expected date, in periods: one skipped period (which the
# detector tolerates) plus half a period of jitter must not end a series.
GRACE_PERIODS = 1.5
# How far the second half of a semi-monthly pattern may sit from mid-period: 1st & 15th are
# 14 days apart and either may move by a weekend, so 10-20 days between the halves.
PHASE_OFFSET_DAYS = 5.0
# Days of month after which a date may be anchored to the month end instead (25th: a
# last-business-day schedule moves up to 3 days from the 28th-31st), and up to which it may
# be a late posting of the previous month's end (3rd: a weekend plus a processing day).
# Kept narrow: every extra reading also helps a biweekly series pass for semi-monthly.
LATE_IN_MONTH = 25
EARLY_IN_MONTH = 3
# Newest run dates that vote for the next expected date.
NEXT_DATE_VOTES = 5


@dataclass(frozen=True, slots=True)
class PeriodSpec:
    """One candidate period: its length on its axis and how loosely dates may follow it."""

    name: PeriodName
    length: float  # one period, in days or in months (`in_months`)
    in_months: bool
    tolerance_days: float  # max spread of the run's residuals
    nominal_days: int  # typical length in days, for grace and expiry
    cycle: int = 1  # slots per repeat of the day-of-month pattern (2 for semi_monthly)


# Tolerances (the spread of a run's residuals, in days): weekly and biweekly 2, i.e. intervals
# of 7±2 and 14±2 (weekday-anchored: only holidays move them, and a tight bound is what tells
# biweekly from semi-monthly); semi-monthly 4 per half (a weekend move plus a late day);
# monthly 6 (same day-of-month ±3); longer periods a little more, their bills follow business
# calendars loosely.
PERIOD_SPECS: tuple[PeriodSpec, ...] = (
    PeriodSpec("weekly", 7, in_months=False, tolerance_days=2.0, nominal_days=7),
    PeriodSpec("biweekly", 14, in_months=False, tolerance_days=2.0, nominal_days=14),
    PeriodSpec("semi_monthly", 0.5, in_months=True, tolerance_days=4.0, nominal_days=15, cycle=2),
    PeriodSpec("monthly", 1, in_months=True, tolerance_days=6.0, nominal_days=30),
    PeriodSpec("quarterly", 3, in_months=True, tolerance_days=7.0, nominal_days=91),
    PeriodSpec("semi_annual", 6, in_months=True, tolerance_days=8.0, nominal_days=182),
    PeriodSpec("annual", 12, in_months=True, tolerance_days=8.0, nominal_days=365),
)
PERIODS: tuple[PeriodName, ...] = tuple(spec.name for spec in PERIOD_SPECS)


def grace_days(spec: PeriodSpec) -> int:
    """Days after the next expected date before a silent series counts as stopped."""
    return math.ceil(GRACE_PERIODS * spec.nominal_days)


Reading = Literal["day", "end", "overflow"]


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and calendar.isleap(year):
        return 29
    return _MONTH_DAYS[month - 1]


def _month(index: int) -> tuple[int, int]:
    """(year, month) of a month counted from year 0."""
    year, month0 = divmod(index, 12)
    return year, month0 + 1


def _move(day: date, months: int, reading: Reading = "day") -> date:
    """`day` moved by whole months, read as a day of month (clamped in short months), as a
    distance to the month end, or as days past the previous month's end (an overflow: the
    28th posted a day late in February is March 1st, in August the 29th).

    An overflow moves the previous month's last day as a day of month, clamped like any
    other, then adds the days past it: Feb 2 (Jan 31 + 2) moves to Mar 2 (Feb 28 + 2), not
    to "Feb 33" (Mar 5), which would drift by the difference in the months' lengths.
    """
    index = day.year * 12 + day.month - 1
    if reading == "overflow":
        last_day = _days_in_month(*_month(index - 1))
        year, month = _month(index - 1 + months)
        clamped = min(last_day, _days_in_month(year, month))
        return date(year, month, clamped) + timedelta(days=day.day)
    year, month = _month(index + months)
    last = _days_in_month(year, month)
    if reading == "end":
        return date(year, month, max(1, last - _days_in_month(day.year, day.month) + day.day))
    return date(year, month, min(day.day, last))


def _readings(spec: PeriodSpec, ref: date) -> tuple[Reading, ...]:
    """How a schedule through `ref` may be read on the calendar."""
    if not spec.in_months:
        return ("day",)
    if ref.day > LATE_IN_MONTH:
        return ("day", "end")
    return ("day", "overflow") if ref.day <= EARLY_IN_MONTH else ("day",)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; the day is clamped, and a month end stays a month end."""
    month_end = day.day == _days_in_month(day.year, day.month)
    return _move(day, months, "end" if month_end else "day")


def _shifted(spec: PeriodSpec, day: date, slots: int, reading: Reading = "day") -> date:
    """`day` moved by `slots` periods of `spec` on the calendar."""
    if spec.in_months:
        return _move(day, round(slots * spec.length), reading)
    return day + timedelta(days=round(slots * spec.length))


@lru_cache(maxsize=1 << 16)
def _axes(day: date) -> tuple[float, float]:
    """`day` on the day axis and on the month axis (cached: a few thousand distinct days
    carry every series)."""
    fraction = (day.day - 1) / _days_in_month(day.year, day.month)
    return float(day.toordinal()), day.year * 12 + day.month - 1 + fraction


@dataclass(frozen=True, slots=True)
class PeriodFit:
    """A period that explains the newest dates: the run, its slots and how well it fits."""

    spec: PeriodSpec
    dates: tuple[date, ...]  # the run, oldest first; the newest date is last
    slots: tuple[int, ...]  # slot of each run date counted from the newest (0, -1, -2, ...)
    skips: int
    spread_days: int
    whole_history: bool  # the run starts at the oldest known date
    after_break: bool  # the date before the run is more than BREAK_PERIODS periods older

    @property
    def period(self) -> PeriodName:
        return self.spec.name

    @property
    def intervals(self) -> int:
        return len(self.dates) - 1

    @property
    def status(self) -> Literal["early", "mature"]:
        """`early` on two consistent occurrences, `mature` from three."""
        return "early" if self.intervals == 1 else "mature"

    def accepted(self) -> bool:
        """Whether the run is strong enough evidence (see the module docstring)."""
        if self.intervals - self.skips < 1:
            return False
        if self.whole_history:
            return True
        return self.intervals >= (3 if self.after_break else 4)

    def rank(self) -> tuple[int, int, int, int]:
        return (-len(self.dates), self.skips, self.spread_days, self.spec.nominal_days)

    def next_date(self) -> date:
        """The next scheduled date, projected from where the schedule put the newest run
        date of its phase: that date moved by the low median of the phase's residuals.

        Residuals rather than projected dates vote, so a date posted across a month boundary
        (Mar 2 for Feb 28) does not drag the prediction; the calendar readings (day of month,
        distance to month end, overflow) compete and the tightest wins.
        """
        votes = [
            (day, slot)
            for day, slot in zip(self.dates, self.slots, strict=True)
            if (1 - slot) % self.spec.cycle == 0
        ][-NEXT_DATE_VOTES:]
        if not votes:  # only possible for a semi-monthly run without an opposite-half date
            return self.dates[-1] + timedelta(days=self.spec.nominal_days)
        ref, ref_slot = votes[-1]
        plans: list[tuple[int, bool, date]] = []
        for reading in _readings(self.spec, ref):
            residuals = [
                (day - _shifted(self.spec, ref, slot - ref_slot, reading)).days
                for day, slot in votes
            ]
            # Where the schedule put the newest vote; projecting from there (not from a
            # date a weekend moved) keeps the day of month when the target month is shorter.
            offset = timedelta(days=median_low(residuals))
            anchor = ref + offset
            month_end = anchor.day == _days_in_month(anchor.year, anchor.month)
            natural = "end" if self.spec.in_months and month_end else "day"
            if (anchor.year, anchor.month) == (ref.year, ref.month):
                target = _shifted(self.spec, anchor, 1 - ref_slot, reading)
            else:
                # An anchor in another month is another reading (Feb 28 + 1 is Mar 1, the
                # 1st: the 29th would move to Apr 1): project ref, then add the offset.
                target = _shifted(self.spec, ref, 1 - ref_slot, reading) + offset
            plans.append((max(residuals) - min(residuals), reading != natural, target))
        return min(plans)[2]  # the tightest reading; on ties the natural one


def _residual(spec: PeriodSpec, ref: date, slots_back: int, day: date) -> int:
    """Days `day` lies after the date `slots_back` periods before `ref`, on the calendar.

    Month-based: whichever reading of `ref` (see `_readings`) puts `day` nearest: a
    last-business-day series seen from Friday the 26th keeps the distance to the month end, a
    28th-31st series seen from Feb 28 too, the 28th seen from March 1st overflows February.
    """
    return min(
        (
            (day - _shifted(spec, ref, -slots_back, reading)).days
            for reading in _readings(spec, ref)
        ),
        key=abs,
    )


def _fit(spec: PeriodSpec, days: Sequence[date], axis: Sequence[float]) -> PeriodFit | None:
    """The longest run of `days` (sorted, unique) ending at the newest that follows `spec`.

    Slots come from the period axis; residuals from calendar arithmetic against the newest
    date of the same phase (for semi-monthly, each half of the month on its own, so months
    of 28-31 days add no spread), whose first date must sit about half a period off.
    `axis` holds the dates on the spec's axis.
    """
    unit = DAYS_PER_MONTH if spec.in_months else 1.0
    newest = len(days) - 1
    # Per phase (slot % cycle): reference date, its slot, lowest and highest residual.
    phases: dict[int, tuple[date, int, int, int]] = {0: (days[newest], 0, 0, 0)}
    start, prev_slot, skips = newest, 0, 0
    slots = [0]
    after_break = False
    for i in range(newest - 1, -1, -1):
        if (axis[i + 1] - axis[i]) / spec.length > BREAK_PERIODS:
            after_break = True
            break
        periods = (axis[newest] - axis[i]) / spec.length
        slot = round(periods)
        step = slot - prev_slot
        if step <= 0 or step > 2 or (step == 2 and skips):
            break
        phase = slot % spec.cycle
        if phase in phases:
            ref, ref_slot, low, high = phases[phase]
            residual = _residual(spec, ref, slot - ref_slot, days[i])
        elif abs(periods - slot) * spec.length * unit > PHASE_OFFSET_DAYS:
            break
        else:  # the first date of another phase becomes that phase's reference
            ref, ref_slot, low, high, residual = days[i], slot, 0, 0, 0
        if max(high, residual) - min(low, residual) > spec.tolerance_days:
            break
        phases[phase] = (ref, ref_slot, min(low, residual), max(high, residual))
        skips += step == 2
        start, prev_slot = i, slot
        slots.append(-slot)
    if start == newest or (start == newest - 1 and skips):
        return None  # no interval that is not a skip: never accepted (most specs end here)
    fit = PeriodFit(
        spec=spec,
        dates=tuple(days[start:]),
        slots=tuple(reversed(slots)),
        skips=skips,
        spread_days=max(high - low for _, _, low, high in phases.values()),
        whole_history=start == 0,
        after_break=after_break,
    )
    return fit if fit.accepted() else None


def detect_period(days: Sequence[date]) -> PeriodFit | None:
    """The best accepted period for a series' dates (any order, repeats ignored), else None."""
    unique = tuple(sorted(set(days)))
    return _detect(unique) if len(unique) > 1 else None


# Consecutive calls see the same histories (a row's view, then the next row's expiry check).
@lru_cache(maxsize=4096)
def _detect(days: tuple[date, ...]) -> PeriodFit | None:
    on_axes = [_axes(day) for day in days]
    axes = {flag: [pair[flag] for pair in on_axes] for flag in (False, True)}
    best: PeriodFit | None = None
    for spec in PERIOD_SPECS:
        fit = _fit(spec, days, axes[spec.in_months])
        if fit is not None and (best is None or fit.rank() < best.rank()):
            best = fit
    return best
