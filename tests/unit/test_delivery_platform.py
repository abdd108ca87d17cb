"""An order through a delivery platform names the platform as merchant (as Plaid does) and
the restaurant as counterparty, on card lines only (``streams.core.merchant``)."""

from __future__ import annotations

import msgpack
import polars as pl
import pytest

from streams.core.category import classify
from streams.core.counterparty import DELIVERY_PLATFORMS, INTERMEDIARIES, clean_counterparty
from streams.core.enrichment import enrich
from streams.core.merchant import DELIVERY_RULE_CONFIDENCE, MerchantCatalogue, attach_merchants
from streams.core.records import to_enriched_records
from streams.core.types import InboundMessage
from streams.core.validation import validate_batch
from tests.catalogue_rows import merchants_frame

pytestmark = pytest.mark.unit

_ENTRIES = [
    # merchant_id, name, website, detailed category, countries
    ("p_doordash", "DoorDash", "doordash.com", "FOOD_AND_DRINK_RESTAURANT", ""),
    ("p_grubhub", "Grubhub", "grubhub.com", "FOOD_AND_DRINK_RESTAURANT", "US"),
    ("p_ubereats", "Uber Eats", "ubereats.com", "FOOD_AND_DRINK_RESTAURANT", ""),
    ("p_instacart", "Instacart", "instacart.com", "FOOD_AND_DRINK_GROCERIES", "CA|US"),
    ("p_roo_intl", "Deliveroo", "deliveroo.com", "FOOD_AND_DRINK_RESTAURANT", ""),
    ("p_roo_uk", "Deliveroo", "WWW.Deliveroo.co.uk", "FOOD_AND_DRINK_RESTAURANT", "GB"),
    ("p_justeat", "Just Eat", "just-eat.co.uk", "FOOD_AND_DRINK_RESTAURANT", "GB"),
    ("p_wolt", "Wolt", "wolt.com", "FOOD_AND_DRINK_RESTAURANT", ""),
    ("p_glovo", "Glovo", "glovoapp.com", "FOOD_AND_DRINK_RESTAURANT", ""),
    ("m_burrito", "Burrito Bar", "burritobar.example", "FOOD_AND_DRINK_FAST_FOOD", ""),
    (
        "m_eatcycles",
        "Just Eat Cycles",
        "eatcycles.example",
        "TRANSPORTATION_BIKES_AND_SCOOTERS",
        "GB",
    ),
]
CATALOGUE = MerchantCatalogue.from_frame(merchants_frame(_ENTRIES), version="test")


def _merchants(
    descriptions: list[str],
    model: str = "unknown",
    confidence: float = 0.9,
    direction: str = "debit",
    currency: str | None = None,
) -> pl.DataFrame:
    rows = len(descriptions)
    frame = clean_counterparty(
        pl.DataFrame(
            {
                "description": descriptions,
                "direction": [direction] * rows,
                "currency": pl.Series([currency] * rows, dtype=pl.String),
                "mcc": pl.Series([None] * rows, dtype=pl.String),
                "model_merchant_id": [model] * rows,
                "model_merchant_confidence": [confidence] * rows,
                "model_category_detailed": ["FOOD_AND_DRINK_FAST_FOOD"] * rows,
                "model_category_confidence": [0.5] * rows,
                "model_counterparty_type": ["merchant"] * rows,
                "model_counterparty_confidence": [0.9] * rows,
            }
        )
    )
    return classify(attach_merchants(frame, CATALOGUE))


def test_every_platform_is_an_intermediary_with_its_website() -> None:
    assert {"DoorDash", "Grubhub", "Uber Eats", "Instacart", "Deliveroo"} <= set(DELIVERY_PLATFORMS)
    assert {"Just Eat", "Lieferando", "Thuisbezorgd", "Wolt", "Glovo"} <= set(DELIVERY_PLATFORMS)
    for platform, websites in DELIVERY_PLATFORMS.items():
        assert INTERMEDIARIES[platform] == websites[0]


def test_platforms_are_found_in_the_catalogue_by_website() -> None:
    platforms = CATALOGUE.platforms
    assert platforms["DoorDash"] == ("p_doordash",)
    assert platforms["Deliveroo"] == ("p_roo_uk",)  # deliveroo.co.uk before deliveroo.com
    assert "Lieferando" not in platforms  # not in this catalogue: skipped
    assert "Thuisbezorgd" not in platforms


@pytest.mark.parametrize(
    ("description", "merchant", "restaurant"),
    [
        ("DOORDASH*BURRITO BAR 855-973-1040", "p_doordash", "BURRITO BAR"),
        ("DD *DOORDASH GOLDEN WOK", "p_doordash", "GOLDEN WOK"),
        ("POS DEBIT GRUBHUB*PHO CORNER", "p_grubhub", "PHO CORNER"),
        ("UBER *EATS PENDING", "p_ubereats", "UBER EATS"),
        ("UBER EATS HELP.UBER.COM", "p_ubereats", "UBER EATS"),
        ("IC* FRESH MARKET", "p_instacart", "FRESH MARKET"),
        ("CARD PAYMENT TO DELIVEROO ANNAS KITCHEN ON 12 MAR", "p_roo_uk", "ANNAS KITCHEN"),
        ("JUST EAT*CURRY GARDEN", "p_justeat", "CURRY GARDEN"),
        ("WOLT *BURGER JOINT", "p_wolt", "BURGER JOINT"),
        ("COMPRA TARJ. 1234XXXX5678 GLOVO*TAQUERIA EL SOL", "p_glovo", "TAQUERIA EL SOL"),
    ],
)
def test_a_card_order_through_a_platform_names_the_platform(
    description: str, merchant: str, restaurant: str
) -> None:
    row = _merchants([description]).row(0, named=True)
    assert (row["merchant_id"], row["merchant_confidence"]) == (merchant, DELIVERY_RULE_CONFIDENCE)
    assert row["counterparty_clean"] == restaurant


