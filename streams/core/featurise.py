"""Text -> model features: the ONE featuriser that training and serving share.

The models read a description without the bank's card-payment and reference words
(``CONTACTLESS PAYMENT``, ``PAGO CON TARJETA``, ``FACTURE CARTE DU``, mandate numbers:
``reference/bank_words.tsv``, ``counterparty.without_payment_words``): they tell neither the
payee nor the category, and a bank's form the recipe never printed would otherwise dilute a
short brand name. The bank's words of the flow (salary, rent, transfer, direct debit) stay.
The rest is normalised (upper case, accents folded, apostrophes dropped, every other
non-alphanumeric run but ``&`` -> one space, an ampersand between short words joined to
them: ``H & M`` is ``H&M`` as ``AT & T`` is ``AT&T``, :data:`SPACED_AMPERSAND`; every digit
-> ``0`` with runs capped at six, cut to :data:`MAX_CHARS`), a word printed twice in a row
kept once (a terminal's name that ends in its town, then the town field: ``LIDL NIJMEGEN
NIJMEGEN``; :func:`model_text`), then hashed into ids in
``[1, BUCKETS)`` (0 is padding):

* character n-grams (n = 3, 4, 5) of ``" " + text + " "`` (spaces mark word edges, and the
  n-grams that span two words carry some word-order context);
* word unigrams and bigrams (the first :data:`MAX_WORDS` words).

The hash is 64-bit FNV-1a over Unicode code points, computed with numpy in fixed-width
columns (no per-row Python, no ``hash()``, no library hash whose value may change between
versions), so every process and platform gives the same ids. Amount sign and MCC are side
inputs. Changing anything here changes the ids: bump :data:`FEATURISER_VERSION` and retrain.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from streams.core.counterparty import without_payment_words

__all__ = [
    "BUCKETS",
    "FEATURISER_VERSION",
    "JOINED_AMPERSAND",
    "MAX_CHARS",
    "MAX_WORDS",
    "MCC_SIZE",
    "NGRAMS",
    "SEQ_LEN",
    "SPACED_AMPERSAND",
    "WORD_START",
    "code_points",
    "featurise",
    "model_text",
    "normalise",
    "word_ids",
]

FEATURISER_VERSION: Final = "fnv1a-c345-w16-b18-v3"
BUCKETS: Final = 1 << 18  # ids are in [1, BUCKETS); 0 is padding
MAX_CHARS: Final = 96
MAX_WORDS: Final = 16
WORD_WIDTH: Final = 20  # characters of a word that its hash sees
NGRAMS: Final = (3, 4, 5)
_WIDTH = MAX_CHARS + 2  # with the two edge spaces
WORD_START: Final = sum(_WIDTH - n + 1 for n in NGRAMS)  # tokens[:, WORD_START:][:MAX_WORDS]
SEQ_LEN: Final = WORD_START + 2 * MAX_WORDS - 1
MCC_SIZE: Final = 10_001  # mcc id = int(mcc) + 1 for a 4-digit MCC, else 0

# An ampersand between words of one or two characters, spaced: brands of initials print it
# either way (H & M, H&M; M & S; B & Q). Words, not parts of one (EE & T-MOBILE keeps its
# T-MOBILE): each side is bounded by a space or the end, matched in the text before other
# punctuation turns to spaces. Groups 1-4: the edge, the two words, the edge; the regex is
# the same in Python's re and polars (Rust), replaced by the words joined by ``&``.
SPACED_AMPERSAND: Final = r"(^|\s)([A-Z0-9]{1,2}) *& *([A-Z0-9]{1,2})(\s|$)"
JOINED_AMPERSAND: Final = "${1}${2}&${3}${4}"  # polars' replacement; re's is r"\1\2&\3\4"

_OFFSET = np.uint64(0xCBF29CE484222325)
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)
# Distinct start values keep the id spaces of n-grams, words and bigrams apart.
_SEED_WORD, _SEED_BIGRAM = np.uint64(101), np.uint64(202)

Int64Array = npt.NDArray[np.int64]
Float32Array = npt.NDArray[np.float32]


def normalise(texts: pl.Expr) -> pl.Expr:
    """A description upper-cased, accent-folded, digits as ``0``, one space; the models read
    it without the bank's card-payment words (:func:`model_text`)."""
    text = texts.cast(pl.String).fill_null("").str.to_uppercase().str.normalize("NFKD")
    text = text.str.replace_all(r"\p{M}+", "").str.to_uppercase()
    text = text.str.replace_all(r"['\u2018\u2019`]", "")
    text = text.str.replace_all(SPACED_AMPERSAND, JOINED_AMPERSAND)
    text = text.str.replace_all(r"[^\p{L}\p{N}&]+", " ").str.replace_all(r"\p{N}", "0")
    text = text.str.replace_all(r"0{7,}", "000000")
    return text.str.replace_all(r"\s+", " ").str.strip_chars().str.slice(0, MAX_CHARS)


def model_text(texts: pl.Expr) -> pl.Expr:
    """The text the models read: the description without the bank's card-payment and
    reference words, normalised, a word (with a letter) printed twice in a row kept once."""
    words = normalise(without_payment_words(texts)).str.split(" ")
    word = pl.element()
    repeated = word.eq_missing(word.shift(1)) & word.str.contains(r"\p{L}")
    kept = words.list.eval(word.filter(~repeated))
    return kept.list.join(" ")


def code_points(texts: list[str] | npt.NDArray[np.object_], width: int) -> npt.NDArray[np.uint64]:
    """[N, width] Unicode code points (0 after the end); longer strings are cut."""
    fixed = np.asarray(texts, dtype=f"<U{width}")
    if fixed.size == 0:
        return np.zeros((0, width), dtype=np.uint64)
    return fixed.view(np.uint32).reshape(len(fixed), width).astype(np.uint64)


