"""Recurrence state in the worker's partition store: series, and each account's index.

Two kinds of keys, both in the partition of the raw record that changed them, so an
account's state lives with the worker that owns the account's partition:
- ``s/<group_id>``: the series state (bounded: the last K occurrences);
- ``a/<account_id>``: the account's live series and its newest event date (the clock that
  expires stopped series).
Values are msgpack. A batch's changes are planned here, then written to the changelog and,
once acknowledged, to disk (``state_store``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

import msgpack

from streams.core.recurrence import SeriesState, expire, replay_safe_as_of, series_summary
from streams.core.types import InboundMessage
from streams.shell.processor import SeriesUpdate
from streams.shell.state_store import PartitionStore, StateChange

__all__ = ["RecurrenceState"]

_SERIES: Final = b"s/"
_ACCOUNTS: Final = b"a/"


def _pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def _unpack(value: bytes) -> Any:
    return msgpack.unpackb(value, raw=False)


class RecurrenceState:
    """Reads series states for a batch, plans its writes, answers account queries."""

    def __init__(self, store: PartitionStore) -> None:
        self._store = store

    def lookup(self, group_ids: Iterable[str]) -> dict[str, SeriesState]:
        """States for the group ids that have one (in any owned partition)."""
        keys = {_SERIES + gid.encode(): gid for gid in group_ids}
        return {
            keys[key]: SeriesState.from_dict(_unpack(value))
            for key, (_, value) in self._store.get(keys).items()
        }

    def plan(
        self, updates: Sequence[SeriesUpdate], messages: Sequence[InboundMessage]
    ) -> list[StateChange]:
        """The writes for a batch's changed states: each series, each touched account's
        index, and the deletion of series that expired. Nothing is written here."""
        changes: dict[tuple[int, bytes], bytes | None] = {}
        pending: dict[str, SeriesState] = {}
        touched: dict[str, tuple[int, set[str], date]] = {}
        for update in updates:
            state = update.state
            partition = messages[update.row].partition
            pending[state.group_id] = state
            changes[(partition, _SERIES + state.group_id.encode())] = _pack(state.to_dict())
            _, groups, newest = touched.get(state.account_id, (partition, set(), date.min))
            groups.add(state.group_id)
            touched[state.account_id] = (partition, groups, max(newest, state.dates[-1]))
        for account, (partition, groups, seen) in touched.items():
            key = _ACCOUNTS + account.encode()
            stored = self._store.get_in(partition, key)
            entry = _unpack(stored) if stored is not None else {"groups": [], "newest": None}
            newest = max(seen, date.fromisoformat(entry["newest"])) if entry["newest"] else seen
            known = groups | set(entry["groups"])
            states = self.lookup(known - pending.keys())
            states.update({gid: pending[gid] for gid in known & pending.keys()})
            kept = expire(states, as_of=replay_safe_as_of(newest))
            for gid in sorted(set(states) - set(kept)):
                changes[(partition, _SERIES + gid.encode())] = None
            changes[(partition, key)] = _pack(
                {"groups": sorted(kept), "newest": newest.isoformat()}
            )
        return [StateChange(p, key, value) for (p, key), value in changes.items()]

    def recurring(self, account: str) -> dict[str, Any] | None:
        """The account's active series, None when no owned partition knows the account."""
        found = self._store.get([_ACCOUNTS + account.encode()])
        if not found:
            return None
        _, stored = next(iter(found.values()))
        entry = _unpack(stored)
        as_of = date.fromisoformat(entry["newest"])
        summaries = [
            {
                **series_summary(state, as_of),
                "direction": state.direction,
                # "m:<merchant id>" or "t:<cleaned counterparty text>"
                "counterparty": state.counterparty_key.split(":", 1)[-1],
            }
            for state in self.lookup(entry["groups"]).values()
        ]
        active = [s for s in summaries if s["is_active"]]
        active.sort(key=lambda s: (s["next_expected_date"] or "", s["group_id"]))
        return {"account_id": account, "as_of": entry["newest"], "series": active}
