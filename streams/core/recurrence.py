"""Account-level recurrence: (series states, enriched batch) -> (changed states, batch + columns).

Pure: polars and the standard library, no I/O. The shell keeps the states in a table keyed by
``group_id`` (the raw topic is keyed by account, so an account's series are local to a worker).

Series
    One series per (account_id, direction, counterparty key); the key is ``merchant_id`` when
    the catalogue named a merchant, else the cleaned counterparty text (else the description).
    ``group_id`` is the SHA-1 hex of that triple: the same in every process. A release
    that cleans counterparties differently gives text-keyed series new keys (README,
    Models: "Upgrading"; ``backfill --seed-live-state`` carries their history over).
    Refunds are credits, so they never disturb the debit series of the same merchant.

State (bounded)
    :class:`SeriesState` keeps the newest :data:`SERIES_HISTORY` occurrences (date, amount,
    transaction_id) sorted by (date, transaction_id), the dates where the series restarted
    (``segment_starts``, see below) and how many evicted occurrences the oldest segment had.

Event time
    Rows are applied one by one in batch order, so any split of the same stream into batches
    gives identical output. A row's fields depend only on its series' occurrences dated
    *strictly before* it plus itself (never on later ones, nor on same-day siblings), so a
    live run and a backfill over the same transactions in date order give identical fields,
    whatever the order within a day. A late row is inserted at its date: it gets the fields
    of its own date, and later rows see it (restarts after it are re-derived, so a gap that
    looked like a stop until the late row came is mended). A row older than a full window is
    reported alone (one occurrence, no period) and leaves the state as is. A transaction_id
    already in the state is a replay: nothing is counted, and the stored occurrence's fields
    are recomputed (as first emitted, unless newer occurrences evicted its history since).

Fields (see :mod:`streams.core.recurrence_period` for period detection)
    ``period`` null unless the dates follow a schedule (a run of two or three dates, or one
    that leaves older dates out, also needs amounts that agree: :data:`SHORT_RUN_SPREAD`,
    :data:`PARTIAL_RUN_SPREAD`);
    ``status`` ``early`` (two consistent occurrences), ``mature`` (three or more),
    ``tombstoned`` (only in :func:`series_summary`: a row is itself an occurrence);
    ``expected_amount`` the median of the last 3 amounts (a price rise wins after two
    charges); ``amount_varies`` when the last 6 amounts spread over 5 % of their median;
    ``occurrences`` the segment's count up to and including the row; ``last_date`` the row's
    date; ``is_active`` period known and not tombstoned.

Tombstones, restarts and expiry
    A series is tombstoned once ``as_of`` passes next_expected_date + 1.5 periods (one skipped
    period plus slack; e.g. 45 days for monthly). A series *expires* when a mature period
    explains its whole current segment and it is tombstoned, or, otherwise, after
    :data:`IDLE_EXPIRY_DAYS` without an occurrence (or at its tombstone, if later: an early
    annual series survives a skipped year). An occurrence dated after that point starts
    a new segment: history before it no longer counts (occurrences restart at 1). Segments are
    derived from the dates alone, so :func:`expire`, which drops expired states to bound
    memory, changes no output for rows dated on or after its ``as_of``. Call it with as_of =
    the newest event date seen for the account (or the wall date, accepting that a row older
    than that may then start a fresh series).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left, insort
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any

import polars as pl

from streams.core.recurrence_period import PeriodFit, detect_period, grace_days

__all__ = [
    "AMOUNT_VARIES_RATIO",
    "IDLE_EXPIRY_DAYS",
    "PARTIAL_RUN_SPREAD",
    "RECURRENCE_COLUMNS",
    "REPLAY_MARGIN_DAYS",
    "SERIES_HISTORY",
    "SHORT_RUN_SPREAD",
    "SeriesState",
    "counterparty_key",
    "expire",
    "expires_after",
    "group_id",
    "recurrence_record",
    "recurrence_struct",
    "replay_safe_as_of",
    "series_key",
    "series_summary",
    "update_recurrence",
]

SERIES_HISTORY = 12  # last K occurrences kept per series
# A series without a mature period is dropped after this long without an occurrence: longer
# than a year plus the annual tolerance, so an annual payment seen once still finds its series.
IDLE_EXPIRY_DAYS = 400
# How far (event time) a stream may run ahead of its committed offsets and still replay
# exactly: see :func:`replay_safe_as_of`.
REPLAY_MARGIN_DAYS = 366
AMOUNT_VARIES_RATIO = Decimal("0.05")
EXPECTED_AMOUNT_WINDOW = 3
AMOUNT_VARIES_WINDOW = 6
# Short runs need amounts that look like one bill: two or three visits to one shop fit some
# period by chance. Two dates: the same amount to the cent (a subscription, a salary, a
# rent; two shop visits within a few percent of each other are common enough to fool any
# looser bound); three: a spread (max - min) within half their median (a bill that moves
# +-25 % around its level, or a price rise); four or more dates: the schedule alone.
SHORT_RUN_SPREAD: dict[int, Decimal] = {2: Decimal(0), 3: Decimal("0.5")}
# A longer run that explains only the newest of the dates (older ones fit no schedule) needs
# amounts within the same bound: the last few of many irregular visits to one shop can fall
# a week apart by chance; a bill that became regular keeps one level.
PARTIAL_RUN_SPREAD = Decimal("0.5")

RECURRENCE_COLUMNS: dict[str, pl.DataType] = {
    "recurrence_group_id": pl.String(),
    "recurrence_period": pl.String(),
    "recurrence_expected_amount": pl.String(),
    "recurrence_amount_varies": pl.Boolean(),
    "recurrence_last_date": pl.String(),
    "recurrence_next_expected_date": pl.String(),
    "recurrence_occurrences": pl.Int64(),
    "recurrence_status": pl.String(),
    "recurrence_is_active": pl.Boolean(),
}
_PREFIX = "recurrence_"


@dataclass(frozen=True, slots=True)
class SeriesState:
    """What recurrence keeps per series: the newest occurrences, sorted by (date, id)."""

    group_id: str
    account_id: str
    direction: str
    counterparty_key: str
    dates: tuple[date, ...] = ()
    amounts: tuple[str, ...] = ()
    transaction_ids: tuple[str, ...] = ()
    segment_starts: tuple[date, ...] = ()  # kept dates where the series restarted
    evicted: int = 0  # evicted occurrences of the oldest kept segment

    def segment_index(self, day: date) -> int:
        """Index of the first kept occurrence of the segment holding `day`."""
        starts = [start for start in self.segment_starts if start <= day]
        return bisect_left(self.dates, starts[-1]) if starts else 0

    def carried(self, index: int) -> int:
        """Evicted occurrences that belong to the segment starting at kept `index`."""
        if index or (self.dates and self.dates[0] in self.segment_starts):
            return 0
        return self.evicted

    @property
    def occurrences(self) -> int:
        """Occurrences of the current (newest) segment."""
        index = self.segment_index(self.dates[-1]) if self.dates else 0
        return self.carried(index) + len(self.dates) - index

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for a table's changelog); inverse of :meth:`from_dict`."""
        return {
            "group_id": self.group_id,
            "account_id": self.account_id,
            "direction": self.direction,
            "counterparty_key": self.counterparty_key,
            "dates": [day.isoformat() for day in self.dates],
            "amounts": list(self.amounts),
            "transaction_ids": list(self.transaction_ids),
            "segment_starts": [day.isoformat() for day in self.segment_starts],
            "evicted": self.evicted,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeriesState:
        return cls(
            group_id=str(data["group_id"]),
            account_id=str(data["account_id"]),
            direction=str(data["direction"]),
            counterparty_key=str(data["counterparty_key"]),
            dates=tuple(date.fromisoformat(day) for day in data["dates"]),
            amounts=tuple(str(amount) for amount in data["amounts"]),
            transaction_ids=tuple(str(tid) for tid in data["transaction_ids"]),
            segment_starts=tuple(date.fromisoformat(d) for d in data.get("segment_starts", ())),
            evicted=int(data["evicted"]),
        )


def group_id(account_id: str, direction: str, counterparty: str) -> str:
    """Stable series id: SHA-1 of the JSON triple (unambiguous whatever the ids contain)."""
    payload = json.dumps([account_id, direction, counterparty], ensure_ascii=True)
    return hashlib.sha1(payload.encode("ascii")).hexdigest()


def counterparty_key(columns: list[str] | tuple[str, ...]) -> pl.Expr:
    """Expression for the counterparty part of the series key, given the frame's columns.

    Prefixed so a merchant id can never collide with a cleaned text.
    """

    def text(name: str) -> pl.Expr:
        if name not in columns:
            return pl.lit(None, dtype=pl.String)
        value = pl.col(name).cast(pl.String).str.strip_chars()
        return pl.when(value.str.len_chars() > 0).then(value)

    return pl.coalesce(
        pl.lit("m:") + text("merchant_id"),
        pl.lit("t:") + text("counterparty_clean"),
        pl.lit("d:") + text("description").str.to_uppercase(),
        pl.lit("d:"),
    )


def _series_keys(frame: pl.DataFrame) -> tuple[list[str], list[str]]:
    """Counterparty key and group_id of every row (hashed once per distinct series)."""
    keys = frame.select(
        pl.col("account_id"), pl.col("direction"), counterparty_key(frame.columns).alias("cp")
    )
    cache: dict[tuple[str, str, str], str] = {}
    ids: list[str] = []
    for row in keys.iter_rows():
        if row not in cache:
            cache[row] = group_id(*row)
        ids.append(cache[row])
    return keys.get_column("cp").to_list(), ids


def series_key(frame: pl.DataFrame) -> pl.Series:
    """The group_id of every row (String, row order kept)."""
    return pl.Series("recurrence_group_id", _series_keys(frame)[1], dtype=pl.String)


# A series' amount windows repeat from row to row (a subscription's price): cached.
@lru_cache(maxsize=4096)
def _median(amounts: tuple[str, ...]) -> str:
    """Median of decimal strings; an even count averages, at the inputs' finest precision."""
    values = sorted(Decimal(a) for a in amounts)
    mid = len(values) // 2
    if len(values) % 2:
        return format(values[mid], "f")
    exponent = min(int(v.as_tuple().exponent) for v in values)
    mean = (values[mid - 1] + values[mid]) / 2
    return format(mean.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN), "f")


