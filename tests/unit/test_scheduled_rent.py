"""Rent read from the schedule: monthly, same-amount payments to a person are rent."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from streams.core.recurrence import update_recurrence
from streams.core.scheduled_rent import SCHEDULED_RENT_CONFIDENCE, rent_by_schedule, rent_floors
from streams.shell.processor import _recurrence
from tests.recurrence_helpers import Tx, batch

pytestmark = pytest.mark.unit

FIRSTS = [date(2025, month, 1) for month in range(1, 7)]


def _classified(
    txs: list[Tx],
    counterparty_type: str = "person",
    detailed: str = "TRANSFER_OUT_ACCOUNT_TRANSFER",
    currency: str = "USD",
) -> pl.DataFrame:
    """The rows as the classifier leaves a P2P line."""
    return batch(txs).with_columns(
        currency=pl.lit(currency),
        counterparty_type=pl.lit(counterparty_type),
        category_primary=pl.lit("TRANSFER_OUT"),  # every label here is an outgoing one
        category_detailed=pl.lit(detailed),
        category_mcc=pl.lit(None, pl.String),
        category_confidence=pl.lit(0.9),
    )


def _through_rent(
    txs: list[Tx],
    counterparty_type: str = "person",
    detailed: str = "TRANSFER_OUT_ACCOUNT_TRANSFER",
    currency: str = "USD",
) -> pl.DataFrame:
    """The classified rows, then recurrence, then the rent rule."""
    _, frame = update_recurrence({}, _classified(txs, counterparty_type, detailed, currency))
    return rent_by_schedule(frame)


def _monthly(amounts: list[str], direction: str = "debit") -> list[Tx]:
    return [
        Tx(f"t{i}", day, amount, direction, "LUIS HARRIS")
        for i, (day, amount) in enumerate(zip(FIRSTS[: len(amounts)], amounts, strict=True))
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


def test_the_floor_is_the_currencys_and_inclusive() -> None:
    at_floor = f"{rent_floors()['USD']:.2f}"
    out = _through_rent(_monthly([at_floor] * 6))
    assert out["category_detailed"].to_list()[-1] == "RENT_AND_UTILITIES_RENT"
    assert set(batch(_monthly([at_floor] * 6)).columns) <= set(out.columns)
    # 1,450 yen a month is no rent; 90,000 yen is; a currency without a floor never is
    assert set(_through_rent(_monthly(["1450"] * 6), currency="JPY")["category_primary"]) == {
        "TRANSFER_OUT"
    }
    yen = _through_rent(_monthly(["90000"] * 6), currency="JPY")
    assert yen["category_primary"].to_list()[-1] == "RENT_AND_UTILITIES"
    assert "XAF" not in rent_floors()
    no_floor = _through_rent(_monthly(["1450.00"] * 6), currency="XAF")
    assert set(no_floor["category_primary"]) == {"TRANSFER_OUT"}


def test_other_outgoing_transfers_count_too() -> None:
    out = _through_rent(_monthly(["980.00"] * 6), detailed="TRANSFER_OUT_OTHER_TRANSFER_OUT")
    assert out["category_detailed"].to_list()[-1] == "RENT_AND_UTILITIES_RENT"


def test_the_processor_reads_rent_after_recurrence() -> None:
    """The shell's recurrence step runs the rule: live, backfill and offline alike."""
    frame = _classified(_monthly(["1450.00"] * 3)).with_row_index("_row")
    out, _ = _recurrence(frame, lambda keys: {})
    assert out["category_detailed"].to_list()[-1] == "RENT_AND_UTILITIES_RENT"
