"""Cache keys and values for enrichment results, as pure functions over frames.

A key holds everything that changes the answer (direction, MCC, country and the
description itself) plus the enricher version, so a new model or rule version
never reads an old answer. Values are msgpack lists in ENRICHMENT_COLUMNS order.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgpack
import polars as pl

from streams.core.enrichment import ENRICHMENT_COLUMNS

__all__ = ["KEY_PREFIX", "cache_keys", "decode_rows", "encode_rows"]

KEY_PREFIX = "txenrich:enrich"


def cache_keys(frame: pl.DataFrame, version: str) -> list[str]:
    """One cache key per row of a validated raw frame."""
    key = pl.concat_str(
        pl.lit(f"{KEY_PREFIX}:{version}"),
        pl.col("direction"),
        pl.col("mcc").fill_null("-"),
        pl.col("country").fill_null("-"),
        pl.col("description"),
        separator="|",
    )
    return frame.select(key.alias("key"))["key"].to_list()


def encode_rows(enriched: pl.DataFrame) -> list[bytes]:
    """msgpack values for the ENRICHMENT_COLUMNS of each row."""
    return [
        msgpack.packb(list(row), use_bin_type=True)
        for row in enriched.select(ENRICHMENT_COLUMNS).iter_rows()
    ]


def decode_rows(values: Sequence[bytes], schema: pl.Schema) -> pl.DataFrame:
    """Frame of ENRICHMENT_COLUMNS from cached values; `schema` gives the dtypes."""
    rows = [msgpack.unpackb(value, raw=False) for value in values]
    return pl.DataFrame(
        rows,
        schema={name: schema[name] for name in ENRICHMENT_COLUMNS},
        orient="row",
    )
