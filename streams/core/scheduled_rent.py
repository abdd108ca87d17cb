"""Rent read from a payment's schedule, where its text only names a person.

Rent paid to a private landlord by P2P (Zelle, Bizum, Tikkie) or by standing order prints the
landlord's name and nothing else, so the text reads an outgoing transfer to a person. Its
series tells more: the same amount (recurrence's ``amount_varies`` is false), to the same
person, every month. Such a payment of the currency's floor or more is rent
(``RENT_AND_UTILITIES_RENT``, at :data:`SCHEDULED_RENT_CONFIDENCE`), as a budgeting app
would file it.

Only what the series knows at the row counts (its fields use earlier occurrences and the row
itself), so the first payment to a new landlord stays a transfer until a month proves the
schedule; a live run and a backfill agree row for row. The MCC stays as it was (a network's
code, else none: rent has no usual one). Money to one's own accounts
(``TRANSFER_OUT_SAVINGS``...), withdrawals, amounts that vary (a friend paid back) and small
monthly gifts keep their category. The floor is the currency's (``reference/rent_floors.csv``:
400 dollars or euros, 350 pounds, 40,000 yen...); a currency the table lacks is never read as
rent. Known false readings: a fixed monthly sum to a person that is not rent (child
maintenance, a nanny paid monthly, one's own account at another bank printed under one's
name) reads as rent from its second payment.

Pure: polars and the floors' table; it runs on a batch that
:func:`streams.core.recurrence.update_recurrence` has given its ``recurrence_*`` columns.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Final

import polars as pl

from streams.core.contracts import taxonomy

__all__ = [
    "RENT_FLOORS",
    "RENT_TRANSFER_LABELS",
    "SCHEDULED_RENT_CONFIDENCE",
    "rent_by_schedule",
    "rent_floors",
]

RENT_FLOORS: Final = Path(__file__).resolve().parents[1] / "reference" / "rent_floors.csv"
SCHEDULED_RENT_CONFIDENCE: Final = 0.7
RENT_DETAILED: Final = "RENT_AND_UTILITIES_RENT"
# The labels a landlord's payment gets from its text: a transfer to somebody else.
RENT_TRANSFER_LABELS: Final = (
    "TRANSFER_OUT_ACCOUNT_TRANSFER",
    "TRANSFER_OUT_OTHER_TRANSFER_OUT",
)


@lru_cache(maxsize=1)
def rent_floors() -> dict[str, float]:
    """Currency -> the least monthly amount read as rent (``reference/rent_floors.csv``)."""
    table = pl.read_csv(RENT_FLOORS, schema={"currency": pl.String, "floor": pl.Float64})
    return dict(table.iter_rows())


def rent_by_schedule(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the category of monthly, same-amount transfers to a person of the
    currency's rent floor or more set to rent (rows, order and columns kept)."""
    is_rent = (
        (pl.col("direction") == "debit")
        & (pl.col("counterparty_type") == "person")
        & pl.col("category_detailed").is_in(RENT_TRANSFER_LABELS)
        & (pl.col("recurrence_period") == "monthly")
        & ~pl.col("recurrence_amount_varies").fill_null(True)
        & (
            pl.col("amount").cast(pl.Float64, strict=False)
            >= pl.col("currency").replace_strict(
                rent_floors(), default=None, return_dtype=pl.Float64
            )
        )
    ).fill_null(False)
    return frame.with_columns(
        category_primary=pl.when(is_rent)
        .then(pl.lit(taxonomy().primary_of[RENT_DETAILED]))
        .otherwise(pl.col("category_primary")),
        category_detailed=pl.when(is_rent)
        .then(pl.lit(RENT_DETAILED))
        .otherwise(pl.col("category_detailed")),
        category_confidence=pl.when(is_rent)
        .then(pl.lit(SCHEDULED_RENT_CONFIDENCE))
        .otherwise(pl.col("category_confidence")),
    )
