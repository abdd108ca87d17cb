"""Cache keys and values for model answers, as pure functions over frames.

The cache sits in front of the model only: a key holds what the ``enrich`` ensemble reads
(direction, MCC and the description as the models read it, ``featurise.model_text``, so
"STARBUCKS #1042" and "Starbucks #2210" share one entry, as do a line with and without the
bank's card-payment words) plus the model version, so a new
model never reads an old answer. What the key holds is hashed (BLAKE2b, 128 bits): no
description, name or MCC is readable in Redis's keyspace, a ``MONITOR`` or a key dump. Values
are msgpack lists of the PREDICTION_SCHEMA columns (labels and confidences, not inputs);
everything after the model (catalogue, cleaning, recurrence) runs on every row as usual.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import msgpack
import polars as pl

from streams.core.featurise import model_text
from streams.core.model_steps import PREDICTION_SCHEMA

__all__ = ["KEY_PREFIX", "cache_keys", "decode_predictions", "encode_predictions"]

KEY_PREFIX = "txenrich:model"


def cache_keys(frame: pl.DataFrame, model_version: str) -> list[str]:
    """One cache key per row of a validated raw frame: ``txenrich:model:<version>:<hash>``,
    the hash over what the model reads of the row."""
    mcc = pl.col("mcc") if "mcc" in frame.columns else pl.lit(None, dtype=pl.String)
    body = pl.concat_str(
        pl.col("direction").str.to_lowercase(),
        mcc.str.strip_chars().fill_null("-"),
        model_text(pl.col("description")),
        separator="|",
    ).fill_null("")
    prefix = f"{KEY_PREFIX}:{model_version}:"
    hashed: dict[str, str] = {}  # a batch repeats descriptions: each is hashed once
    keys: list[str] = []
    for text in frame.select(body.alias("body"))["body"].to_list():
        key = hashed.get(text)
        if key is None:
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
            key = hashed[text] = prefix + digest.hexdigest()
        keys.append(key)
    return keys


def encode_predictions(predictions: pl.DataFrame) -> list[bytes]:
    """msgpack values of the PREDICTION_SCHEMA columns of each row."""
    return [
        msgpack.packb(list(row), use_bin_type=True)
        for row in predictions.select(list(PREDICTION_SCHEMA)).iter_rows()
    ]


def decode_predictions(values: Sequence[bytes]) -> pl.DataFrame:
    """PREDICTION_SCHEMA frame from cached values, in order."""
    rows = [msgpack.unpackb(value, raw=False) for value in values]
    return pl.DataFrame(rows, schema=PREDICTION_SCHEMA, orient="row")