@lru_cache(maxsize=4096)
def _spread(amounts: tuple[str, ...]) -> Decimal:
    """(max - min) / median of decimal strings (non-negative, as validation admits them); 0
    for equal amounts, infinite when the median is 0 and they differ."""
    values = [Decimal(a) for a in amounts]
    middle = Decimal(_median(amounts))
    spread = max(values) - min(values)
    if middle <= 0:
        return Decimal(0) if spread == 0 else Decimal("Infinity")
    return spread / middle


def _varies(amounts: tuple[str, ...]) -> bool:
    return _spread(amounts) > AMOUNT_VARIES_RATIO


def _amounts_agree(fit: PeriodFit, dates: list[date], amounts: list[str]) -> bool:
    """Whether the run's amounts look like one bill's (SHORT_RUN_SPREAD, PARTIAL_RUN_SPREAD);
    ``dates`` and ``amounts`` oldest first, the run being the newest of the dates.

    The run holds distinct dates, a series may have several occurrences on one day: every
    amount dated from the run's first day counts (a count of the run's dates would leave
    the oldest out and compare a same-day sibling instead)."""
    limit = SHORT_RUN_SPREAD.get(len(fit.dates), None if fit.whole_history else PARTIAL_RUN_SPREAD)
    if limit is None:
        return True
    return _spread(tuple(amounts[bisect_left(dates, fit.dates[0]) :])) <= limit


