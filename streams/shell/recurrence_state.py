"""Recurrence state in the worker's partition store: series, and each account's index.

Two kinds of keys, both in the partition of the raw record that changed them, so an
account's state lives with the worker that owns the account's partition:
- ``s/<group_id>``: the series state (bounded: the last K occurrences);
- ``a/<account_id>``: the account's live series, each with the last day it lives without a
  new occurrence, and the account's newest event date (the clock that expires stopped
  series). A batch that touches an account decides which of its series expired from this
  index alone: the other series are neither read nor parsed.
Values are msgpack arrays with dates as day ordinals (``date.toordinal``), led by a format
number; the maps of the first format (ISO dates) and the arrays of the second are still read,
so state written by an older worker restores. A batch's changes are planned here, then
written to the changelog and, once acknowledged, to disk (``state_store``).

Replays read the state as it was before them. A worker that dies after its batch's state
reached the changelog but before the batch's offsets were committed replays the batch on
a state that already holds it; the transaction ids make that safe for counting, but a
series whose older occurrences the batch evicted could not give its rows their first
fields again. So a series value (format 3) also records the raw offset of the newest row
that changed it and the state before that batch: a batch whose rows on that partition
start at or before that offset is a replay, and reads the state before. Offsets are
committed batch by batch, so only the one uncommitted batch can be replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import msgpack

from streams.core.recurrence import SeriesState, expires_after, replay_safe_as_of, series_summary
from streams.core.types import InboundMessage
from streams.shell.processor import SeriesUpdate
from streams.shell.state_store import PartitionStore, StateChange

__all__ = [
    "AccountIndex",
    "BatchState",
    "RecurrenceState",
    "StoredSeries",
    "decode_account",
    "decode_series",
    "decode_stored",
    "encode_account",
    "encode_series",
    "seed_changes",
]

_SERIES: Final = b"s/"
_ACCOUNTS: Final = b"a/"
# The first element of every value; format 1 was a msgpack map. Series are at format 3
# (format 2 plus the replay fields), account indexes at format 2.
_SERIES_FORMAT: Final = 3
_ACCOUNT_FORMAT: Final = 2


def _pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def _unpack(value: bytes) -> Any:
    return msgpack.unpackb(value, raw=False)


@dataclass(frozen=True, slots=True)
class StoredSeries:
    """A series value: the state, the raw offset of the newest row that changed it (None
    before format 3) and the state before that row's batch (None: the batch began it)."""

    state: SeriesState
    last_offset: int | None = None
    before: SeriesState | None = None


def _body(state: SeriesState) -> list[Any]:
    return [
        state.group_id,
        state.account_id,
        state.direction,
        state.counterparty_key,
        [day.toordinal() for day in state.dates],
        state.amounts,
        state.transaction_ids,
        [day.toordinal() for day in state.segment_starts],
        state.evicted,
    ]


def _state(body: Sequence[Any]) -> SeriesState:
    gid, account, direction, counterparty, days, amounts, tids, starts, evicted = body
    return SeriesState(
        group_id=gid,
        account_id=account,
        direction=direction,
        counterparty_key=counterparty,
        dates=tuple(map(date.fromordinal, days)),
        amounts=tuple(amounts),
        transaction_ids=tuple(tids),
        segment_starts=tuple(map(date.fromordinal, starts)),
        evicted=evicted,
    )


def encode_series(
    state: SeriesState, last_offset: int | None = None, before: SeriesState | None = None
) -> bytes:
    """A series value: ``[3, group, account, direction, counterparty, dates, amounts,
    transaction ids, segment starts, evicted, last offset, before]``, dates as day
    ordinals, ``before`` the same nine fields (or nil)."""
    return _pack(
        [
            _SERIES_FORMAT,
            *_body(state),
            last_offset,
            _body(before) if before is not None else None,
        ]
    )


