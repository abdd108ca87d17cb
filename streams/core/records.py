"""Out-adapter: an enriched DataFrame -> enriched v1 records (dicts ready for the wire)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgpack
import polars as pl

from streams.core.counterparty import DELIVERY_PLATFORMS, INTERMEDIARIES, normalise_text
from streams.core.recurrence import RECURRENCE_COLUMNS, recurrence_struct
from streams.core.validation import RAW_COLUMNS

__all__ = ["OPTIONAL_RAW_FIELDS", "to_enriched_records"]

OPTIONAL_RAW_FIELDS = ("mcc", "country", "entity_type")


# "<platform>\x1f<website>" for each delivery platform's websites
_PLATFORM_SITES = [
    f"{name}\x1f{site}" for name, websites in DELIVERY_PLATFORMS.items() for site in websites
]


def _nested_columns() -> list[pl.Expr]:
    merchant = pl.struct(
        id=pl.col("merchant_id"),
        name=pl.col("merchant_name"),
        website=pl.col("merchant_website"),
        confidence=pl.col("merchant_confidence"),
    )
    category = pl.struct(
        primary=pl.col("category_primary"),
        detailed=pl.col("category_detailed"),
        mcc=pl.col("category_mcc"),
        confidence=pl.col("category_confidence"),
    )
    # An order through a delivery platform names the platform as merchant and the
    # restaurant, when the line prints one, as counterparty (streams.core.merchant): the
    # merchant is the platform (one of its websites), and what is left of the line is not
    # the platform's own name.
    platform = pl.col("intermediary")
    restaurant = (
        (platform + pl.lit("\x1f") + pl.col("merchant_website").str.to_lowercase()).is_in(
            _PLATFORM_SITES
        )
        & (pl.col("counterparty_clean") != normalise_text(platform))
    ).fill_null(False)
    counterparty = pl.struct(
        type=pl.col("counterparty_type"),
        name=pl.when(restaurant)
        .then(pl.col("counterparty_display"))
        .otherwise(pl.coalesce(pl.col("merchant_name"), pl.col("counterparty_display"))),
    )
    location = pl.struct(
        city=pl.col("location_city"),
        region=pl.col("location_region"),
        country=pl.col("location_country"),
    )
    return [
        merchant.alias("merchant"),
        category.alias("category"),
        counterparty.alias("counterparty"),
        location.alias("location"),
    ]


def to_enriched_records(
    frame: pl.DataFrame, now_ms: int, model_versions: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One enriched v1 record per row, in row order.

    `now_ms` is the produce time; latency is measured from each raw record's Kafka
    timestamp (the `_timestamp_ms` column), 0 when the record had none.
    """
    latency = (pl.lit(now_ms) - pl.col("_timestamp_ms")).clip(lower_bound=0).fill_null(0)
    has_recurrence = all(name in frame.columns for name in RECURRENCE_COLUMNS)
    recurrence = (
        recurrence_struct() if has_recurrence else pl.lit(None, dtype=pl.Null).alias("recurrence")
    )
    shaped = frame.select(
        *RAW_COLUMNS,
        "_metadata",
        "intermediary",
        *_nested_columns(),
        recurrence,
        latency_ms=latency.cast(pl.Float64),
        inference_path=(
            pl.col("inference_path")
            if "inference_path" in frame.columns
            else pl.lit(None, dtype=pl.String)
        ),
    )
    versions = dict(model_versions)
    records: list[dict[str, Any]] = []
    for row in shaped.iter_rows(named=True):
        for name in OPTIONAL_RAW_FIELDS:
            if row[name] is None:
                del row[name]
        packed = row.pop("_metadata")
        if packed is not None:
            row["metadata"] = msgpack.unpackb(packed, raw=False)
        intermediary = row.pop("intermediary")
        row["intermediaries"] = (
            [{"name": intermediary, "website": INTERMEDIARIES.get(intermediary)}]
            if intermediary
            else []
        )
        location = row["location"]
        if all(value is None for value in location.values()):
            row["location"] = None
        row["model_versions"] = versions
        if row["inference_path"] is None:
            del row["inference_path"]
        records.append(row)
    return records
