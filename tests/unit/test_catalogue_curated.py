"""The hand-kept merchant table (``models/catalogue/curated_merchants.tsv``): one merchant a
line, six tab-separated columns, and a malformed line names its file and line."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_CATALOGUE = ROOT / "models" / "catalogue"
if str(_CATALOGUE) not in sys.path:
    sys.path.insert(0, str(_CATALOGUE))

from catalogue_data import ISO_COUNTRIES  # noqa: E402
from curated import (  # noqa: E402
    CURATED_PATH,
    CuratedFileError,
    CuratedMerchant,
    load_curated,
    parse_curated,
)

pytestmark = pytest.mark.unit

TAXONOMY = frozenset({"TRANSPORTATION_PUBLIC_TRANSIT", "RENT_AND_UTILITIES_WATER"})
HEADER = "name\twebsite\tdetailed\tmcc\tcountries\taliases"
GOOD = "Metro Line\tmetroline.example\tTRANSPORTATION_PUBLIC_TRANSIT\t4111\tDE|NL\tMETRO LINE|ML"


def _parse(*lines: str, mccs: frozenset[str] | None = None) -> tuple[CuratedMerchant, ...]:
    return parse_curated(lines, "curated.tsv", TAXONOMY, ISO_COUNTRIES, mccs)


def test_a_line_is_one_merchant_with_pipe_separated_lists() -> None:
    assert _parse("# a comment", HEADER, "", GOOD) == (
        CuratedMerchant(
            "Metro Line",
            "metroline.example",
            "TRANSPORTATION_PUBLIC_TRANSIT",
            "4111",
            ("DE", "NL"),
            ("METRO LINE", "ML"),
        ),
    )


def test_empty_countries_and_aliases_are_empty_tuples() -> None:
    (merchant,) = _parse("Water Co\twater.example\tRENT_AND_UTILITIES_WATER\t4900\t\t")
    assert merchant.countries == ()
    assert merchant.aliases == ()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Metro Line\tmetroline.example\tTRANSPORTATION_PUBLIC_TRANSIT\t4111\tDE", "columns"),
        (GOOD.replace("TRANSPORTATION_PUBLIC_TRANSIT", "TRANSIT"), "category_detailed"),
        (GOOD.replace("\t4111\t", "\t411\t"), "MCC"),
        (GOOD.replace("DE|NL", "DE|XX"), "country"),
        (GOOD.replace("metroline.example", "https://metroline.example/"), "website"),
        (GOOD.replace("METRO LINE", "Metro Line"), "upper case"),
        ("\tmetroline.example\tTRANSPORTATION_PUBLIC_TRANSIT\t4111\t\t", "empty name"),
    ],
)
def test_a_malformed_line_names_the_file_and_line(line: str, problem: str) -> None:
    with pytest.raises(CuratedFileError, match=rf"^curated\.tsv:3: .*{problem}"):
        _parse(HEADER, "# comment", line)


def test_an_mcc_unknown_to_iso18245_is_refused() -> None:
    with pytest.raises(CuratedFileError, match=r"curated\.tsv:1: bad MCC '4111'"):
        _parse(GOOD, mccs=frozenset({"4112"}))


def test_a_repeated_merchant_is_refused() -> None:
    with pytest.raises(CuratedFileError, match=r"curated\.tsv:2: duplicate of line 1"):
        _parse(GOOD, GOOD.replace("DE|NL", "BE"))


def test_the_shipped_table_loads() -> None:
    taxonomy_csv = ROOT.parent / "shared" / "data" / "personal_finance_categories.csv"
    if not taxonomy_csv.exists():
        pytest.skip("the shared taxonomy is not beside the repository")
    with taxonomy_csv.open(encoding="utf-8", newline="") as handle:
        taxonomy = {row["DETAILED"] for row in csv.DictReader(handle)}
    merchants = load_curated(CURATED_PATH, taxonomy, ISO_COUNTRIES)
    names = {merchant.name for merchant in merchants}
    assert len(merchants) > 200
    assert {"Amazon", "IRS", "Trainline", "HMRC", "Lieferando"} <= names
