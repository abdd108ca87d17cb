"""Every input of the fuzzer's committed corpus (``tests/fuzz/corpus``: hand-written seeds and
what the coverage-guided runs found) still holds the decode + validate property."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.target import check

pytestmark = pytest.mark.unit

CORPUS = sorted((Path(__file__).parents[1] / "fuzz" / "corpus").iterdir())


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 20
    assert any(p.name.startswith("seed-") for p in CORPUS)
    assert any(not p.name.startswith("seed-") for p in CORPUS), "no input the fuzzer found"


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_input(path: Path) -> None:
    check(path.read_bytes())