def test_the_rule_outranks_a_model_that_named_the_restaurant() -> None:
    row = _merchants(["DOORDASH*BURRITO BAR"], model="m_burrito", confidence=0.97).row(
        0, named=True
    )
    assert (row["merchant_id"], row["merchant_confidence"]) == ("p_doordash", 0.9)
    assert row["counterparty_clean"] == "BURRITO BAR"


def test_a_model_surer_of_the_same_platform_keeps_its_confidence() -> None:
    sure = _merchants(["DD *DOORDASH GOLDEN WOK"], model="p_doordash", confidence=0.97)
    unsure = _merchants(["DD *DOORDASH GOLDEN WOK"], model="p_doordash", confidence=0.6)
    assert sure.row(0, named=True)["merchant_confidence"] == 0.97
    assert unsure.row(0, named=True)["merchant_confidence"] == DELIVERY_RULE_CONFIDENCE


def test_a_platform_missing_from_the_catalogue_is_skipped() -> None:
    unknown = _merchants(["KARTENZAHLUNG LIEFERANDO.DE*PIZZERIA ROMA"]).row(0, named=True)
    assert (unknown["merchant_id"], unknown["intermediary"]) == (None, "Lieferando")
    assert unknown["counterparty_clean"] == "PIZZERIA ROMA"
    modelled = _merchants(["THUISBEZORGD.NL*SUSHI HUIS"], model="m_burrito", confidence=0.8)
    assert modelled.row(0, named=True)["merchant_id"] == "m_burrito"  # the model's answer


def test_never_on_salary_transfer_or_p2p_lines() -> None:
    payroll = _merchants(["GRUBHUB INC DIR DEP"], direction="credit").row(0, named=True)
    assert (payroll["flow_hint"], payroll["intermediary"]) == ("payroll", None)
    assert payroll["merchant_id"] is None
    courier = _merchants(["GUTSCHRIFT WOLT COURIER PAYOUT"], direction="credit")
    assert courier.row(0, named=True)["flow_hint"] == "transfer"
    assert courier.row(0, named=True)["merchant_id"] is None
    # whatever the cleaner records, the rule reads the flow first
    frame = pl.DataFrame(
        {
            "intermediary": ["DoorDash", "DoorDash", "DoorDash", "DoorDash"],
            "flow_hint": ["transfer", "p2p", "payroll", "refund"],
            "model_merchant_id": ["unknown"] * 4,
            "model_merchant_confidence": [0.9] * 4,
        }
    )
    assert attach_merchants(frame, CATALOGUE)["merchant_id"].to_list() == [
        None,
        None,
        None,
        "p_doordash",
    ]


def test_the_platform_trades_where_the_money_is_like_any_brand() -> None:
    out = _merchants(["GRUBHUB*PHO CORNER", "GRUBHUB*PHO CORNER"], currency="USD")
    assert out["merchant_id"].to_list() == ["p_grubhub"] * 2
    abroad = _merchants(["GRUBHUB*PHO CORNER"], currency="EUR").row(0, named=True)
    assert (abroad["merchant_id"], abroad["merchant_confidence"]) == (None, 0.0)


def test_the_platforms_category_comes_from_the_catalogue() -> None:
    row = _merchants(["IC* FRESH MARKET"]).row(0, named=True)
    assert row["category_detailed"] == "FOOD_AND_DRINK_GROCERIES"


def _record(description: str, model: str = "unknown") -> dict[str, object]:
    raw = {
        "transaction_id": "t1",
        "account_id": "a1",
        "amount": "23.40",
        "currency": "USD",
        "direction": "debit",
        "description": description,
        "date": "2025-01-03",
    }
    batch = validate_batch([InboundMessage(msgpack.packb(raw))])
    predictions = pl.DataFrame(
        {
            "model_merchant_id": [model],
            "model_merchant_confidence": [0.8],
            "model_category_detailed": ["FOOD_AND_DRINK_RESTAURANT"],
            "model_category_confidence": [0.9],
            "model_counterparty_type": ["merchant"],
            "model_counterparty_confidence": [0.9],
        }
    )
    return to_enriched_records(enrich(batch.valid, predictions, CATALOGUE), 0, {})[0]


def test_the_record_names_the_platform_as_merchant_and_the_restaurant_as_counterparty() -> None:
    record = _record("DOORDASH*GOLDEN WOK", model="m_burrito")
    assert record["merchant"]["name"] == "DoorDash"  # type: ignore[index]
    assert record["counterparty"]["name"] == "Golden Wok"  # type: ignore[index]
    assert record["intermediaries"] == [{"name": "DoorDash", "website": "doordash.com"}]
    alone = _record("DD *DOORDASH")
    assert alone["counterparty"]["name"] == "DoorDash"  # type: ignore[index]


def test_a_merchant_of_another_trade_the_model_names_is_no_order() -> None:
    """A bike scheme named after its sponsor starts like the platform; the model's confident
    answer of another trade than food stands."""
    out = _merchants(["JUST EAT CYCLES EDINBURGH"], model="m_eatcycles", confidence=0.8)
    assert out.row(0, named=True)["merchant_id"] == "m_eatcycles"
    out = _merchants(["JUST EAT CYCLES EDINBURGH"], model="m_eatcycles", confidence=0.3)
    assert out.row(0, named=True)["merchant_id"] == "p_justeat"
