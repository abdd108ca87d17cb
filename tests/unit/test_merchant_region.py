"""A brand is never named where it does not trade (``streams.core.merchant``): the entry of
its name or website that trades where the transaction happened, else none."""

from __future__ import annotations

import polars as pl
import pytest

from streams.core.merchant import MerchantCatalogue, attach_merchants

pytestmark = pytest.mark.unit

CATALOGUE = MerchantCatalogue.from_frame(
    pl.DataFrame(
        {
            "merchant_id": ["m_disc", "m_disc_us", "m_disc_nord", "m_fuel", "m_stream", "m_shop"],
            "name": ["Disc", "Disc", "Disc Nord", "Fuel", "Stream", "Shop"],
            "website": ["disc-nord.de", "disc-sued.de", "disc-nord.de", "fuel.au", "s.com", "s.fr"],
            "category_primary": ["FOOD_AND_DRINK"] * 6,
            "category_detailed": ["FOOD_AND_DRINK_GROCERIES"] * 6,
            "mcc": ["5411"] * 6,
            "countries": ["BE|NL", "US|GB", "DE", "AU", "", "FR|BE"],
        }
    ),
    version="test",
)


def _answer(
    merchants: list[str], currency: list[str | None], country: list[str | None] | None = None
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "model_merchant_id": merchants,
            "model_merchant_confidence": [0.9] * len(merchants),
            "currency": currency,
        }
    )
    if country is not None:
        frame = frame.with_columns(country=pl.Series(country, dtype=pl.String))
    return attach_merchants(frame, CATALOGUE)


def test_a_brand_of_two_entries_is_the_one_that_trades_where_the_money_is() -> None:
    out = _answer(["m_disc", "m_disc", "m_disc_us"], ["USD", "GBP", "EUR"])
    assert out["merchant_id"].to_list() == ["m_disc_us", "m_disc_us", "m_disc"]
    assert out["merchant_name"].to_list() == ["Disc", "Disc", "Disc"]


def test_an_entry_of_the_same_website_counts_as_the_same_brand() -> None:
    out = _answer(["m_disc"], ["EUR"], ["DE"])
    assert out["merchant_id"].to_list() == ["m_disc_nord"]


def test_a_brand_that_trades_nowhere_near_is_left_unnamed() -> None:
    out = _answer(["m_fuel", "m_fuel", "m_shop"], ["USD", "AUD", "EUR"], [None, None, "ES"])
    assert out["merchant_id"].to_list() == [None, "m_fuel", None]
    assert out["merchant_confidence"].to_list() == [0.0, 0.9, 0.0]


def test_the_country_says_where_before_the_currency_does() -> None:
    out = _answer(["m_shop", "m_shop"], ["EUR", "EUR"], ["FR", None])
    assert out["merchant_id"].to_list() == ["m_shop", "m_shop"]  # EUR: FR is among them


def test_an_entry_without_countries_a_currency_nobody_lists_or_none_change_nothing() -> None:
    out = _answer(["m_stream", "m_fuel", "m_fuel", "unknown"], ["JPY", "XYZ", None, "USD"])
    assert out["merchant_id"].to_list() == ["m_stream", "m_fuel", "m_fuel", None]
    plain = attach_merchants(
        pl.DataFrame({"model_merchant_id": ["m_fuel"], "model_merchant_confidence": [0.9]}),
        CATALOGUE,
    )
    assert plain["merchant_id"].to_list() == ["m_fuel"]  # no currency, no country: anywhere