def _fields(
    gid: str, dates: list[date], amounts: list[str], occurrences: int, as_of: date | None
) -> dict[str, Any]:
    """The recurrence record for a view: dates/amounts oldest first, the subject last."""
    fit = detect_period(dates)
    if fit is not None and not _amounts_agree(fit, dates, amounts):
        fit = None  # visits at different prices that fit a schedule by chance
    status: str | None = None
    next_date: date | None = None
    if fit is not None:
        next_date = fit.next_date()
        status = fit.status
        if as_of is not None and as_of > next_date + timedelta(days=grace_days(fit.spec)):
            status = "tombstoned"
    return {
        "group_id": gid,
        "period": fit.period if fit is not None else None,
        "expected_amount": _median(tuple(amounts[-EXPECTED_AMOUNT_WINDOW:])),
        "amount_varies": _varies(tuple(amounts[-AMOUNT_VARIES_WINDOW:])),
        "last_date": dates[-1].isoformat(),
        "next_expected_date": next_date.isoformat() if next_date is not None else None,
        "occurrences": occurrences,
        "status": status,
        "is_active": status in ("early", "mature"),
    }


def series_summary(state: SeriesState, as_of: date | None = None) -> dict[str, Any]:
    """The series' current segment as of its newest occurrence; tombstoned past its grace.

    Same keys as the enriched record's `recurrence`; for the recurring-payments query.
    """
    if not state.dates:
        raise ValueError(f"series {state.group_id} has no occurrences")
    index = state.segment_index(state.dates[-1])
    return _fields(
        state.group_id,
        list(state.dates[index:]),
        list(state.amounts[index:]),
        state.occurrences,
        as_of,
    )


