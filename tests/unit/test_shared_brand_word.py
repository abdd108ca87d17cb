"""A shop that shares a one-word brand's name in another trade is not the brand
(``streams.core.shared_brand_word``, issue #19 class 2: one common word is not evidence)."""

from __future__ import annotations

import polars as pl
import pytest

from streams.core.counterparty import clean_counterparty
from streams.core.merchant import MerchantCatalogue, attach_merchants
from streams.core.shared_brand_word import DEPARTMENT_MIN_BRANDS, OTHER_TRADE_CONFIDENCE
from tests.catalogue_rows import merchants_frame

pytestmark = pytest.mark.unit

_CONVENIENCE = "GENERAL_MERCHANDISE_CONVENIENCE_STORES"

_ENTRIES = [
    # merchant_id, name, website, detailed category, countries
    ("m_crown", "Crown", "crownmarkets.example", "FOOD_AND_DRINK_GROCERIES", "US"),
    ("m_meadow", "Meadow", "meadowfuel.example", "TRANSPORTATION_GAS", "US"),
    ("m_bazaar", "Bazaar", "bazaar.example", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", ""),
    ("m_two", "Rose Garden", "rosegarden.example", "FOOD_AND_DRINK_RESTAURANT", "US"),
    ("m_crown_express", "Crown Express", "crownmarkets.example", _CONVENIENCE, ""),
    ("p_doordash", "DoorDash", "doordash.com", "FOOD_AND_DRINK_RESTAURANT", ""),
    # brands whose aliases print PHARMACY after their name: a department word
    *(
        (f"m_chain{i}", f"Chain{i}", f"chain{i}.example", "FOOD_AND_DRINK_GROCERIES", "")
        for i in range(DEPARTMENT_MIN_BRANDS)
    ),
]
_ALIASES = {
    "m_bazaar": "BAZAAR|BAZAAR PRIME|BAZAAR MKTP",
    **{f"m_chain{i}": f"CHAIN{i}|CHAIN{i} PHARMACY" for i in range(DEPARTMENT_MIN_BRANDS)},
}
_FRAME = merchants_frame(_ENTRIES).with_columns(
    aliases=pl.col("merchant_id").replace_strict(
        _ALIASES, default=pl.col("name").str.to_uppercase()
    )
)
CATALOGUE = MerchantCatalogue.from_frame(_FRAME, version="test")


def _named(description: str, merchant: str, read_as: str, sure: float = 0.95) -> str | None:
    """The merchant the step keeps when the merchant model names ``merchant`` and the
    category model reads ``read_as`` with ``sure``."""
    frame = clean_counterparty(
        pl.DataFrame(
            {
                "description": [description],
                "direction": ["debit"],
                "currency": ["USD"],
                "mcc": pl.Series([None], dtype=pl.String),
                "model_merchant_id": [merchant],
                "model_merchant_confidence": [0.9],
                "model_category_detailed": [read_as],
                "model_category_confidence": [sure],
            }
        ),
        "description",
    )
    return attach_merchants(frame, CATALOGUE)["merchant_id"][0]


@pytest.mark.parametrize(
    ("description", "merchant", "read_as"),
    [
        ("POS DEBIT CROWN FLORIST", "m_crown", "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES"),
        ("CROWN STREET CAFE", "m_crown", "FOOD_AND_DRINK_COFFEE"),
        ("MEADOW STREET CAFE 0412", "m_meadow", "FOOD_AND_DRINK_COFFEE"),
        ("SQ *MEADOW NAIL SALON", "m_meadow", "PERSONAL_CARE_HAIR_AND_BEAUTY"),
    ],
)
def test_a_shop_of_another_trade_sharing_the_brands_word_is_no_brand(
    description: str, merchant: str, read_as: str
) -> None:
    assert _named(description, merchant, read_as) is None


@pytest.mark.parametrize(
    ("description", "merchant", "read_as", "sure", "why"),
    [
        ("CROWN 0412 NEWARK NJ", "m_crown", "FOOD_AND_DRINK_GROCERIES", 0.95, "the brand's trade"),
        ("CROWN MARKET HOBOKEN", "m_crown", "FOOD_AND_DRINK_GROCERIES", 0.95, "same trade"),
        ("CROWN FLORIST", "m_crown", "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", 0.5, "unsure"),
        ("BAZAAR PRIME", "m_bazaar", "ENTERTAINMENT_TV_AND_MOVIES", 0.95, "its own alias"),
        ("MEADOW", "m_meadow", "FOOD_AND_DRINK_COFFEE", 0.95, "no other word"),
        ("ROSE GARDEN SPA", "m_two", "PERSONAL_CARE_HAIR_AND_BEAUTY", 0.95, "a two-word name"),
        ("CROWN 24 HOBOKEN", "m_crown", _CONVENIENCE, 0.95, "a grocer read as convenience"),
        ("CROWN EXPRESS 12", "m_crown_express", _CONVENIENCE, 0.95, "its format's word"),
        ("CROWN PHARMACY", "m_crown", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS", 0.95, "department"),
        ("MEADOW PENDING.MEADOWFUEL.EXAMPLE", "m_meadow", "FOOD_AND_DRINK_COFFEE", 0.95, "site"),
        (
            "DD *DOORDASH CROWN MARKET",
            "p_doordash",
            "GENERAL_MERCHANDISE_DISCOUNT_STORES",
            0.95,
            "an order",
        ),
    ],
)
def test_the_brand_stays_where_the_line_does_not_say_another_trade(
    description: str, merchant: str, read_as: str, sure: float, why: str
) -> None:
    assert sure >= OTHER_TRADE_CONFIDENCE or why == "unsure"
    kept = {"m_crown_express": "m_crown"}.get(merchant, merchant)  # a format: its chain
    assert _named(description, merchant, read_as, sure) == kept, why


def test_an_empty_batch_passes_through() -> None:
    """A batch whose every record was dead-lettered reaches the step with no rows."""
    frame = clean_counterparty(
        pl.DataFrame(
            {
                "description": [],
                "direction": [],
                "currency": [],
                "mcc": [],
                "model_merchant_id": [],
                "model_merchant_confidence": [],
                "model_category_detailed": [],
                "model_category_confidence": [],
            },
            schema={
                "description": pl.String,
                "direction": pl.String,
                "currency": pl.String,
                "mcc": pl.String,
                "model_merchant_id": pl.String,
                "model_merchant_confidence": pl.Float64,
                "model_category_detailed": pl.String,
                "model_category_confidence": pl.Float64,
            },
        ),
        "description",
    )
    assert attach_merchants(frame, CATALOGUE).height == 0
