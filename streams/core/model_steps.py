"""The enrich ensemble's python steps, as pure functions over numpy tensors.

Triton's python backend (``models/repository/{preprocess,postprocess}/1/model.py``) and the
in-process runner call these same functions, so a batch gets the same answer either way.
Tensors carry the batch on axis 0; string tensors are ``object`` arrays of ``bytes`` (as
Triton hands them over) or ``str`` of shape [N, 1].
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from streams.core.alias_evidence import AliasTables, rerank
from streams.core.featurise import featurise
from streams.core.merchant import MIN_MERCHANT_CONFIDENCE

__all__ = [
    "ENSEMBLE_INPUTS",
    "ENSEMBLE_OUTPUTS",
    "NOT_MERCHANT",
    "PREDICTION_SCHEMA",
    "TOP_K",
    "ModelLabels",
    "Tensors",
    "postprocess",
    "predictions_frame",
    "preprocess",
    "request_columns",
    "request_tensors",
    "string_column",
]

Tensors = dict[str, npt.NDArray[np.generic]]

TOP_K: Final = 8  # merchants the merchant model returns per row
NOT_MERCHANT: Final = ("person", "employer")  # counterparty types alias evidence never names
ENSEMBLE_INPUTS: Final = ("description", "direction", "mcc")
ENSEMBLE_OUTPUTS: Final = (
    "merchant_id",
    "merchant_confidence",
    "category_detailed",
    "category_confidence",
    "counterparty_type",
    "counterparty_confidence",
)


@dataclass(frozen=True)
class ModelLabels:
    """Index -> label for each model output (the ``labels.txt`` files of the repository)."""

    merchants: tuple[str, ...]  # index 0 is "unknown"
    categories: tuple[str, ...]  # detailed taxonomy labels
    counterparty_types: tuple[str, ...]
    # (merchant label index, alias as alias_key writes it): merchant/aliases.tsv
    merchant_aliases: tuple[tuple[int, str], ...] = ()
    # upper-case everyday words and people's names: merchant/common_words.txt
    common_words: frozenset[str] = frozenset()
    _encoded: dict[str, npt.NDArray[np.object_]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @functools.cached_property
    def alias_tables(self) -> AliasTables:
        """``merchant_aliases`` and ``common_words`` as the alias evidence joins them, built
        once."""
        return AliasTables.build(self.merchant_aliases, self.common_words)

    def encoded(
        self, which: Literal["merchants", "categories", "counterparty_types"]
    ) -> npt.NDArray[np.object_]:
        """One output's labels as an ``object`` array of UTF-8 ``bytes`` (Triton's string
        tensor form), built once: outputs are then a single fancy-index per batch."""
        cached = self._encoded.get(which)
        if cached is None:
            labels: tuple[str, ...] = getattr(self, which)
            cached = np.empty(len(labels), dtype=np.object_)
            cached[:] = [label.encode("utf-8") for label in labels]
            self._encoded[which] = cached
        return cached


def string_column(tensor: npt.NDArray[np.generic]) -> pl.Series:
    """A string tensor (``object`` array of ``bytes`` as Triton hands them over, or of
    ``str``) as a polars String column, in row-major order; decoded in polars, not per row."""
    flat = tensor.reshape(-1)
    if flat.size and isinstance(flat[0], bytes):
        return pl.Series(flat, dtype=pl.Binary).cast(pl.String)
    return pl.Series(flat, dtype=pl.String)


def request_columns(frame: pl.DataFrame) -> dict[str, pl.Series]:
    """The ensemble's inputs for each row of a validated raw frame, as String columns
    (a missing MCC is the empty string)."""
    mcc = frame["mcc"] if "mcc" in frame.columns else pl.Series([None] * frame.height)
    columns = {"description": frame["description"], "direction": frame["direction"], "mcc": mcc}
    return {
        name: column.cast(pl.String).fill_null("").alias(name) for name, column in columns.items()
    }


def request_tensors(frame: pl.DataFrame) -> Tensors:
    """The ensemble's input tensors ([N, 1] ``object`` arrays of ``str``) for the in-process
    runner; the Triton client encodes the same columns straight to the wire instead."""
    return {
        name: column.to_numpy().astype(np.object_).reshape(-1, 1)
        for name, column in request_columns(frame).items()
    }


def preprocess(inputs: Tensors) -> Tensors:
    """``description``/``direction``/``mcc`` strings -> ``tokens``/``mask``/``mcc_id``/``dense``."""
    frame = pl.DataFrame([string_column(inputs[name]).alias(name) for name in ENSEMBLE_INPUTS])
    feats = featurise(frame)
    return {
        "tokens": feats["tokens"],
        "mask": feats["mask"],
        "mcc_id": feats["mcc"],
        "dense": feats["dense"],
    }


def _merge_top(
    ids: npt.NDArray[np.int64], probs: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Best merchant per row after summing the probabilities of its entries in the top-k
    (one merchant may hold several aliases there); also each entry's merchant total."""
    same = ids[:, :, None] == ids[:, None, :]  # [N, K, K]
    summed = (same * probs[:, None, :]).sum(axis=2).astype(np.float32)  # [N, K]
    best = summed.argmax(axis=1)
    rows = np.arange(ids.shape[0])
    return ids[rows, best], summed[rows, best], summed