def _expiry(segment: list[date] | tuple[date, ...]) -> date:
    """Last day a segment (dates, oldest first) lives without a new occurrence."""
    fit: PeriodFit | None = detect_period(segment)
    idle = segment[-1] + timedelta(days=IDLE_EXPIRY_DAYS)
    if fit is None:
        return idle
    stopped = fit.next_date() + timedelta(days=grace_days(fit.spec))
    # Only a mature period over the whole segment ends it early: noise keeps its history.
    return stopped if fit.status == "mature" and fit.whole_history else max(stopped, idle)


def expires_after(state: SeriesState) -> date | None:
    """Last day the series lives without a new occurrence (None for an empty state)."""
    if not state.dates:
        return None
    return _expiry(state.dates[state.segment_index(state.dates[-1]) :])


def replay_safe_as_of(newest: date) -> date:
    """The ``as_of`` to :func:`expire` with when ``newest`` is the account's newest event date
    and rows may be replayed.

    Under at-least-once delivery a worker's table changes reach the changelog before its
    offsets are committed, so after a crash the rows since the last commit are replayed
    against state that already holds them and anything later. A replayed row finds its own
    occurrence and is reported as first emitted, unless a later row of the same account let
    its series expire and be dropped: the replay would then start a fresh series. Dropping
    only series that expired ``REPLAY_MARGIN_DAYS`` before the newest date keeps every replay
    exact unless the uncommitted rows of one account span more than that in event time
    (seconds of commit interval, even in a fast backfill). Outputs of rows that are not
    replays are unchanged: an expired series that is kept restarts exactly as a dropped one.
    """
    return newest - timedelta(days=REPLAY_MARGIN_DAYS)


def expire(states: Mapping[str, SeriesState], as_of: date) -> dict[str, SeriesState]:
    """`states` without the series that expired before `as_of` (see the module docstring)."""
    kept: dict[str, SeriesState] = {}
    for key, state in states.items():
        last = expires_after(state)
        if last is not None and as_of <= last:
            kept[key] = state
    return kept


def _restarts(dates: list[date], starts: list[date], first: int) -> list[date]:
    """Segment starts with those from index `first` on re-derived from the dates.

    Scanning oldest first, an occurrence newer than its predecessor starts a segment when it
    falls after the expiry of the segment so far; starts before `first` cannot change.
    """
    starts = [start for start in starts if start < dates[first]]
    segment = bisect_left(dates, starts[-1]) if starts else 0
    for j in range(max(first, 1), len(dates)):
        if dates[j] > dates[j - 1] and dates[j] > _expiry(dates[segment:j]):
            starts.append(dates[j])
            segment = j
    return starts