def _fnv(columns: npt.NDArray[np.uint64], seed: np.uint64) -> npt.NDArray[np.uint64]:
    """FNV-1a over the last axis (each code point one unit), seeded."""
    h = np.full(columns.shape[:-1], _OFFSET ^ seed, dtype=np.uint64)
    for k in range(columns.shape[-1]):
        h = (h ^ columns[..., k]) * _PRIME
    return h


def _bucket(h: npt.NDArray[np.uint64]) -> Int64Array:
    """Finalise (xor-shift, multiply) and map to [1, BUCKETS)."""
    h = (h ^ (h >> np.uint64(29))) * _MIX
    h = h ^ (h >> np.uint64(32))
    return (h % np.uint64(BUCKETS - 1) + np.uint64(1)).astype(np.int64)


def _char_ngrams(padded: list[str], lengths: Int64Array) -> tuple[Int64Array, Float32Array]:
    codes = code_points(padded, _WIDTH)
    ids, masks = [], []
    with np.errstate(over="ignore"):
        for n in NGRAMS:
            windows = np.lib.stride_tricks.sliding_window_view(codes, n, axis=1)
            valid = np.arange(_WIDTH - n + 1)[None, :] + n <= lengths[:, None]
            ids.append(np.where(valid, _bucket(_fnv(windows, np.uint64(n))), 0))
            masks.append(valid)
    return np.concatenate(ids, axis=1), np.concatenate(masks, axis=1).astype(np.float32)


def word_ids(words: list[str]) -> Int64Array:
    """The unigram id ``featurise`` gives each (already normalised, space-free) word."""
    with np.errstate(over="ignore"):
        return _bucket(_fnv(code_points(words, WORD_WIDTH), _SEED_WORD))


def _words(texts: pl.Series, n: int) -> tuple[Int64Array, Float32Array]:
    """Word unigram ids [N, MAX_WORDS] then bigram ids [N, MAX_WORDS - 1], with masks."""
    exploded = (
        pl.DataFrame({"w": texts})
        .with_row_index("row")
        .with_columns(pl.col("w").str.split(" "))
        .explode("w")
        .filter(pl.col("w").str.len_chars() > 0)
        .with_columns(pos=pl.int_range(pl.len()).over("row"))
        .filter(pl.col("pos") < MAX_WORDS)
    )
    rows = exploded["row"].to_numpy().astype(np.int64)
    pos = exploded["pos"].to_numpy().astype(np.int64)
    uni = np.zeros((n, MAX_WORDS), dtype=np.int64)
    bi = np.zeros((n, MAX_WORDS - 1), dtype=np.int64)
    with np.errstate(over="ignore"):
        raw = _fnv(code_points(exploded["w"].to_list(), WORD_WIDTH), _SEED_WORD)
        uni[rows, pos] = _bucket(raw)
        pair = rows[1:] == rows[:-1]
        joined = ((raw[:-1] ^ _SEED_BIGRAM) * _MIX) ^ raw[1:]
        bi[rows[:-1][pair], pos[:-1][pair]] = _bucket(joined[pair])
    ids = np.concatenate([uni, bi], axis=1)
    return ids, (ids > 0).astype(np.float32)


def featurise(
    frame: pl.DataFrame,
    *,
    description: str = "description",
    direction: str = "direction",
    mcc: str = "mcc",
) -> dict[str, npt.NDArray[np.int64] | npt.NDArray[np.float32]]:
    """Model inputs for each row of ``frame`` (missing ``direction``/``mcc`` columns are null).

    Returns (N = ``frame.height``, L = :data:`SEQ_LEN`):

    * ``tokens`` int64 [N, L]: hashed n-gram/word ids, 0 = padding;
    * ``mask`` float32 [N, L]: 1.0 where ``tokens`` is a real id;
    * ``mcc`` int64 [N, 1]: ``int(mcc) + 1`` for a 4-digit MCC, else 0;
    * ``dense`` float32 [N, 2]: ``[is_credit, is_debit]`` (both 0 when unknown).

    An empty description gives an all-zero mask: models divide by ``max(sum(mask), 1)``.
    """
    columns = [
        model_text(pl.col(description)).alias("text"),
        (
            pl.col(direction).cast(pl.String).str.to_lowercase()
            if direction in frame.columns
            else pl.lit(None, dtype=pl.String)
        ).alias("dir"),
        (
            pl.col(mcc).cast(pl.String).str.strip_chars()
            if mcc in frame.columns
            else pl.lit(None, dtype=pl.String)
        ).alias("mcc"),
    ]
    table = frame.select(columns).with_columns(
        padded=pl.lit(" ") + pl.col("text") + pl.lit(" "),
        mcc_id=pl.when(pl.col("mcc").str.contains(r"^\d{4}$"))
        .then(pl.col("mcc").cast(pl.Int64, strict=False) + 1)
        .otherwise(0)
        .fill_null(0),
    )
    n = table.height
    lengths = table["padded"].str.len_chars().to_numpy().astype(np.int64)
    char_ids, char_mask = _char_ngrams(table["padded"].to_list(), lengths)
    word_ids, word_mask = _words(table["text"], n)
    direction_col = table["dir"]
    dense = np.stack(
        [
            (direction_col == "credit").fill_null(False).to_numpy(),
            (direction_col == "debit").fill_null(False).to_numpy(),
        ],
        axis=1,
    ).astype(np.float32)
    return {
        "tokens": np.concatenate([char_ids, word_ids], axis=1),
        "mask": np.concatenate([char_mask, word_mask], axis=1),
        "mcc": table["mcc_id"].to_numpy().astype(np.int64).reshape(n, 1),
        "dense": dense.reshape(n, 2),
    }
