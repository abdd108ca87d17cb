"""Static word vectors for the category model, keyed by the featuriser's word ids.

A bank descriptor's words say what kind of flow it is (``WAGES``, ``PENSION``, ``LEASE``,
``REFUND``), and a held-out template uses words training never printed. Pretrained word
vectors carry what the training rows cannot: ``WAGES`` lies near ``SALARY`` and
``PAYROLL``. The vectors are WordLlama's (PyPI ``wordllama``, MIT; its 256-d
``l2_supercat`` token embeddings ship inside the wheel), averaged over each word's tokens,
cut to the first :data:`WORD_DIM` dimensions (the embeddings are trained Matryoshka-style,
so a prefix is itself an embedding) and L2-normalised, for the :data:`VOCAB_WORDS` most
frequent English words of PyPI ``wordfreq``. Nothing is downloaded: both packages' files
are read from their install folders.

The result is two arrays that the ONNX graph indexes: ``rows`` [BUCKETS] int32 maps a word
id to a row of ``vectors`` [V + 1, WORD_DIM] (row 0, the zero vector, for every id that no
vocabulary word has). Where two words share an id, the more frequent one keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt
import polars as pl
import wordfreq
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from streams.core.featurise import BUCKETS, normalise, word_ids

__all__ = ["VOCAB_WORDS", "WORD_DIM", "WordVectors", "word_vectors"]

VOCAB_WORDS = 100_000
WORD_DIM = 128
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")


@dataclass(frozen=True)
class WordVectors:
    rows: npt.NDArray[np.int32]  # [BUCKETS] word id -> row of vectors (0 = none)
    vectors: npt.NDArray[np.float32]  # [V + 1, WORD_DIM], row 0 zero
    words: tuple[str, ...]  # the word of each row from 1 (for the model card)


def _package_file(*parts: str) -> str:
    return str(resources.files("wordllama").joinpath(*parts))


def word_vectors(size: int = VOCAB_WORDS, dim: int = WORD_DIM) -> WordVectors:
    """The table for the ``size`` most frequent English words (deterministic)."""
    table = load_file(_package_file(*_WEIGHTS))["embedding.weight"].astype(np.float32)
    tokenizer = Tokenizer.from_file(_package_file(*_TOKENIZER))
    ranked = wordfreq.top_n_list("en", size)
    forms = pl.DataFrame({"word": ranked}).select(form=normalise(pl.col("word")))["form"]
    words: list[str] = []
    upper: list[str] = []  # each word's featuriser form; the commonest word keeps a form
    seen: set[str] = set()
    for word, form in zip(ranked, forms.to_list(), strict=True):
        if form and " " not in form and form not in seen and any(c.isalpha() for c in form):
            seen.add(form)
            words.append(word)
            upper.append(form)
    ids = word_ids(upper)
    rows = np.zeros(BUCKETS, dtype=np.int32)
    kept: list[int] = []
    for i, bucket in enumerate(ids):
        if rows[bucket] == 0:  # the more frequent word keeps a shared id
            kept.append(i)
            rows[bucket] = len(kept)
    encoded = tokenizer.encode_batch([words[i].lower() for i in kept], add_special_tokens=False)
    vectors = np.zeros((len(kept) + 1, dim), dtype=np.float32)
    for row, enc in enumerate(encoded, 1):
        mean = table[enc.ids, :dim].mean(axis=0)
        vectors[row] = mean / max(float(np.linalg.norm(mean)), 1e-6)
    return WordVectors(rows, vectors, tuple(upper[i] for i in kept))
