"""Recurrence state in faust Tables (RocksDB + changelog topic), and the query view.

Two tables, both written in the partition of the raw record that changed them,
so an account's state lives with the worker that owns the account's partition:
- `recurrence-series`: group_id -> series state (bounded: last K occurrences);
- `recurrence-accounts`: account_id -> {groups, newest}: the account's live series
  and its newest event date (the clock that expires stopped series).
Keys are raw bytes, so the accounts table hashes an account exactly as the raw
topic's producers do (murmur2), which is what lets faust route a query to the
worker that owns the account.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import faust
from faust import streams as faust_streams

from streams.core.contracts import raw_contract
from streams.core.recurrence import SeriesState, expire, replay_safe_as_of, series_summary
from streams.shell.processor import SeriesUpdate

__all__ = ["RecurrenceTables"]


@contextlib.contextmanager
def _acting_for(event: Any | None) -> Iterator[None]:
    """Make `event` faust's current event: table writes go to its partition.

    faust decides a table key's partition from the current event, which a
    take_events() loop body does not have; this sets it for one write. With
    None, reads search every local partition.
    """
    token = faust_streams._current_event.set(weakref.ref(event) if event is not None else None)
    try:
        yield
    finally:
        faust_streams._current_event.reset(token)


class RecurrenceTables:
    """The worker's recurrence state and the `/accounts/{id}/recurring` view."""

    def __init__(self, app: faust.App, partitions: int) -> None:
        # key_type bytes -> raw keys; no value type -> JSON values
        options: dict[str, Any] = {"key_type": bytes, "partitions": partitions}
        self.series = app.Table("recurrence-series", **options)
        self.accounts = app.Table("recurrence-accounts", **options)

    def lookup(self, group_ids: Iterable[str]) -> dict[str, SeriesState]:
        """States for the group ids that have one."""
        found: dict[str, SeriesState] = {}
        with _acting_for(None):
            for gid in group_ids:
                stored = self.series.get(gid.encode())
                if stored is not None:
                    found[gid] = SeriesState.from_dict(stored)
        return found

    def store(self, updates: Sequence[SeriesUpdate], events: Sequence[Any]) -> None:
        """Write changed states and each touched account's index; expire stopped series."""
        touched: dict[str, tuple[Any, set[str], date]] = {}
        for update in updates:
            state, event = update.state, events[update.row]
            with _acting_for(event):
                self.series[state.group_id.encode()] = state.to_dict()
            _, groups, newest = touched.get(state.account_id, (event, set(), date.min))
            groups.add(state.group_id)
            touched[state.account_id] = (event, groups, max(newest, state.dates[-1]))
        for account, (event, groups, newest) in touched.items():
            self._update_account(account, event, groups, newest)

    def _update_account(self, account: str, event: Any, groups: set[str], newest: date) -> None:
        with _acting_for(None):
            entry = self.accounts.get(account.encode()) or {"groups": [], "newest": None}
        if entry["newest"]:
            newest = max(newest, date.fromisoformat(entry["newest"]))
        known = groups | set(entry["groups"])
        states = self.lookup(known)
        kept = expire(states, as_of=replay_safe_as_of(newest))
        with _acting_for(event):
            for gid in sorted(known - set(kept)):
                if gid in states:
                    del self.series[gid.encode()]
            self.accounts[account.encode()] = {
                "groups": sorted(kept),
                "newest": newest.isoformat(),
            }

    def recurring(self, account: str) -> dict[str, Any] | None:
        """The account's active series, None when the account is unknown here."""
        with _acting_for(None):
            entry = self.accounts.get(account.encode())
        if entry is None:
            return None
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

    def register_view(self, app: faust.App) -> None:
        """GET /accounts/{account_id}/recurring, routed to the worker owning the account."""
        id_pattern = re.compile(raw_contract().id_pattern)
        max_length = raw_contract().id_max_length

        @app.table_route(table=self.accounts, match_info="account_id")
        async def owned(view: Any, request: Any, account_id: str) -> Any:
            body = self.recurring(account_id)
            if body is None:
                return view.json({"error": f"unknown account {account_id!r}"}, status=404)
            return view.json(body)

        @app.page("/accounts/{account_id}/recurring")
        async def recurring(view: Any, request: Any, account_id: str) -> Any:
            if len(account_id) > max_length or not id_pattern.search(account_id):
                message = "account_id must be 1-128 printable ASCII characters"
                return view.json({"error": message}, status=400)
            return await owned(view, request, account_id)  # type: ignore[call-arg]

        _ = recurring
