"""A merchants table (the catalogue CSV's columns) from a few hand-written rows, for tests."""

from __future__ import annotations

import polars as pl

from streams.core.contracts import taxonomy

__all__ = ["merchants_frame"]

# merchant_id, name, website, detailed category, countries (|-separated)
Row = tuple[str, str, str, str, str]


def merchants_frame(rows: list[Row], mcc: str = "5812") -> pl.DataFrame:
    """The rows as the catalogue CSV has them, each primary category from the taxonomy."""
    primary = taxonomy().primary_of
    return pl.DataFrame(
        {
            "merchant_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "website": [r[2] for r in rows],
            "category_primary": [primary[r[3]] for r in rows],
            "category_detailed": [r[3] for r in rows],
            "mcc": [mcc] * len(rows),
            "countries": [r[4] for r in rows],
        }
    )
