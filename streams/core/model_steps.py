"""The enrich ensemble's python steps, as pure functions over numpy tensors.

Triton's python backend (``models/repository/{preprocess,postprocess}/1/model.py``) and the
in-process runner call these same functions, so a batch gets the same answer either way.
Tensors carry the batch on axis 0; string tensors are ``object`` arrays of ``bytes`` (as
Triton hands them over) or ``str`` of shape [N, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from streams.core.featurise import featurise

__all__ = [
    "ENSEMBLE_INPUTS",
    "ENSEMBLE_OUTPUTS",
    "PREDICTION_SCHEMA",
    "TOP_K",
    "ModelLabels",
    "Tensors",
    "postprocess",
    "predictions_frame",
    "preprocess",
    "request_tensors",
]

Tensors = dict[str, npt.NDArray[np.generic]]

TOP_K: Final = 8  # merchants the merchant model returns per row
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


def _texts(tensor: npt.NDArray[np.generic]) -> list[str]:
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in tensor.reshape(-1)]


def _strings(values: list[str]) -> npt.NDArray[np.object_]:
    out = np.empty((len(values), 1), dtype=np.object_)
    out[:, 0] = [v.encode("utf-8") for v in values]
    return out


def request_tensors(frame: pl.DataFrame) -> Tensors:
    """The ensemble's input tensors for each row of a validated raw frame (no Python loop
    over rows: polars columns straight to object arrays)."""
    columns = {
        "description": frame["description"],
        "direction": frame["direction"],
        "mcc": frame["mcc"] if "mcc" in frame.columns else pl.Series([None] * frame.height),
    }
    tensors: Tensors = {}
    for name, column in columns.items():
        values = column.cast(pl.String).fill_null("").cast(pl.Binary).to_numpy()
        tensors[name] = np.asarray(values, dtype=np.object_).reshape(-1, 1)
    return tensors


def preprocess(inputs: Tensors) -> Tensors:
    """``description``/``direction``/``mcc`` strings -> ``tokens``/``mask``/``mcc_id``/``dense``."""
    frame = pl.DataFrame(
        {name: _texts(inputs[name]) for name in ENSEMBLE_INPUTS},
        schema=dict.fromkeys(ENSEMBLE_INPUTS, pl.String),
    )
    feats = featurise(frame)
    return {
        "tokens": feats["tokens"],
        "mask": feats["mask"],
        "mcc_id": feats["mcc"],
        "dense": feats["dense"],
    }


def _merge_top(
    ids: npt.NDArray[np.int64], probs: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Best merchant per row after summing the probabilities of its entries in the top-k
    (one merchant may hold several aliases there)."""
    same = ids[:, :, None] == ids[:, None, :]  # [N, K, K]
    summed = (same * probs[:, None, :]).sum(axis=2)  # each entry's merchant total
    best = summed.argmax(axis=1)
    rows = np.arange(ids.shape[0])
    return ids[rows, best], summed[rows, best].astype(np.float32)


def postprocess(inputs: Tensors, labels: ModelLabels) -> Tensors:
    """Model probabilities -> the ensemble's label and confidence outputs."""
    top_ids = np.asarray(inputs["merchant_top_ids"], dtype=np.int64)
    top_probs = np.asarray(inputs["merchant_top_probs"], dtype=np.float32)
    merchant, merchant_conf = _merge_top(top_ids, top_probs)
    category = np.asarray(inputs["category_probs"], dtype=np.float32)
    ctype = np.asarray(inputs["counterparty_probs"], dtype=np.float32)
    cat_best, ctype_best = category.argmax(axis=1), ctype.argmax(axis=1)
    merchants, categories = np.asarray(labels.merchants), np.asarray(labels.categories)
    ctypes = np.asarray(labels.counterparty_types)
    return {
        "merchant_id": _strings(merchants[merchant].tolist()),
        "merchant_confidence": merchant_conf.reshape(-1, 1),
        "category_detailed": _strings(categories[cat_best].tolist()),
        "category_confidence": category.max(axis=1).reshape(-1, 1),
        "counterparty_type": _strings(ctypes[ctype_best].tolist()),
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
            columns[column] = pl.Series(_texts(tensor), dtype=pl.String)
        else:
            columns[column] = pl.Series(tensor.astype(np.float64), dtype=pl.Float64)
    return pl.DataFrame(columns)
