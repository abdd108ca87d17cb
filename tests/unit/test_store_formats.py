"""A chain's store format is the chain (``streams.core.store_formats``), in the merchant step."""

from __future__ import annotations

import polars as pl
import pytest

from streams.core.merchant import MerchantCatalogue, attach_merchants
from streams.core.store_formats import store_formats
from tests.catalogue_rows import merchants_frame

pytestmark = pytest.mark.unit

_ROWS = [
    # merchant_id, name, website, detailed, countries
    ("m_tesco", "Tesco", "tesco.com", "FOOD_AND_DRINK_GROCERIES", ""),
    ("m_tesco_express", "Tesco Express", "tesco.com", "GENERAL_MERCHANDISE_CONVENIENCE_STORES", ""),
    ("m_carrefour", "Carrefour", "carrefour.com", "FOOD_AND_DRINK_GROCERIES", ""),
    ("m_carrefour_market", "Carrefour Market", "carrefour.fr", "FOOD_AND_DRINK_GROCERIES", "FR"),
    ("m_hix", "Holiday Inn Express", "hix.com", "TRAVEL_LODGING", ""),
    ("m_hix_suites", "Holiday Inn Express & Suites", "hix.com", "TRAVEL_LODGING", "US"),
    ("m_apple", "Apple", "apple.com", "GENERAL_MERCHANDISE_ELECTRONICS", ""),
    (
        "m_apple_services",
        "Apple Services",
        "apple.com",
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
        "",
    ),
    ("m_kroger", "Kroger", "kroger.com", "FOOD_AND_DRINK_GROCERIES", "US"),
    ("m_kroger_uk", "Kroger Local", "kroger.com", "FOOD_AND_DRINK_GROCERIES", "GB"),
    ("m_shell", "Shell", "shell.com", "TRANSPORTATION_GAS", ""),
    ("m_shellfish", "Shellfish Shack", "shell.com", "TRANSPORTATION_GAS", ""),
]
FRAME = merchants_frame(_ROWS, mcc="5411")


def test_formats_of_one_trade_on_the_chains_websites_are_the_chain() -> None:
    assert store_formats(FRAME) == {
        "m_tesco_express": "m_tesco",  # a grocer's convenience format
        "m_carrefour_market": "m_carrefour",  # the chain's national site
        "m_hix_suites": "m_hix",
    }


def test_not_another_trade_nor_where_the_chain_does_not_trade_nor_a_longer_word() -> None:
    formats = store_formats(FRAME)
    assert "m_apple_services" not in formats  # services, not the Apple Store
    assert "m_kroger_uk" not in formats  # the chain does not trade in GB
    assert "m_shellfish" not in formats  # SHELLFISH is not SHELL followed by a word


def test_a_name_cut_short_and_a_format_without_countries_on_the_chains_site() -> None:
    rows = [
        ("m_mono", "Monoprima", "monoprima.example", "FOOD_AND_DRINK_GROCERIES", "FR"),
        ("m_mono_cut", "Monop'", "monoprima.example", "GENERAL_MERCHANDISE_CONVENIENCE_STORES", ""),
        ("m_mon_cut", "Mon'", "monoprima.example", "FOOD_AND_DRINK_GROCERIES", ""),
        ("m_mono_other", "Monopoly'", "monoprima.example", "FOOD_AND_DRINK_GROCERIES", ""),
        ("m_fresh", "Freshco", "freshco.example", "FOOD_AND_DRINK_GROCERIES", "ES|PT"),
        ("m_fresh_market", "Freshco Market", "freshco.example", "FOOD_AND_DRINK_GROCERIES", ""),
        ("m_fresh_gr", "Freshco City", "freshco.gr", "FOOD_AND_DRINK_GROCERIES", ""),
        ("m_shell", "Shell", "shellfish.example", "FOOD_AND_DRINK_RESTAURANT", ""),
        ("m_shellfish", "Shellfish", "shellfish.example", "FOOD_AND_DRINK_RESTAURANT", ""),
    ]
    assert store_formats(merchants_frame(rows)) == {
        "m_mono_cut": "m_mono",  # the apostrophe marks the cut
        "m_fresh_market": "m_fresh",  # no countries, the chain's very website
    }
    # not: a cut under 4 letters, a longer name, no countries on another national site, a
    # shorter name with no apostrophe (SHELL is not SHELLFISH cut short)


def test_a_format_of_a_format_reports_the_outermost_chain() -> None:
    frame = pl.DataFrame(
        {
            "merchant_id": ["a", "b", "c"],
            "name": ["Hyatt", "Hyatt Place", "Hyatt Place Suites"],
            "website": ["hyatt.com"] * 3,
            "category_detailed": ["TRAVEL_LODGING"] * 3,
            "countries": [""] * 3,
        }
    )
    assert store_formats(frame) == {"b": "a", "c": "a"}


def test_the_merchant_step_reports_the_chain() -> None:
    catalogue = MerchantCatalogue.from_frame(FRAME, version="test")
    frame = pl.DataFrame(
        {
            "model_merchant_id": ["m_tesco_express", "m_apple_services"],
            "model_merchant_confidence": [0.9, 0.9],
            "currency": ["GBP", "USD"],
        }
    )
    out = attach_merchants(frame, catalogue)
    assert out.get_column("merchant_id").to_list() == ["m_tesco", "m_apple_services"]
    assert out.get_column("merchant_name").to_list() == ["Tesco", "Apple Services"]


def test_a_format_stays_itself_where_its_chain_does_not_trade() -> None:
    rows = [
        ("m_alda", "Alda", "alda.example", "FOOD_AND_DRINK_GROCERIES", "GB|IT"),
        ("m_alda_sud", "Alda Sud", "alda.example", "FOOD_AND_DRINK_GROCERIES", ""),
    ]
    catalogue = MerchantCatalogue.from_frame(merchants_frame(rows), version="test")
    assert catalogue.formats == {"m_alda_sud": "m_alda"}
    frame = pl.DataFrame(
        {
            "model_merchant_id": ["m_alda_sud"] * 2,
            "model_merchant_confidence": [0.9] * 2,
            "currency": ["GBP", "EUR"],
            "country": ["GB", "DE"],
        }
    )
    out = attach_merchants(frame, catalogue)
    assert out.get_column("merchant_id").to_list() == ["m_alda", "m_alda_sud"]
