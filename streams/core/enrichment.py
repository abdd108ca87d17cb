"""The enrichment pipeline as one pure function: valid raw rows in, same rows plus columns out."""

from __future__ import annotations

import polars as pl

from streams.core.category import CATEGORY_COLUMNS, classify
from streams.core.counterparty import COUNTERPARTY_COLUMNS, clean_counterparty
from streams.core.merchant import MERCHANT_COLUMNS, MerchantCatalogue, match_merchants

__all__ = ["ENRICHMENT_COLUMNS", "RULES_VERSION", "enrich", "enricher_version"]

# Bump when cleaning or classification rules change: it keys the Redis cache.
RULES_VERSION = "rules-1"

ENRICHMENT_COLUMNS = (
    *COUNTERPARTY_COLUMNS,
    *MERCHANT_COLUMNS,
    *CATEGORY_COLUMNS,
)


def enricher_version(catalogue: MerchantCatalogue) -> str:
    """The version string stamped on outputs and used in cache keys."""
    return f"{RULES_VERSION}+{catalogue.version}"


# Flows whose counterparty is a person, an employer or the bank itself: a brand that
# shares their name (an employer called "Acme", a payee called "Wendy") is not a merchant.
NON_MERCHANT_FLOWS = ("payroll", "p2p", "atm", "bank_fee", "interest", "transfer")


def _drop_merchant_for_flows(frame: pl.DataFrame) -> pl.DataFrame:
    not_merchant = pl.col("flow_hint").is_in(NON_MERCHANT_FLOWS).fill_null(False)
    return frame.with_columns(
        [
            pl.when(not_merchant).then(None).otherwise(pl.col(name)).alias(name)
            for name in MERCHANT_COLUMNS
            if name != "merchant_confidence"
        ]
        + [
            pl.when(not_merchant)
            .then(0.0)
            .otherwise(pl.col("merchant_confidence"))
            .alias("merchant_confidence")
        ]
    )


def enrich(frame: pl.DataFrame, catalogue: MerchantCatalogue) -> pl.DataFrame:
    """Add ENRICHMENT_COLUMNS to every row of a validated raw batch (row count and order kept)."""
    cleaned = clean_counterparty(frame, "description")
    return classify(_drop_merchant_for_flows(match_merchants(cleaned, catalogue)))