def decode_stored(value: bytes) -> StoredSeries:
    """The inverse of :func:`encode_series`; also reads formats 1 (``SeriesState.to_dict``)
    and 2 (no replay fields)."""
    data = _unpack(value)
    if isinstance(data, dict):
        return StoredSeries(SeriesState.from_dict(data))
    if data[0] == 2:
        return StoredSeries(_state(data[1:10]))
    before = data[11]
    return StoredSeries(_state(data[1:10]), data[10], _state(before) if before else None)


def decode_series(value: bytes) -> SeriesState:
    """The state of a series value (see :func:`decode_stored`)."""
    return decode_stored(value).state


@dataclass(frozen=True, slots=True)
class AccountIndex:
    """An account's newest event date and its live series with their expiry dates
    (``expires_after``); an expiry is None where a format-1 value did not record it."""

    newest: date
    expiries: dict[str, date | None]


def encode_account(index: AccountIndex) -> bytes:
    """``[2, newest, {group: expiry}]``, dates as day ordinals."""
    expiries = {gid: day.toordinal() if day else None for gid, day in index.expiries.items()}
    return _pack([_ACCOUNT_FORMAT, index.newest.toordinal(), expiries])


def decode_account(value: bytes) -> AccountIndex:
    """The inverse of :func:`encode_account`; also reads format 1 (``{"groups": [...],
    "newest": ISO date}``), whose series have no recorded expiry."""
    data = _unpack(value)
    if isinstance(data, dict):
        return AccountIndex(date.fromisoformat(data["newest"]), dict.fromkeys(data["groups"]))
    _, newest, expiries = data
    return AccountIndex(
        date.fromordinal(newest),
        {gid: date.fromordinal(day) if day is not None else None for gid, day in expiries.items()},
    )


class RecurrenceState:
    """Reads series states, plans a batch's writes (``batch``), answers account queries."""

    def __init__(self, store: PartitionStore) -> None:
        self._store = store

    def lookup(self, group_ids: Iterable[str]) -> dict[str, SeriesState]:
        """Current states for the group ids that have one (in any owned partition)."""
        keys = {_SERIES + gid.encode(): gid for gid in group_ids}
        return {
            keys[key]: decode_series(value) for key, (_, value) in self._store.get(keys).items()
        }

    def batch(self, messages: Sequence[InboundMessage]) -> BatchState:
        """The state as ``messages`` must read it, and the planner of their writes."""
        return BatchState(self._store, messages, self.lookup)

    def recurring(self, account: str) -> dict[str, Any] | None:
        """The account's active series, None when no owned partition knows the account."""
        found = self._store.get([_ACCOUNTS + account.encode()])
        if not found:
            return None
        _, stored = next(iter(found.values()))
        index = decode_account(stored)
        as_of = index.newest
        summaries = [
            {
                **series_summary(state, as_of),
                "direction": state.direction,
                # "m:<merchant id>" or "t:<cleaned counterparty text>"
                "counterparty": state.counterparty_key.split(":", 1)[-1],
            }
            for state in self.lookup(index.expiries).values()
        ]
        active = [s for s in summaries if s["is_active"]]
        active.sort(key=lambda s: (s["next_expected_date"] or "", s["group_id"]))
        return {"account_id": account, "as_of": as_of.isoformat(), "series": active}


