"""Shared helpers of the recurrence unit tests: a series' transactions as a batch, fed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from streams.core.recurrence import (
    SeriesState,
    group_id,
    recurrence_record,
    update_recurrence,
)

ACCOUNT = "acct-1"
COUNTERPARTY = "NETFLIX.COM"
GROUP = group_id(ACCOUNT, "debit", "t:" + COUNTERPARTY)
D = date.fromisoformat


@dataclass(frozen=True)
class Tx:
    tid: str
    day: date
    amount: str = "15.49"
    direction: str = "debit"
    counterparty: str = COUNTERPARTY


def batch(txs: Sequence[Tx], merchant_id: str | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "transaction_id": [t.tid for t in txs],
            "account_id": [ACCOUNT] * len(txs),
            "direction": [t.direction for t in txs],
            "amount": [t.amount for t in txs],
            "date": [t.day.isoformat() for t in txs],
            "merchant_id": [merchant_id] * len(txs),
            "counterparty_clean": [t.counterparty for t in txs],
            "flow_hint": [None] * len(txs),
        },
        schema_overrides={"merchant_id": pl.String, "flow_hint": pl.String},
    )


def txs_on(days: Sequence[date], amounts: Sequence[str] | None = None) -> list[Tx]:
    amounts = amounts or ["15.49"] * len(days)
    return [Tx(f"t{i:03d}", d, a) for i, (d, a) in enumerate(zip(days, amounts, strict=True))]


def feed(
    txs: Sequence[Tx], sizes: Sequence[int] = (), states: dict[str, SeriesState] | None = None
) -> tuple[dict[str, SeriesState], pl.DataFrame]:
    """Run `txs` through update_recurrence in batches of `sizes` (the rest as one batch)."""
    states = dict(states or {})
    outputs, offset = [], 0
    for size in [*sizes, len(txs)]:
        chunk = txs[offset : offset + size]
        offset += len(chunk)
        if chunk:
            changed, out = update_recurrence(states, batch(chunk))
            states.update(changed)
            outputs.append(out)
    return states, pl.concat(outputs) if outputs else batch([])


def last_fields(txs: Sequence[Tx]) -> dict[str, Any]:
    _, out = feed(txs)
    record = recurrence_record(out.row(-1, named=True))
    assert record is not None
    return record
