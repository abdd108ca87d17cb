"""The shared featuriser: shapes, dtypes, padding, determinism across processes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

np = pytest.importorskip("numpy")  # featurise needs numpy; skip where it is not installed

from streams.core.featurise import (  # noqa: E402
    BUCKETS,
    MAX_WORDS,
    SEQ_LEN,
    featurise,
    model_text,
    normalise,
)

pytestmark = pytest.mark.unit

ROWS = pl.DataFrame(
    {
        "description": [
            "PURCHASE AUTHORIZED ON 04/12 STARBUCKS STORE 11542 SEATTLE WA S582103942 CARD 4421",
            "Café Crème  Zürich",
            "",
            None,
            "A",
            "ZELLE PAYMENT TO MARIA LOPEZ 8HD7JS92K " * 5,
        ],
        "direction": ["debit", "credit", None, "debit", "sideways", "debit"],
        "mcc": ["5814", None, "12", "4899", " 5812 ", "abcd"],
    }
)


def test_shapes_and_dtypes() -> None:
    feats = featurise(ROWS)
    n = ROWS.height
    assert feats["tokens"].shape == (n, SEQ_LEN) and feats["tokens"].dtype == np.int64
    assert feats["mask"].shape == (n, SEQ_LEN) and feats["mask"].dtype == np.float32
    assert feats["mcc"].shape == (n, 1) and feats["mcc"].dtype == np.int64
    assert feats["dense"].shape == (n, 2) and feats["dense"].dtype == np.float32
    assert feats["tokens"].min() >= 0 and feats["tokens"].max() < BUCKETS


def test_padding_and_mask_agree() -> None:
    feats = featurise(ROWS)
    assert np.array_equal(feats["mask"] > 0, feats["tokens"] > 0)
    counts = feats["mask"].sum(axis=1)
    assert counts[2] == 0 and counts[3] == 0  # empty and null descriptions: all padding
    assert counts[4] == 2  # " A ": one 3-gram and one word
    assert counts[0] > 50


def test_side_inputs() -> None:
    feats = featurise(ROWS)
    assert feats["mcc"][:, 0].tolist() == [5815, 0, 0, 4900, 5813, 0]
    assert feats["dense"].tolist() == [[0, 1], [1, 0], [0, 0], [0, 1], [0, 0], [0, 1]]


def test_missing_side_columns() -> None:
    feats = featurise(ROWS.select("description"))
    assert not feats["mcc"].any() and not feats["dense"].any()


def test_normalise() -> None:
    out = ROWS.select(normalise(pl.col("description")))["description"].to_list()
    assert out[1] == "CAFE CREME ZURICH"
    assert out[0].startswith("PURCHASE AUTHORIZED ON 00 00 STARBUCKS STORE 00000")
    assert out[2] == "" and out[3] == ""
    assert max(len(t) for t in out) <= 96


def test_long_text_is_cut_to_max_words() -> None:
    feats = featurise(ROWS)
    words = feats["tokens"][5, SEQ_LEN - (2 * MAX_WORDS - 1) :]
    assert (words[:MAX_WORDS] > 0).sum() <= MAX_WORDS


def test_batch_independent() -> None:
    whole = featurise(ROWS)
    for i in range(ROWS.height):
        single = featurise(ROWS.slice(i, 1))
        for name, value in single.items():
            assert np.array_equal(value[0], whole[name][i]), name


def test_same_ids_in_a_fresh_process() -> None:
    """No per-process hash seed: another interpreter computes the same ids."""
    code = (
        "import polars as pl, hashlib;"
        "from streams.core.featurise import featurise;"
        f"f = featurise(pl.DataFrame({{'description': {ROWS['description'].to_list()!r}}}));"
        "print(hashlib.sha256(f['tokens'].tobytes()).hexdigest())"
    )
    env_out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        cwd=str(Path(__file__).resolve().parents[2]),
    ).stdout.strip()
    here = featurise(ROWS.select("description"))["tokens"].tobytes()
    assert env_out == hashlib.sha256(here).hexdigest()


def test_known_ids_are_stable() -> None:
    """Pinned values: a change here means every trained model must be retrained."""
    feats = featurise(pl.DataFrame({"description": ["NETFLIX.COM"]}))
    ids = feats["tokens"][0][feats["mask"][0] > 0]
    assert ids.size == 11 + 10 + 9 + 2 + 1  # " NETFLIX COM ": 3/4/5-grams, 2 words, 1 bigram
    assert ids[:3].tolist() == PINNED


PINNED = [24938, 120624, 62770]


def test_an_ampersand_between_initials_is_joined() -> None:
    """H & M and H&M are one brand to the models; an ampersand between words is kept spaced."""
    texts = pl.DataFrame(
        {"t": ["H & M HENNES", "CARD B &Q 12", "M&S", "MARKS & SPENCER", "EE & T-MOBILE"]}
    )
    out = texts.select(normalise(pl.col("t")))["t"].to_list()
    assert out == ["H&M HENNES", "CARD B&Q 00", "M&S", "MARKS & SPENCER", "EE & T MOBILE"]


@pytest.mark.parametrize(
    ("description", "read"),
    [
        # a bank's card-payment words, in the languages of bank_words.tsv, are not read
        ("Contactless Payment ZARA NOTTINGHAM", "ZARA NOTTINGHAM"),
        ("PAGO CON TARJETA DECATHLON MURCIA", "DECATHLON MURCIA"),
        ("SEPA-KARTENZAHLUNG ALDI SUED", "ALDI SUED"),
        ("BEA, Betaalpas JUMBO UTRECHT,PAS123", "JUMBO UTRECHT"),
        ("SEPA-LASTSCHRIFT MANDATSREF M-77 STADTWERKE", "SEPA LASTSCHRIFT STADTWERKE"),
        # the flow's words stay: they carry the category
        ("DIRECT DEBIT BRITISH GAS", "DIRECT DEBIT BRITISH GAS"),
        ("GEHALT MAERZ", "GEHALT MAERZ"),
        # a town printed twice in a row is read once; numbers and other repeats are kept
        ("LIDL NIJMEGEN NIJMEGEN", "LIDL NIJMEGEN"),
        ("IKEA KOELN//KOELN/DE", "IKEA KOELN DE"),
        ("ROOM 12 12 NEW YORK", "ROOM 00 00 NEW YORK"),
        ("WALLA WALLA", "WALLA"),
        ("", ""),
    ],
)
def test_model_text_drops_the_banks_card_words_and_a_repeated_word(
    description: str, read: str
) -> None:
    out = pl.DataFrame({"t": [description]}).select(model_text(pl.col("t")))["t"].to_list()
    assert out == [read]


def test_featurise_reads_the_model_text() -> None:
    """Two lines that differ only in the bank's card words get the same features."""
    a = featurise(pl.DataFrame({"description": ["Contactless Payment ZARA LEEDS LEEDS"]}))
    b = featurise(pl.DataFrame({"description": ["ZARA LEEDS"]}))
    assert np.array_equal(a["tokens"], b["tokens"])