class BatchState:
    """One batch's view: each series as it was before the batch (a replayed batch reads the
    state before its first run), remembered so that the writes record it."""

    def __init__(
        self,
        store: PartitionStore,
        messages: Sequence[InboundMessage],
        current: Callable[[Iterable[str]], dict[str, SeriesState]],
    ) -> None:
        self._store, self._messages, self._current = store, messages, current
        self._starts: dict[int, int] = {}
        for message in messages:
            start = self._starts.get(message.partition)
            if start is None or message.offset < start:
                self._starts[message.partition] = message.offset
        self._before: dict[str, SeriesState | None] = {}

    def lookup(self, group_ids: Iterable[str]) -> dict[str, SeriesState]:
        """States for the group ids that have one, as of the batch's first rows."""
        keys = {_SERIES + gid.encode(): gid for gid in group_ids}
        found = self._store.get(keys)
        states: dict[str, SeriesState] = {}
        for key, gid in keys.items():
            state: SeriesState | None = None
            if key in found:
                partition, value = found[key]
                stored = decode_stored(value)
                start = self._starts.get(partition)
                last = stored.last_offset
                replayed = last is not None and start is not None and last >= start
                state = stored.before if replayed else stored.state
            self._before.setdefault(gid, state)
            if state is not None:
                states[gid] = state
        return states

    def plan(self, updates: Sequence[SeriesUpdate]) -> list[StateChange]:
        """The writes for the batch's changed states: each series (with the row that changed
        it last and its state before the batch), each touched account's index, and the
        deletion of series that expired. Nothing is written here; only the touched
        accounts' indexes are read."""
        changes: dict[tuple[int, bytes], bytes | None] = {}
        touched: dict[str, tuple[int, dict[str, date | None], date]] = {}
        missing = [u.state.group_id for u in updates if u.state.group_id not in self._before]
        if missing:  # never read through `lookup` (not expected): read them now
            self.lookup(missing)
        for update in updates:
            state = update.state
            row = self._messages[update.row]
            before = self._before.get(state.group_id)
            changes[(row.partition, _SERIES + state.group_id.encode())] = encode_series(
                state, row.offset, before
            )
            _, expiries, newest = touched.get(state.account_id, (row.partition, {}, date.min))
            expiries[state.group_id] = expires_after(state)
            touched[state.account_id] = (row.partition, expiries, max(newest, state.dates[-1]))
        for account, (partition, changed, seen) in touched.items():
            key = _ACCOUNTS + account.encode()
            stored = self._store.get_in(partition, key)
            index = decode_account(stored) if stored is not None else AccountIndex(seen, {})
            expiries = {**index.expiries, **changed}
            unknown = [gid for gid, day in expiries.items() if day is None]
            if unknown:  # a format-1 index: its series' expiries are read once, then kept
                for gid, known in self._current(unknown).items():
                    expiries[gid] = expires_after(known)
            kept, expired = _live_series(expiries, max(seen, index.newest))
            for gid in expired:
                changes[(partition, _SERIES + gid.encode())] = None
            changes[(partition, key)] = encode_account(kept)
        return [StateChange(p, key, value) for (p, key), value in changes.items()]


def _live_series(expiries: dict[str, date | None], newest: date) -> tuple[AccountIndex, list[str]]:
    """An account's index as of its ``newest`` event date, and its series that expired."""
    as_of = replay_safe_as_of(newest)
    kept = {gid: day for gid, day in expiries.items() if day is not None and as_of <= day}
    return AccountIndex(newest, dict(sorted(kept.items()))), sorted(set(expiries) - set(kept))


def seed_changes(
    states: Iterable[SeriesState], partition_of: Callable[[str], int]
) -> list[StateChange]:
    """The state a live worker would hold after the series ``states`` (an account's whole
    history, say, from a backfill): each live series and each account's index, in the raw
    partition ``partition_of(account)``. Expired series are left out. Written to the
    worker's changelog before the worker owns those partitions, it is restored as its own."""
    by_account: dict[str, list[SeriesState]] = {}
    for state in states:
        by_account.setdefault(state.account_id, []).append(state)
    changes: list[StateChange] = []
    for account, series in sorted(by_account.items()):
        partition = partition_of(account)
        expiries = {state.group_id: expires_after(state) for state in series}
        index, expired = _live_series(expiries, max(state.dates[-1] for state in series))
        gone = set(expired)
        changes += [
            StateChange(partition, _SERIES + state.group_id.encode(), encode_series(state))
            for state in sorted(series, key=lambda state: state.group_id)
            if state.group_id not in gone
        ]
        changes.append(StateChange(partition, _ACCOUNTS + account.encode(), encode_account(index)))
    return changes
