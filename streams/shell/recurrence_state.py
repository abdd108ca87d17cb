"""Recurrence state in the worker's partition store: series, and each account's index.

Two kinds of keys, both in the partition of the raw record that changed them, so an
account's state lives with the worker that owns the account's partition:
- ``s/<group_id>``: the series state (bounded: the last K occurrences);
- ``a/<account_id>``: the account's live series, each with the last day it lives without a
  new occurrence, and the account's newest event date (the clock that expires stopped
  series). A batch that touches an account decides which of its series expired from this
  index alone: the other series are neither read nor parsed.
Values are msgpack arrays with dates as day ordinals (``date.toordinal``), led by a format
number; the maps of the first format (ISO dates) are still read, so state written by an
older worker restores. A batch's changes are planned here, then written to the changelog
and, once acknowledged, to disk (``state_store``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    "RecurrenceState",
    "decode_account",
    "decode_series",
    "encode_account",
    "encode_series",
]

_SERIES: Final = b"s/"
_ACCOUNTS: Final = b"a/"
_FORMAT: Final = 2  # the first element of every value; format 1 was a msgpack map


def _pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def _unpack(value: bytes) -> Any:
    return msgpack.unpackb(value, raw=False)


def encode_series(state: SeriesState) -> bytes:
    """A series state as stored: ``[2, group, account, direction, counterparty, dates,
    amounts, transaction ids, segment starts, evicted]``, dates as day ordinals."""
    return _pack(
        [
            _FORMAT,
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
    )


def decode_series(value: bytes) -> SeriesState:
    """The inverse of :func:`encode_series`; also reads format 1 (``SeriesState.to_dict``)."""
    data = _unpack(value)
    if isinstance(data, dict):
        return SeriesState.from_dict(data)
    _, gid, account, direction, counterparty, days, amounts, tids, starts, evicted = data
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


@dataclass(frozen=True, slots=True)
class AccountIndex:
    """An account's newest event date and its live series with their expiry dates
    (``expires_after``); an expiry is None where a format-1 value did not record it."""

    newest: date
    expiries: dict[str, date | None]


def encode_account(index: AccountIndex) -> bytes:
    """``[2, newest, {group: expiry}]``, dates as day ordinals."""
    expiries = {gid: day.toordinal() if day else None for gid, day in index.expiries.items()}
    return _pack([_FORMAT, index.newest.toordinal(), expiries])


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
    """Reads series states for a batch, plans its writes, answers account queries."""

    def __init__(self, store: PartitionStore) -> None:
        self._store = store

    def lookup(self, group_ids: Iterable[str]) -> dict[str, SeriesState]:
        """States for the group ids that have one (in any owned partition)."""
        keys = {_SERIES + gid.encode(): gid for gid in group_ids}
        return {
            keys[key]: decode_series(value) for key, (_, value) in self._store.get(keys).items()
        }

    def plan(
        self, updates: Sequence[SeriesUpdate], messages: Sequence[InboundMessage]
    ) -> list[StateChange]:
        """The writes for a batch's changed states: each series, each touched account's
        index, and the deletion of series that expired. Nothing is written here; only the
        touched accounts' indexes are read."""
        changes: dict[tuple[int, bytes], bytes | None] = {}
        touched: dict[str, tuple[int, dict[str, date | None], date]] = {}
        for update in updates:
            state = update.state
            partition = messages[update.row].partition
            changes[(partition, _SERIES + state.group_id.encode())] = encode_series(state)
            _, expiries, newest = touched.get(state.account_id, (partition, {}, date.min))
            expiries[state.group_id] = expires_after(state)
            touched[state.account_id] = (partition, expiries, max(newest, state.dates[-1]))
        for account, (partition, changed, seen) in touched.items():
            key = _ACCOUNTS + account.encode()
            stored = self._store.get_in(partition, key)
            index = decode_account(stored) if stored is not None else AccountIndex(seen, {})
            expiries = {**index.expiries, **changed}
            unknown = [gid for gid, day in expiries.items() if day is None]
            if unknown:  # a format-1 index: its series' expiries are read once, then kept
                for gid, state in self.lookup(unknown).items():
                    expiries[gid] = expires_after(state)
            as_of = replay_safe_as_of(max(seen, index.newest))
            kept = {gid: day for gid, day in expiries.items() if day is not None and as_of <= day}
            for gid in sorted(set(expiries) - set(kept)):
                changes[(partition, _SERIES + gid.encode())] = None
            changes[(partition, key)] = encode_account(
                AccountIndex(max(seen, index.newest), dict(sorted(kept.items())))
            )
        return [StateChange(p, key, value) for (p, key), value in changes.items()]

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