def _insert(state: SeriesState, tid: str, day: date, amount: str) -> SeriesState | None:
    """The state with the occurrence added, or None when it is too old to place."""
    items = list(zip(state.dates, state.transaction_ids, state.amounts, strict=True))
    if len(items) >= SERIES_HISTORY and (day, tid) < items[0][:2]:
        return None
    insort(items, (day, tid, amount))
    dates = [item[0] for item in items]
    starts = _restarts(dates, list(state.segment_starts), bisect_left(dates, day))
    evicted = state.evicted
    if len(items) > SERIES_HISTORY:  # one at a time: each call adds one occurrence
        gone, items = items[0][0], items[1:]
        # The evicted occurrence counts for the oldest kept segment only if it was in it.
        evicted = 0 if items[0][0] in starts else (1 if gone in starts else evicted + 1)
        starts = [start for start in starts if start >= items[0][0]]
    return replace(
        state,
        dates=tuple(item[0] for item in items),
        transaction_ids=tuple(item[1] for item in items),
        amounts=tuple(item[2] for item in items),
        segment_starts=tuple(starts),
        evicted=evicted,
    )


def _row_fields(state: SeriesState, day: date, amount: str) -> dict[str, Any]:
    """Fields of an occurrence: earlier-dated occurrences of its segment, plus itself."""
    index = state.segment_index(day)
    before = max(bisect_left(state.dates, day), index)
    return _fields(
        state.group_id,
        [*state.dates[index:before], day],
        [*state.amounts[index:before], amount],
        state.carried(index) + before - index + 1,
        None,
    )


def update_recurrence(
    states: Mapping[str, SeriesState], batch: pl.DataFrame
) -> tuple[dict[str, SeriesState], pl.DataFrame]:
    """Apply a batch to the series states, in row order.

    `batch` needs transaction_id, account_id, direction, amount (decimal string) and date
    (YYYY-MM-DD string or Date); merchant_id, counterparty_clean and description feed the
    series key when present. Returns the states that changed (by group_id) and `batch` with
    RECURRENCE_COLUMNS added, rows in the same order. `states` is not modified.
    """
    cp, keys = _series_keys(batch)
    rows = batch.select("transaction_id", "account_id", "direction", "amount", "date")
    changed: dict[str, SeriesState] = {}
    out: dict[str, list[Any]] = {name: [] for name in RECURRENCE_COLUMNS}
    for (tid, account, direction, amount, day_text), gid, counterparty in zip(
        rows.iter_rows(), keys, cp, strict=True
    ):
        day = day_text if isinstance(day_text, date) else date.fromisoformat(day_text)
        state = changed.get(gid) or states.get(gid)
        if state is None:
            state = SeriesState(gid, account, direction, counterparty)
        if tid in state.transaction_ids:  # a replay: report the stored occurrence
            index = state.transaction_ids.index(tid)
            fields = _row_fields(state, state.dates[index], state.amounts[index])
        else:
            updated = _insert(state, tid, day, amount)
            if updated is None:  # older than the whole kept window
                fields = _fields(gid, [day], [amount], 1, None)
            else:
                changed[gid] = updated
                fields = _row_fields(updated, day, amount)
        for name, value in fields.items():
            out[_PREFIX + name].append(value)
    return changed, batch.with_columns(
        pl.Series(name, out[name], dtype=dtype) for name, dtype in RECURRENCE_COLUMNS.items()
    )


def recurrence_record(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The enriched v1 `recurrence` object from a row's flat columns (None if never run)."""
    if row.get("recurrence_group_id") is None:
        return None
    return {name.removeprefix(_PREFIX): row[name] for name in RECURRENCE_COLUMNS}


def recurrence_struct() -> pl.Expr:
    """The same object as a polars struct column named `recurrence`."""
    return pl.struct(
        *(pl.col(name).alias(name.removeprefix(_PREFIX)) for name in RECURRENCE_COLUMNS)
    ).alias("recurrence")
