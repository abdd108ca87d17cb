"""Alias evidence (pure): which catalogue merchants a description prints, and the re-rank."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from streams.core.alias_evidence import (
    AliasTables,
    alias_key,
    alias_keys,
    is_common,
    one_edit,
    prefix_frame,
    rerank,
)

pytestmark = pytest.mark.unit

THRESHOLD = 0.5
MERCHANTS = (
    "unknown",
    "m_lantern",  # GREEN LANTERN
    "m_door",  # BLUE DOOR, BLUEDOOR BAKERIES
    "m_barn",  # RED-BARN, ROSE
    "m_disney",  # DISNEY
    "m_disney_store",  # DISNEY STORE
    "m_oxxo",  # OXXO
    "m_cvs",  # CVS
    "m_kitchn",  # KITCHN
    "m_carcasas",  # LA CASA DE LAS CARCASAS
    "m_casa",  # CASA
    "m_feel",  # FEEL.NO
    "m_garage",  # GARAGE
)
ALIASES = (
    (1, "Green Lantern"),
    (2, "Blue Door"),
    (2, "Bluedoor Bakeries"),
    (3, "RED-BARN"),
    (3, "Rose"),
    (4, "DISNEY"),
    (5, "DISNEY STORE"),
    (6, "OXXO"),
    (7, "CVS"),
    (8, "KITCHN"),
    (9, "LA CASA DE LAS CARCASAS"),
    (10, "CASA"),
    (11, "FEEL.NO"),
    (12, "GARAGE"),
)
WORDS = frozenset(
    {"BLUE", "DOOR", "GREEN", "RED", "BARN", "ROSE", "KITCHEN", "FUEL", "NO", "GARAGE"}
)
TABLES = AliasTables.build(tuple((label, alias_key(a)) for label, a in ALIASES), WORDS)


def _rerank(
    texts: list[str],
    candidates: dict[str, float],
    answer: tuple[str, float] = ("unknown", 0.6),
    not_merchant: bool = False,
) -> list[tuple[str, float]]:
    """Every row: the model answers ``answer`` and also ranks ``candidates`` (merchant ->
    its probability)."""
    index = {m: i for i, m in enumerate(MERCHANTS)}
    top = [(index[answer[0]], answer[1])] + [(index[m], p) for m, p in candidates.items()]
    n = len(texts)
    ids = np.tile(np.array([i for i, _ in top], dtype=np.int64), (n, 1))
    summed = np.tile(np.array([p for _, p in top], dtype=np.float32), (n, 1))
    merchant, confidence = rerank(
        pl.Series(texts),
        ids,
        summed,
        ids[:, 0].copy(),
        summed[:, 0].copy(),
        TABLES,
        THRESHOLD,
        not_merchant=np.full(n, not_merchant),
    )
    return [(MERCHANTS[m], round(float(c), 3)) for m, c in zip(merchant, confidence, strict=True)]


def test_an_unanswered_row_takes_a_candidate_whose_alias_the_text_prints() -> None:
    door, unknown = ("m_door", THRESHOLD), ("unknown", 0.6)
    assert _rerank(
        [
            "RECURRING PMT BLUE DOOR 0412 SEATTLE WA",  # whole words: at the threshold
            "BLUEDOORS BAKERY",  # not whole words
            "blue-door*online",  # case and punctuation folded like the alias
        ],
        {"m_door": 0.01},
    ) == [door, unknown, door]


@pytest.mark.parametrize(
    ("text", "merchant", "p", "named"),
    [
        ("RED BARN FARM SHOP", "m_barn", 0.0001, True),  # long: any candidate
        ("OXXO 0412", "m_oxxo", 0.0001, True),  # short, distinctive: any candidate
        ("ROSE GARDEN CAFE", "m_barn", 0.04, False),  # short, an everyday word: under 0.05
        ("ROSE GARDEN CAFE", "m_barn", 0.06, True),
        ("CVS 0412", "m_cvs", 0.01, False),  # three letters: under 0.02
        ("CVS 0412", "m_cvs", 0.03, True),
    ],
)
def test_a_short_alias_needs_the_models_backing(
    text: str, merchant: str, p: float, named: bool
) -> None:
    assert _rerank([text], {merchant: p})[0][0] == (merchant if named else "unknown")


def test_one_typo_in_a_long_alias_of_a_candidate_is_forgiven() -> None:
    door, unknown = ("m_door", THRESHOLD), ("unknown", 0.6)
    assert _rerank(
        [
            "POS BLEUDOORBAKERIES 0412",  # two letters swapped in the run-together alias
            "BLUEDOORBAKERRIES",  # a letter doubled
            "BLUEDOOR BAKREIES",  # two words, letters swapped in the made-up one
            "BLUEDOORBAKERY",  # two edits
            "BLUEDOORBAKERIE",  # one edit, but at the end: a different name
        ],
        {"m_door": 0.001},
    ) == [door, door, door, unknown, unknown]


def test_a_word_of_the_language_is_not_a_typo() -> None:
    assert _rerank(
        ["HOLLOWAY KITCHEN", "KITCHHN 12", "THISTLEDOWN FUEL NO 339"],
        {"m_kitchn": 0.01, "m_feel": 0.01},
    ) == [("unknown", 0.6), ("m_kitchn", THRESHOLD), ("unknown", 0.6)]


def test_a_long_alias_run_together_names_any_merchant() -> None:
    lantern, unknown = ("m_lantern", THRESHOLD), ("unknown", 0.6)
    assert _rerank(
        [
            "GREENLANTERN 12 MAIN ST",  # the space dropped
            "GREENLAN TERN",  # a space printed elsewhere
            "GREENLANTERNS",  # not whole words
        ],
        {},
    ) == [lantern, lantern, unknown]


def test_an_answer_gives_way_only_to_longer_evidence() -> None:
    disney = ("m_disney", 0.9)
    assert _rerank(
        [
            "DISNEYSTORE 05/25 CARD PURCHASE",  # the sub-brand, run together
            "DISNEY 05/25 CARD PURCHASE",  # the answer's own alias
            "DISNEY STORES",  # DISNEY STORE not printed as whole words
        ],
        {"m_disney_store": 0.05},
        answer=disney,
    ) == [("m_disney_store", THRESHOLD), disney, disney]


def test_an_answer_cut_short_by_the_terminal_holds_its_ground() -> None:
    carcasas = ("m_carcasas", 0.9)
    assert _rerank(
        ["VDP-LA CASA DE LAS CARC", "LA CASA DE LAS 0412", "CASA MADRID"],
        {"m_casa": 0.05},
        answer=carcasas,
    ) == [carcasas, carcasas, ("m_casa", THRESHOLD)]


def test_no_merchant_is_named_for_a_person_or_an_employer() -> None:
    assert _rerank(["BLUE DOOR PAYROLL"], {"m_door": 0.2}, not_merchant=True) == [("unknown", 0.6)]
    # what the model answered itself stands
    assert _rerank(["BLUE DOOR PAYROLL"], {}, answer=("m_door", 0.7), not_merchant=True) == [
        ("m_door", 0.7)
    ]


def test_common_aliases_and_cuts() -> None:
    assert is_common(" ROSE ", WORDS)
    assert is_common(" ROSES ", WORDS)  # a possessive or plural S
    assert not is_common(" OXXO ", WORDS)
    assert not is_common(" R S ", WORDS)  # single letters say nothing
    cuts = prefix_frame(((7, " CVS "), (2, " BLUE DOOR ")))
    assert sorted(cuts.filter(pl.col("label") == 7)["cut"].to_list()) == [" C ", " CV "]
    door = dict(cuts.filter(pl.col("label") == 2).select("cut", "chars").iter_rows())
    assert door[" BLUE "] == 4
    assert door[" BLUE DOO "] == 7
    assert " BLUE DOOR " not in door  # the whole alias is printed evidence, not a cut


def test_nothing_to_rerank() -> None:
    empty = np.zeros((0, 8), dtype=np.int64)
    merchant, confidence = rerank(
        pl.Series([], dtype=pl.String),
        empty,
        empty.astype(np.float32),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.float32),
        TABLES,
        THRESHOLD,
    )
    assert merchant.size == confidence.size == 0


@pytest.mark.parametrize(
    ("left", "right", "close"),
    [
        ("MCDONALDS", "MCDONALDS", True),
        ("MCDONLADS", "MCDONALDS", True),  # neighbours swapped
        ("MCDONALD", "MCDONALDS", True),  # one letter missing
        ("MCDONALDSS", "MCDONALDS", True),  # one letter doubled
        ("MCXONALDS", "MCDONALDS", True),  # one letter replaced
        ("CDONALDSM", "MCDONALDS", False),  # a letter moved: two edits
        ("ABC", "BCA", False),
        ("ABCDEF", "ABCDEFGH", False),
        ("XBCDEY", "ABCDEF", False),
    ],
)
def test_one_edit(left: str, right: str, close: bool) -> None:
    assert one_edit(pl.Series([left]), pl.Series([right])).tolist() == [close]
    assert one_edit(pl.Series([right]), pl.Series([left])).tolist() == [close]


def test_a_one_word_alias_that_is_an_everyday_word_needs_the_models_backing() -> None:
    """Every garage prints GARAGE: the brand of that name only when the model sees it too,
    whatever the alias's length (a long alias otherwise needs no backing: BLUE DOOR)."""
    texts = ["POS DUBOIS GARAGE 0412"]
    assert _rerank(texts, {"m_garage": 0.01}) == [("unknown", 0.6)]
    assert _rerank(texts, {"m_garage": 0.2}) == [("m_garage", THRESHOLD)]
    assert _rerank(["POS BLUEDOOR BAKERIES"], {"m_door": 0.01}) == [("m_door", THRESHOLD)]


def test_alias_key_joins_an_ampersand_between_initials() -> None:
    """The alias keys and the featuriser read H & M as H&M alike."""
    assert alias_key("h & m") == alias_key("H&M") == " H&M "
    assert alias_key("Marks & Spencer") == " MARKS & SPENCER "
    assert alias_key("EE & T-Mobile") == " EE & T MOBILE "
    series = pl.Series(["CARD H & M 123", "B & Q", "EE & T-MOBILE", "H &M."])
    assert alias_keys(series).to_list() == [alias_key(t) for t in series.to_list()]
