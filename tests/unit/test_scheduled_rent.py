"""Rent read from the schedule: monthly, same-amount payments to a person are rent."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from streams.core.recurrence import update_recurrence
from streams.core.scheduled_rent import (
    RENT_MIN_AMOUNT,
    SCHEDULED_RENT_CONFIDENCE,
    rent_by_schedule,
)
from tests.recurrence_helpers import Tx, batch

pytestmark = pytest.mark.unit

FIRSTS = [date(2025, month, 1) for month in range(1, 7)]


def _through_rent(
    txs: list[Tx],
    counterparty_type: str = "person",
    detailed: str = "TRANSFER_OUT_ACCOUNT_TRANSFER",
) -> pl.DataFrame:
    """The rows as the classifier leaves a P2P line, then recurrence, then the rent rule."""
    frame = batch(txs).with_columns(
        counterparty_type=pl.lit(counterparty_type),
        category_primary=pl.lit("TRANSFER_OUT"),  # every label here is an outgoing one
        category_detailed=pl.lit(detailed),
        category_mcc=pl.lit(None, pl.String),
        category_confidence=pl.lit(0.9),
    )
    _, frame = update_recurrence({}, frame)
    return rent_by_schedule(frame)


def _monthly(amounts: list[str], direction: str = "debit") -> list[Tx]:
    return [
        Tx(f"t{i}", day, amount, direction, "LUIS HARRIS")
        for i, (day, amount) in enumerate(zip(FIRSTS, amounts, strict=True))
    ]


def test_monthly_same_amount_to_a_person_is_rent_once_the_schedule_shows() -> None:
    out = _through_rent(_monthly(["1450.00"] * 6))
    # the first payment has no schedule yet: a transfer; every later one is rent
    assert (
        out["category_detailed"].to_list()
        == ["TRANSFER_OUT_ACCOUNT_TRANSFER"] + ["RENT_AND_UTILITIES_RENT"] * 5
    )
    assert out["category_primary"].to_list()[1:] == ["RENT_AND_UTILITIES"] * 5
    assert out["category_confidence"].to_list()[1:] == [SCHEDULED_RENT_CONFIDENCE] * 5
    assert out["category_mcc"].to_list() == [None] * 6


@pytest.mark.parametrize(
    ("amounts", "why"),
    [
        (["120.00"] * 6, "a small monthly gift or allowance"),
        (["1450.00", "300.00", "980.00", "60.00", "1200.00", "410.00"], "paid back, not a bill"),
    ],
)
def test_small_or_varying_amounts_stay_transfers(amounts: list[str], why: str) -> None:
    out = _through_rent(_monthly(amounts))
    assert set(out["category_primary"]) == {"TRANSFER_OUT"}, why


def test_only_payments_to_a_person_by_transfer_count() -> None:
    txs = _monthly(["1450.00"] * 6)
    to_savings = _through_rent(txs, detailed="TRANSFER_OUT_SAVINGS")
    assert set(to_savings["category_detailed"]) == {"TRANSFER_OUT_SAVINGS"}
    to_a_business = _through_rent(txs, counterparty_type="merchant")
    assert set(to_a_business["category_primary"]) == {"TRANSFER_OUT"}
    withdrawals = _through_rent(txs, detailed="TRANSFER_OUT_WITHDRAWAL")
    assert set(withdrawals["category_detailed"]) == {"TRANSFER_OUT_WITHDRAWAL"}


def test_money_in_is_never_rent() -> None:
    out = _through_rent(_monthly(["1450.00"] * 6, direction="credit"))
    assert set(out["category_primary"]) == {"TRANSFER_OUT"}


def test_the_floor_is_inclusive_and_other_columns_are_kept() -> None:
    at_floor = f"{RENT_MIN_AMOUNT:.2f}"
    out = _through_rent(_monthly([at_floor] * 6))
    assert out["category_detailed"].to_list()[-1] == "RENT_AND_UTILITIES_RENT"
    before = batch(_monthly([at_floor] * 6)).columns
    assert set(before) <= set(out.columns)
