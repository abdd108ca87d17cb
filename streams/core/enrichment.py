"""The enrichment pipeline as one pure function: valid raw rows in, same rows plus columns out."""

from __future__ import annotations

import polars as pl

from streams.core.category import CATEGORY_COLUMNS, classify
from streams.core.counterparty import COUNTERPARTY_COLUMNS, CounterpartyMemo, clean_counterparty
from streams.core.merchant import MERCHANT_COLUMNS, MerchantCatalogue, attach_merchants
from streams.core.model_steps import PREDICTION_SCHEMA

__all__ = [
    "ENRICHMENT_COLUMNS",
    "PREDICTION_COLUMNS",
    "enrich",
    "enricher_version",
]

PREDICTION_COLUMNS = tuple(PREDICTION_SCHEMA)
ENRICHMENT_COLUMNS = (
    *COUNTERPARTY_COLUMNS,
    *MERCHANT_COLUMNS,
    *CATEGORY_COLUMNS,
)


def enricher_version(catalogue: MerchantCatalogue, models: str) -> str:
    """The version stamped on outputs and used in cache keys: the models' and catalogue's."""
    return f"{models}+{catalogue.version}"


def enrich(
    frame: pl.DataFrame,
    predictions: pl.DataFrame,
    catalogue: MerchantCatalogue,
    counterparties: CounterpartyMemo | None = None,
) -> pl.DataFrame:
    """Add ENRICHMENT_COLUMNS to every row of a validated raw batch (row count and order kept).

    ``predictions`` holds PREDICTION_COLUMNS for the same rows in the same order: the
    ``enrich`` ensemble's outputs, from Triton or the in-process runner alike.
    ``counterparties`` remembers cleaned descriptions across batches (same answers).
    """
    if predictions.height != frame.height:
        raise ValueError(f"{predictions.height} predictions for {frame.height} rows")
    if counterparties is not None:
        cleaned = counterparties.clean(frame, "description")
    else:
        cleaned = clean_counterparty(frame, "description")
    cleaned = cleaned.hstack(predictions.select(PREDICTION_COLUMNS))
    enriched = classify(attach_merchants(cleaned, catalogue))
    return enriched.select(*frame.columns, *ENRICHMENT_COLUMNS)
