"""The enrich ensemble's python steps, as pure functions over numpy tensors.

Triton's python backend (``models/repository/{preprocess,postprocess}/1/model.py``) and the
in-process runner call these same functions, so a batch gets the same answer either way.
Tensors carry the batch on axis 0; string tensors are ``object`` arrays of ``bytes`` (as
Triton hands them over) or ``str`` of shape [N, 1].
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from streams.core.featurise import code_points, featurise
from streams.core.merchant import MIN_MERCHANT_CONFIDENCE

__all__ = [
    "ALIAS_FLOOR",
    "ALIAS_LONG_CHARS",
    "ALIAS_LONG_FLOOR",
    "ALIAS_MIN_CHARS",
    "ALIAS_RUN_CHARS",
    "ALIAS_TYPO_FLOOR",
    "ENSEMBLE_INPUTS",
    "ENSEMBLE_OUTPUTS",
    "PREDICTION_SCHEMA",
    "TOP_K",
    "ModelLabels",
    "Tensors",
    "alias_key",
    "one_edit",
    "postprocess",
    "predictions_frame",
    "preprocess",
    "request_columns",
    "request_tensors",
    "string_column",
]

Tensors = dict[str, npt.NDArray[np.generic]]

TOP_K: Final = 8  # merchants the merchant model returns per row
# Alias check (see postprocess): a top-k merchant whose alias the description prints as
# whole words is kept although the model's probability is under the pipeline's threshold,
# if it holds at least ALIAS_FLOOR (an alias under ALIAS_LONG_CHARS letters: short names
# are common words and first names) or ALIAS_LONG_FLOOR (a longer one); a long alias with
# one typo, at least ALIAS_TYPO_FLOOR.
ALIAS_FLOOR: Final = 0.05
ALIAS_LONG_FLOOR: Final = 0.0
ALIAS_TYPO_FLOOR: Final = 0.02
ALIAS_MIN_CHARS: Final = 4
ALIAS_LONG_CHARS: Final = 6  # letters (spaces dropped) of a long alias: no floor, one typo
ALIAS_RUN_CHARS: Final = 6  # a multi-word alias this long is matched run together
_NOT_ALIAS_TEXT = r"[^A-Z0-9&]+"
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
    # (merchant label index, alias as alias_key writes it): the merchant model's aliases
    merchant_aliases: tuple[tuple[int, str], ...] = ()
    _encoded: dict[str, npt.NDArray[np.object_]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @functools.cached_property
    def alias_table(self) -> pl.DataFrame:
        """``merchant_aliases`` as a frame, built once: the alias check joins every batch's
        candidates against it. ``label``, ``alias`` (padded key), ``joined`` (spaces
        dropped), ``chars`` (its length), ``long`` (``ALIAS_LONG_CHARS`` or more) and
        ``spaced`` (two or more words, ``ALIAS_RUN_CHARS`` or more letters)."""
        table = pl.DataFrame(
            {
                "label": [label for label, _ in self.merchant_aliases],
                "alias": [alias for _, alias in self.merchant_aliases],
            },
            schema={"label": pl.Int64, "alias": pl.String},
        )
        bare = pl.col("alias").str.strip_chars()
        return (
            table.with_columns(
                joined=bare.str.replace_all(" ", "", literal=True),
                words=bare.str.contains(" ", literal=True),
            )
            .with_columns(chars=pl.col("joined").str.len_chars().cast(pl.Int64))
            .with_columns(
                long=pl.col("chars") >= ALIAS_LONG_CHARS,
                spaced=pl.col("words") & (pl.col("chars") >= ALIAS_RUN_CHARS),
            )
            .drop("words")
        )

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


def alias_key(text: str) -> str:
    """An alias or description as the alias check compares them: upper case, runs of other
    characters than A-Z, 0-9 and ``&`` as one space, padded with a space each side."""
    return f" {re.sub(_NOT_ALIAS_TEXT, ' ', text.upper()).strip()} "


def _alias_keys(descriptions: pl.Series) -> pl.Series:
    """``alias_key`` of each description, in polars."""
    cleaned = descriptions.str.to_uppercase().str.replace_all(_NOT_ALIAS_TEXT, " ")
    return (" " + cleaned.str.strip_chars() + " ").alias("text")


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


def one_edit(left: pl.Series, right: pl.Series) -> npt.NDArray[np.bool_]:
    """Pairwise: is ``left[i]`` at most one edit from ``right[i]`` (a substitution, an
    insertion or deletion, or two neighbours swapped)? Vectorised over code-point arrays:
    one edit leaves a common prefix and suffix that together cover the shorter string (or
    all but the swapped pair)."""
    n = left.len()
    if n == 0:
        return np.zeros(0, dtype=np.bool_)
    len_l = left.str.len_chars().to_numpy().astype(np.int64)
    len_r = right.str.len_chars().to_numpy().astype(np.int64)
    width = int(max(len_l.max(), len_r.max())) + 1
    shorter = np.minimum(len_l, len_r)

    def codes(series: pl.Series) -> npt.NDArray[np.uint64]:
        return code_points(series.to_list(), width)

    def common(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        differs = a != b
        first = np.where(differs.any(axis=1), differs.argmax(axis=1), width)
        return np.asarray(np.minimum(first, shorter), dtype=np.int64)

    fwd_l, fwd_r = codes(left), codes(right)
    prefix = common(fwd_l, fwd_r)
    suffix = common(codes(left.str.reverse()), codes(right.str.reverse()))
    covered = prefix + suffix
    same_length = len_l == len_r
    substitution = same_length & (covered >= len_l - 1)
    rows, at = np.arange(n), np.minimum(prefix, width - 2)
    crossed = (fwd_l[rows, at] == fwd_r[rows, at + 1]) & (fwd_l[rows, at + 1] == fwd_r[rows, at])
    swap = same_length & (covered == len_l - 2) & crossed
    indel = (np.abs(len_l - len_r) == 1) & (covered >= shorter)
    return np.asarray(substitution | swap | indel, dtype=np.bool_)


def _alias_check(
    description: npt.NDArray[np.generic],
    ids: npt.NDArray[np.int64],
    summed: npt.NDArray[np.float32],
    merchant: npt.NDArray[np.int64],
    confidence: npt.NDArray[np.float32],
    labels: ModelLabels,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Rows the model answers ``unknown`` (or a merchant under the threshold) take a
    catalogue merchant whose alias the description prints, at the threshold's confidence.

    Unseen wrapper, city and reference words dilute a short brand name until ``unknown``
    wins although the brand is among the candidates; the alias in the text is the evidence
    the bag of n-grams lost. The evidence, in this order:

    * a top-k candidate whose alias the text prints as whole words: any candidate for an
      alias of ``ALIAS_LONG_CHARS`` letters or more (``ALIAS_LONG_FLOOR``), one holding
      ``ALIAS_FLOOR`` for a shorter one, which is often a first name or a common word
      (``MIKES AUTO REPAIR``); or a candidate holding ``ALIAS_TYPO_FLOOR`` whose alias run
      together (``ALIAS_LONG_CHARS`` letters or more) is one edit inside a word of the
      text, or inside two neighbouring words run together (``MCDONLADS``, ``TABRIA V`` for
      ``TAVRIA V``): same first and last letter, as a slipped key or a doubled letter
      leaves them, where a different name usually differs at its end (``TEODORO`` /
      ``TEODOR``). Likeliest candidate first. Only the model's top-k are candidates, so a
      local business that merely shares a word with some brand stays unknown unless the
      model also saw the brand;
    * failing that, any merchant whose alias of two or more words the text prints as one
      word (``TRADERJOES``): a run-together name that long is a brand's, whatever the
      model's share, which the n-grams spanning the missing space lost.
    """
    unanswered = (merchant == 0) | (confidence < MIN_MERCHANT_CONFIDENCE)
    pending = np.nonzero(unanswered)[0]
    if pending.size == 0:
        return merchant, confidence
    texts = pl.DataFrame(
        {"row": pending, "text": _alias_keys(string_column(description).gather(pending))}
    )
    single = (
        texts.select("row", word=pl.col("text").str.strip_chars().str.split(" "))
        .explode("word")
        .filter(pl.col("word").str.len_chars() > 0)
    )
    # each word, and each two neighbouring words run together (a space printed or dropped)
    spans = (
        pl.concat(
            [
                single,
                single.select("row", word=pl.col("word") + pl.col("word").shift(-1).over("row")),
            ]
        )
        .drop_nulls()
        .filter(pl.col("word").str.len_chars() >= ALIAS_LONG_CHARS)
        .unique()
    )
    rows, slots = np.nonzero(unanswered[:, None] & (ids > 0))
    keep = summed[rows, slots] >= min(ALIAS_FLOOR, ALIAS_LONG_FLOOR, ALIAS_TYPO_FLOOR)
    candidates = pl.DataFrame(
        {
            "row": rows[keep].astype(np.int64),
            "label": ids[rows[keep], slots[keep]],
            "p": summed[rows[keep], slots[keep]],
        },
        schema={"row": pl.Int64, "label": pl.Int64, "p": pl.Float32},
    ).unique(["row", "label"])
    aliases = labels.alias_table
    printed = (
        candidates.join(aliases, on="label")
        .filter(pl.col("p") >= pl.when("long").then(ALIAS_LONG_FLOOR).otherwise(ALIAS_FLOOR))
        .join(texts, on="row")
        .filter(pl.col("text").str.contains(pl.col("alias"), literal=True))
        .select("row", "label", "p")
    )
    near = (
        candidates.filter(pl.col("p") >= ALIAS_TYPO_FLOOR)
        .join(aliases.filter("long"), on="label")
        .join(spans, on="row")
        .filter(
            ((pl.col("chars") - pl.col("word").str.len_chars().cast(pl.Int64)).abs() <= 1)
            & (pl.col("joined").str.head(1) == pl.col("word").str.head(1))
            & (pl.col("joined").str.tail(1) == pl.col("word").str.tail(1))
        )
    )
    typos = near.filter(pl.Series(one_edit(near["joined"], near["word"]))).select(
        "row", "label", "p"
    )
    run_together = (
        single.join(aliases.filter(pl.col("spaced")), left_on="word", right_on="joined")
        .join(candidates, on=["row", "label"], how="left")
        .select("row", "label", pl.col("p").fill_null(0.0))
    )
    found = (
        pl.concat(
            [
                pl.concat([printed, typos]).with_columns(tier=pl.lit(0)),
                run_together.with_columns(tier=pl.lit(1)),
            ]
        )
        .sort(["row", "tier", "p", "label"], descending=[False, False, True, False])
        .unique("row", keep="first")
    )
    merchant, confidence = merchant.copy(), confidence.copy()
    at = found["row"].to_numpy()
    merchant[at] = found["label"].to_numpy()
    confidence[at] = np.float32(MIN_MERCHANT_CONFIDENCE)
    return merchant, confidence


def postprocess(inputs: Tensors, labels: ModelLabels) -> Tensors:
    """Model probabilities -> the ensemble's label and confidence outputs."""
    top_ids = np.asarray(inputs["merchant_top_ids"], dtype=np.int64)
    top_probs = np.asarray(inputs["merchant_top_probs"], dtype=np.float32)
    merchant, merchant_conf, summed = _merge_top(top_ids, top_probs)
    if "description" in inputs and labels.merchant_aliases:
        merchant, merchant_conf = _alias_check(
            inputs["description"],
            top_ids,
            summed,
            merchant,
            merchant_conf,
            labels,
        )
    category = np.asarray(inputs["category_probs"], dtype=np.float32)
    ctype = np.asarray(inputs["counterparty_probs"], dtype=np.float32)
    cat_best, ctype_best = category.argmax(axis=1), ctype.argmax(axis=1)
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
