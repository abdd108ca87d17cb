"""A batch replayed after a crash (its state already written, its offsets not committed)
gives every row the fields its first run gave, even where the batch evicted the series'
older occurrences; the next batch reads the state the replay left."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import polars as pl
import pytest

from streams.core.recurrence import SERIES_HISTORY, SeriesState, update_recurrence
from streams.core.types import InboundMessage
from streams.shell.processor import SeriesUpdate
from streams.shell.recurrence_state import BatchState, StoredSeries, decode_stored
from streams.shell.state_store import StateChange

pytestmark = pytest.mark.unit


class _Table:
    """The two reads BatchState makes of a PartitionStore, over a dict (partition 0)."""

    def __init__(self) -> None:
        self.values: dict[bytes, bytes] = {}

    def get(self, keys: Iterable[bytes]) -> dict[bytes, tuple[int, bytes]]:
        return {k: (0, self.values[k]) for k in keys if k in self.values}

    def get_in(self, partition: int, key: bytes) -> bytes | None:
        return self.values.get(key)

    def apply(self, changes: Sequence[StateChange]) -> None:
        for change in changes:
            if change.value is None:
                self.values.pop(change.key, None)
            else:
                self.values[change.key] = change.value


def _rows(first: int, count: int, start: date, step: int = 2) -> pl.DataFrame:
    # ATM-like: the same counterparty, varying amounts, a few days apart
    return pl.DataFrame(
        {
            "transaction_id": [f"t{first + i}" for i in range(count)],
            "account_id": ["acc"] * count,
            "direction": ["debit"] * count,
            "amount": [f"{20 + (first + i) % 7 * 10}.00" for i in range(count)],
            "date": [(start + timedelta(days=step * i)).isoformat() for i in range(count)],
            "merchant_id": [None] * count,
            "counterparty_clean": ["ATM MAIN ST"] * count,
            "description": ["ATM WITHDRAWAL MAIN ST"] * count,
        }
    )


def _messages(first_offset: int, count: int) -> list[InboundMessage]:
    return [InboundMessage(b"", b"acc", "raw", 0, first_offset + i) for i in range(count)]


def _run(
    table: _Table, frame: pl.DataFrame, messages: list[InboundMessage]
) -> tuple[pl.DataFrame, list[StateChange]]:
    """What the worker does with one batch: read, apply, plan (the writes not yet applied)."""
    view = BatchState(table, messages, lambda ids: {})  # type: ignore[arg-type]
    states = view.lookup(_group_ids(frame))
    changed, out = update_recurrence(states, frame)
    last = dict(out.select("recurrence_group_id", pl.int_range(pl.len()).alias("row")).iter_rows())
    updates = [SeriesUpdate(state, int(last[gid])) for gid, state in changed.items()]
    return out.select(pl.col("^recurrence_.*$")), view.plan(updates)


def _group_ids(frame: pl.DataFrame) -> set[str]:
    _, out = update_recurrence({}, frame.head(1))  # one series: its id from its first row
    return {str(out["recurrence_group_id"][0])}


def test_a_replayed_batch_reads_the_state_before_its_first_run() -> None:
    table = _Table()
    history = _rows(0, SERIES_HISTORY, date(2025, 1, 1))
    _, changes = _run(table, history, _messages(0, SERIES_HISTORY))
    table.apply(changes)

    # a batch that evicts: more new occurrences than the series keeps
    batch = _rows(100, SERIES_HISTORY + 3, date(2025, 3, 1), step=1)
    messages = _messages(50, batch.height)
    first, changes = _run(table, batch, messages)
    table.apply(changes)  # state reached the changelog; the worker dies before committing

    replay, changes_again = _run(table, batch, messages)
    assert replay.equals(first)

    # what the replay would have said on the state it finds (the pre-format-3 behaviour)
    (value,) = [v for k, v in table.values.items() if k.startswith(b"s/")]
    current: Mapping[str, SeriesState] = {
        decode_stored(value).state.group_id: decode_stored(value).state
    }
    _, naive = update_recurrence(current, batch)
    assert not naive.select(pl.col("^recurrence_.*$")).equals(first), "the case must bite"

    # the replay's own writes record the same state before; the next batch reads the new one
    table.apply(changes_again)
    stored = decode_stored(value)
    assert stored.last_offset == 50 + batch.height - 1
    after = _rows(200, 3, date(2025, 4, 1))
    later, _ = _run(table, after, _messages(50 + batch.height, 3))
    _, whole = update_recurrence({}, pl.concat([history, batch, after]))
    assert later.equals(whole.select(pl.col("^recurrence_.*$")).tail(3))


def test_values_of_format_two_have_no_replay_fields() -> None:
    assert StoredSeries(SeriesState("g", "a", "debit", "t:x")).last_offset is None