def postprocess(inputs: Tensors, labels: ModelLabels) -> Tensors:
    """Model probabilities -> the ensemble's label and confidence outputs; the merchant
    re-ranked on the aliases the description prints (``streams.core.alias_evidence``)."""
    top_ids = np.asarray(inputs["merchant_top_ids"], dtype=np.int64)
    top_probs = np.asarray(inputs["merchant_top_probs"], dtype=np.float32)
    merchant, merchant_conf, summed = _merge_top(top_ids, top_probs)
    category = np.asarray(inputs["category_probs"], dtype=np.float32)
    ctype = np.asarray(inputs["counterparty_probs"], dtype=np.float32)
    cat_best, ctype_best = category.argmax(axis=1), ctype.argmax(axis=1)
    if "description" in inputs and labels.merchant_aliases:
        counterparty = np.asarray(labels.counterparty_types, dtype=np.object_)[ctype_best]
        merchant, merchant_conf = rerank(
            string_column(inputs["description"]),
            top_ids,
            summed,
            merchant,
            merchant_conf,
            labels.alias_tables,
            MIN_MERCHANT_CONFIDENCE,
            not_merchant=np.isin(counterparty, NOT_MERCHANT),
        )
    return {
        "merchant_id": labels.encoded("merchants")[merchant].reshape(-1, 1),
        "merchant_confidence": merchant_conf.reshape(-1, 1),
        "category_detailed": labels.encoded("categories")[cat_best].reshape(-1, 1),
        "category_confidence": category.max(axis=1).reshape(-1, 1),
        "counterparty_type": labels.encoded("counterparty_types")[ctype_best].reshape(-1, 1),
        "counterparty_confidence": ctype.max(axis=1).reshape(-1, 1),
    }


PREDICTION_SCHEMA: Final = pl.Schema(
    {
        f"model_{name}": pl.Float64 if name.endswith("_confidence") else pl.String
        for name in ENSEMBLE_OUTPUTS
    }
)


def predictions_frame(outputs: Tensors | None) -> pl.DataFrame:
    """The ensemble's outputs as columns ``model_<output>`` (PREDICTION_SCHEMA, one row per
    input row); ``None`` gives the empty frame."""
    if outputs is None:
        return pl.DataFrame(schema=PREDICTION_SCHEMA)
    columns: dict[str, pl.Series] = {}
    for name in ENSEMBLE_OUTPUTS:
        column, tensor = f"model_{name}", outputs[name].reshape(-1)
        if PREDICTION_SCHEMA[column] == pl.String:
            columns[column] = string_column(tensor)
        else:
            columns[column] = pl.Series(tensor.astype(np.float64), dtype=pl.Float64)
    return pl.DataFrame(columns)
