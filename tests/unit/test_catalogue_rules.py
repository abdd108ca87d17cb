"""Catalogue build rules (``models/catalogue/build_catalogue.py``), each on its pure function:
fuel sellers are fuel merchants, a curated merchant absorbs its own alias's NSI record, localised
simple-icons titles are not aliases, a shared website is its clear owner's alias only, and a
name's edge symbol stays in its aliases."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

_CATALOGUE = Path(__file__).resolve().parents[2] / "models" / "catalogue"
if str(_CATALOGUE) not in sys.path:
    sys.path.insert(0, str(_CATALOGUE))

import build_catalogue as bc  # noqa: E402

pytestmark = pytest.mark.unit

_GAS = ("TRANSPORTATION_GAS", "5541")
_SHOP = ("GENERAL_MERCHANDISE_CONVENIENCE_STORES", "5499")
_TRANSIT = ("TRANSPORTATION_PUBLIC_TRANSIT", "4111")
TAXONOMY = {
    "TRANSPORTATION_GAS": "TRANSPORTATION",
    "TRANSPORTATION_PUBLIC_TRANSIT": "TRANSPORTATION",
    "TRANSPORTATION_BIKES_AND_SCOOTERS": "TRANSPORTATION",
    "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT": "GOVERNMENT_AND_NON_PROFIT",
    "GENERAL_MERCHANDISE_CONVENIENCE_STORES": "GENERAL_MERCHANDISE",
}


def _cand(
    name: str,
    website: str,
    source: int = bc.SOURCE_NSI,
    aliases: tuple[str, ...] = (),
    category: tuple[str, str] = _TRANSIT,
    countries: frozenset[str] | None = None,
) -> bc.Candidate:
    return bc.Candidate(
        name=name,
        website=website,
        detailed=category[0],
        mcc=category[1],
        countries=countries,
        aliases=aliases,
        source=source,
        exempt=source != bc.SOURCE_NSI,
    )


def _nsi_item(tag_key: str, qid: str, description: str) -> tuple[dict[str, Any], dict[str, Any]]:
    item = {
        "displayName": "Fuelco",
        "tags": {"brand": "Fuelco", "name": "Fuelco", "brand:wikidata": qid},
        "locationSet": {"include": ["de"]},
    }
    wikidata = {qid: {"description": description, "identities": {"website": "https://fuelco.de"}}}
    return item, wikidata


# -- a: a company that sells fuel is a fuel merchant -------------------------------------------
@pytest.mark.parametrize(
    "description",
    [
        "British multinational oil and gas company",
        "German petroleum company",
        "multinational fuel station chain",
        "American oil and gas station brand",
        "Finnish gas station chain",
        "American truck stop chain",
    ],
)
def test_a_fuel_seller_is_read_from_its_description(description: str) -> None:
    assert bc.sells_fuel(description)


@pytest.mark.parametrize(
    "description",
    [
        "American convenience store chain",
        "convenience store and gas station chain in the United States",
        "Spanish petrol, insurance, grocery, restaurants, etc.",
        "car wash chain at TotalEnergies petrol stations",
        "natural gas utility in southern California",
        "German energy supplier",
    ],
)
def test_convenience_chains_grocers_and_utilities_are_not_fuel_sellers(description: str) -> None:
    assert not bc.sells_fuel(description)


def test_an_energy_company_sells_fuel_only_when_it_runs_fuel_stations() -> None:
    assert bc.sells_fuel("American multinational energy corporation", runs_fuel_stations=True)
    assert not bc.sells_fuel("American multinational energy corporation")


def test_a_fuel_brand_is_a_fuel_merchant_under_its_shop_and_car_wash_tags() -> None:
    for tag_key, category in (("shop/convenience", _SHOP), ("amenity/car_wash", _SHOP)):
        item, wikidata = _nsi_item(tag_key, "Q1", "German petroleum company")
        cand = bc.nsi_item_candidate(item, tag_key, "brand", category, wikidata)
        assert cand is not None
        assert (cand.detailed, cand.mcc) == _GAS
        assert not cand.secondary


def test_bottled_gas_and_a_convenience_chain_keep_their_category() -> None:
    utility = ("RENT_AND_UTILITIES_GAS_AND_ELECTRICITY", "5983")
    item, wikidata = _nsi_item("shop/gas", "Q2", "Brazilian distributor of liquefied petroleum gas")
    cand = bc.nsi_item_candidate(item, "shop/gas", "brand", utility, wikidata)
    assert cand is not None and (cand.detailed, cand.mcc) == utility
    item, wikidata = _nsi_item("shop/convenience", "Q3", "American convenience store chain")
    cand = bc.nsi_item_candidate(
        item, "shop/convenience", "brand", _SHOP, wikidata, frozenset({"Q3"})
    )
    assert cand is not None and (cand.detailed, cand.mcc) == _SHOP


# -- b: an NSI record named after a curated merchant's alias, on its website, is that merchant --
def test_an_nsi_record_named_as_a_curated_alias_on_its_website_is_folded_in() -> None:
    curated = _cand("Nederlandse Spoorwegen", "ns.nl", bc.SOURCE_CURATED, ("NS", "NS.NL"))
    nsi = _cand(
        "NS", "ns.nl", countries=frozenset({"NL"}), aliases=("NS", "Nederlandse Spoorwegen")
    )
    elsewhere = _cand("NS", "ns.example")
    merchants = bc.merge_candidates([curated, nsi, elsewhere])
    assert sorted((m.name, m.website) for m in merchants) == [
        ("NS", "ns.example"),
        ("Nederlandse Spoorwegen", "ns.nl"),
    ]
    merged = next(m for m in merchants if m.website == "ns.nl")
    assert merged.source == bc.SOURCE_CURATED


def test_a_simple_icons_entry_named_as_a_curated_alias_on_its_website_is_folded_in() -> None:
    curated = _cand("NS", "ns.nl", bc.SOURCE_CURATED, ("NS", "NEDERLANDSE SPOORWEGEN"))
    icon = _cand("Nederlandse Spoorwegen", "ns.nl", bc.SOURCE_SIMPLE_ICONS)
    merchants = bc.merge_candidates([curated, icon])
    assert [(m.name, m.website, m.source) for m in merchants] == [
        ("NS", "ns.nl", bc.SOURCE_CURATED)
    ]


def test_initials_joined_by_an_ampersand_give_no_bare_initials() -> None:
    assert bc.descriptor_forms("H&M") == ["H&M"]
    assert bc.descriptor_forms("M&S") == ["M&S"]
    assert bc.descriptor_forms("AT&T") == ["AT&T", "ATT"]
    assert bc.descriptor_forms("Marks & Spencer") == ["MARKS & SPENCER", "MARKS SPENCER"]


def test_no_fold_when_two_curated_merchants_claim_the_alias() -> None:
    groups = {
        ("ns", "ns.nl"): [_cand("NS", "ns.nl")],
        ("a", "ns.nl"): [_cand("A", "ns.nl", bc.SOURCE_CURATED, ("NS",))],
        ("b", "ns.nl"): [_cand("B", "ns.nl", bc.SOURCE_CURATED, ("NS",))],
    }
    assert bc.alias_fold_target(("ns", "ns.nl"), groups) is None
    del groups[("b", "ns.nl")]
    assert bc.alias_fold_target(("ns", "ns.nl"), groups) == ("a", "ns.nl")


# -- c: simple-icons' localised titles are other brands, not aliases ---------------------------
def test_localised_simple_icons_titles_are_not_aliases() -> None:
    icon = {
        "title": "Just Eat",
        "aliases": {
            "aka": ["JustEat"],
            "loc": {"de-DE": "Lieferando.de", "nl-NL": "Thuisbezorgd.nl"},
        },
    }
    assert bc.simple_icon_aliases(icon) == ("Just Eat", "JustEat")


# -- d: a shared website is its clear owner's alias, nobody's on a tie -------------------------
def _merchant(name: str, website: str, aliases: tuple[str, ...] = ()) -> bc.Merchant:
    return bc.Merchant(
        name=name,
        website=website,
        detailed="TRANSPORTATION_PUBLIC_TRANSIT",
        mcc="4111",
        countries=("GB",),
        core_aliases=(*bc.descriptor_forms(name), *aliases, website.upper()),
        package_aliases=(),
        source=bc.SOURCE_CURATED,
        allowlisted=True,
    )


def test_the_owner_of_a_shared_website_is_named_by_the_domain() -> None:
    hotels = {
        "m_marriott": _merchant("Marriott", "marriott.com"),
        "m_courtyard": _merchant("Courtyard", "marriott.com"),
    }
    assert bc.website_owner("marriott.com", hotels) == "m_marriott"
    transit = {
        "m_tfl": _merchant("Transport for London", "tfl.gov.uk", ("TFL",)),
        "m_cycles": _merchant("Santander Cycles", "tfl.gov.uk"),
    }
    assert bc.website_owner("tfl.gov.uk", transit) == "m_tfl"
    assert bc.website_owner("e.leclerc", {"m_a": _merchant("E.Leclerc", "e.leclerc")}) == "m_a"


def test_a_shared_website_without_a_clear_owner_is_nobodys() -> None:
    bodies = {"m_hmrc": _merchant("HMRC", "gov.uk"), "m_dvla": _merchant("DVLA", "gov.uk")}
    assert bc.website_owner("gov.uk", bodies) is None
    twins = {"m_a": _merchant("Aok Bayern", "aok.de"), "m_b": _merchant("Aok Plus", "aok.de")}
    assert bc.website_owner("aok.de", twins) is None


def test_only_the_owner_gets_a_shared_website_as_an_alias() -> None:
    merchants = [
        _merchant("Transport for London", "tfl.gov.uk", ("TFL",)),
        _merchant("Santander Cycles", "tfl.gov.uk"),
        _merchant("HMRC", "gov.uk"),
        _merchant("DVLA", "gov.uk"),
        _merchant("Metro Line", "metroline.example"),
    ]
    aliases = {row[0]: row[7].split("|") for row in bc.build_rows(merchants, TAXONOMY)}
    assert "TFL.GOV.UK" in aliases["m_transport_for_london"]
    assert "TFL.GOV.UK" not in aliases["m_santander_cycles"]
    assert "GOV.UK" not in aliases["m_hmrc"] + aliases["m_dvla"]
    assert "METROLINE.EXAMPLE" in aliases["m_metro_line"]


# -- e: a name's leading or trailing symbol stays in its aliases -------------------------------
@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("&pizza", ["&PIZZA"]),
        ("& Other Stories", ["& OTHER STORIES"]),
        ("Disney+", ["DISNEY+"]),
        ("@home", ["@HOME"]),
        ("Carl's Jr.", ["CARL'S JR.", "CARLS JR"]),
        ("AT&T", ["AT&T", "ATT"]),
        ("McDonald's", ["MCDONALD'S", "MCDONALDS"]),
    ],
)
def test_an_edge_symbol_is_kept_in_every_form(name: str, forms: list[str]) -> None:
    assert bc.descriptor_forms(name) == forms


def test_the_bare_core_of_a_symbol_name_is_still_claimed_by_it() -> None:
    assert "HOME" in bc.name_forms("@home")
    assert "HOME" not in bc.descriptor_forms("@home")
