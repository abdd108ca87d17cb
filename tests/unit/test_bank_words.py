"""The banks' own words (``reference/bank_words.tsv``) settle what they can: a salary, rent,
cash or fee line takes its flow's category, and a payee of a salary, rent or transfer is a
brand only when the line names the brand (``streams.core.category``, ``.merchant``)."""

from __future__ import annotations

import polars as pl
import pytest

from streams.core.category import FLOW_RULE_CONFIDENCE, classify, flow_categories
from streams.core.counterparty import BANK_VOCABULARY, clean_counterparty
from streams.core.merchant import MerchantCatalogue, attach_merchants

pytestmark = pytest.mark.unit

CATALOGUE = MerchantCatalogue.from_frame(
    pl.DataFrame(
        {
            "merchant_id": ["m_surname", "m_phone"],
            "name": ["Keller", "Fonetel"],
            "website": ["keller.example", "fonetel.example"],
            "category_primary": ["GENERAL_MERCHANDISE", "RENT_AND_UTILITIES"],
            "category_detailed": [
                "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
                "RENT_AND_UTILITIES_TELEPHONE",
            ],
            "mcc": ["5651", "4814"],
        }
    ),
    version="test",
)


def _enriched(
    descriptions: list[str],
    direction: str,
    merchant: str = "unknown",
    model_category: str = "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
) -> pl.DataFrame:
    rows = len(descriptions)
    frame = clean_counterparty(
        pl.DataFrame(
            {
                "description": descriptions,
                "direction": [direction] * rows,
                "mcc": pl.Series([None] * rows, dtype=pl.String),
                "model_merchant_id": [merchant] * rows,
                "model_merchant_confidence": [0.9] * rows,
                "model_category_detailed": [model_category] * rows,
                "model_category_confidence": [0.6] * rows,
                "model_counterparty_type": ["merchant"] * rows,
                "model_counterparty_confidence": [0.9] * rows,
            }
        )
    )
    return classify(attach_merchants(frame, CATALOGUE))


def test_every_flow_with_a_category_is_a_flow_of_the_table() -> None:
    flows = {flow for flow, _ in BANK_VOCABULARY.flows}
    assert {key.split("|")[0] for key in flow_categories()} <= flows
    assert {"GMBH", "LTD", "SA", "BV"} <= BANK_VOCABULARY.legal_forms


@pytest.mark.parametrize(
    ("description", "direction", "detailed"),
    [
        ("LOHN/GEHALT MUSTER MOEBEL GMBH", "credit", "INCOME_WAGES"),
        ("NOMINA TALLERES SUR SL", "credit", "INCOME_WAGES"),
        ("VIR SEPA M DUPONT LOYER", "debit", "RENT_AND_UTILITIES_RENT"),
        ("OVERBOEKING J DE VRIES", "debit", "TRANSFER_OUT_ACCOUNT_TRANSFER"),
        ("GUTSCHRIFT ANNA KELLER", "credit", "TRANSFER_IN_ACCOUNT_TRANSFER"),
        ("RETRAIT DAB LYON", "debit", "TRANSFER_OUT_WITHDRAWAL"),
        ("KONTOFUEHRUNGSENTGELT", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("BELASTINGDIENST", "debit", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"),
        # UK cash machines on the LINK network
        ("LNK HIGH STREET CD 4417", "debit", "TRANSFER_OUT_WITHDRAWAL"),
        ("CASH LNK STATION ROAD 12MAR", "debit", "TRANSFER_OUT_WITHDRAWAL"),
        # Dutch account and package fees
        ("KOSTEN BETAALPAKKET", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("KOSTEN RABO DIRECTPAKKET", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("KOSTEN GEBRUIK BETAALREKENING", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("BETAALREKENING KOSTEN 1E KWARTAAL", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        # Dutch incoming credit transfer
        ("SEPA BIJSCHRIJVING J DE VRIES", "credit", "TRANSFER_IN_ACCOUNT_TRANSFER"),
        # Dutch interest
        ("CREDITRENTE", "credit", "INCOME_INTEREST_EARNED"),
        ("RENTE ORANJE SPAARREKENING", "credit", "INCOME_INTEREST_EARNED"),
        ("DEBETRENTE", "debit", "BANK_FEES_INTEREST_CHARGE"),
        # French card and package subscriptions
        ("COTISATION CARTE VISA PREMIER", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("COTISATION ANNUELLE CARTE", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("COTISATION OFFRE GROUPEE DE SERVICES", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("COTIS FORMULE COMPTE", "debit", "BANK_FEES_OTHER_BANK_FEES"),
        ("COTISATION PACKAGE BANCAIRE", "debit", "BANK_FEES_OTHER_BANK_FEES"),
    ],
)
def test_the_banks_words_settle_the_category(
    description: str, direction: str, detailed: str
) -> None:
    out = _enriched([description], direction).row(0, named=True)
    assert out["category_detailed"] == detailed
    assert out["category_confidence"] == FLOW_RULE_CONFIDENCE


def test_a_model_agreeing_on_the_primary_keeps_its_finer_label() -> None:
    out = _enriched(["NON-CHASE ATM FEE"], "debit", model_category="BANK_FEES_ATM_FEES")
    assert out.row(0, named=True)["category_detailed"] == "BANK_FEES_ATM_FEES"


def test_a_line_without_the_banks_words_keeps_the_model() -> None:
    out = _enriched(
        ["CORNER BAKERY"], "debit", model_category="FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"
    )
    assert out.row(0, named=True)["category_detailed"] == "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"


def test_a_person_paid_by_transfer_is_not_the_brand_of_their_surname() -> None:
    out = _enriched(
        ["DAUERAUFTRAG ANNA KELLER MIETE", "UEBERWEISUNG AN JONAS KELLER", "KELLER BERLIN DE"],
        "debit",
        merchant="m_surname",
    )
    assert out["merchant_id"].to_list() == [None, None, "m_surname"]  # a card line keeps it
    assert out["merchant_confidence"].to_list() == [0.0, 0.0, 0.9]
    assert out["category_primary"].to_list()[:2] == ["RENT_AND_UTILITIES", "TRANSFER_OUT"]


def test_a_standing_order_to_a_named_brand_keeps_the_brand_and_its_category() -> None:
    out = _enriched(["STANDING ORDER TO FONETEL LTD"], "debit", merchant="m_phone")
    row = out.row(0, named=True)
    assert (row["merchant_id"], row["category_detailed"]) == (
        "m_phone",
        "RENT_AND_UTILITIES_TELEPHONE",
    )


def _flows(descriptions: list[str]) -> list[str | None]:
    frame = clean_counterparty(pl.DataFrame({"description": descriptions}))
    return frame.get_column("flow_hint").to_list()


@pytest.mark.parametrize(
    "description",
    [
        # Dutch "kosten" alone: insurance premiums, club dues, health costs
        "KOSTEN ZORGVERZEKERING",
        "CONTRIBUTIE EN KOSTEN TENNISCLUB",
        "EIGEN RISICO ZORGKOSTEN",
        "KOSTEN FYSIOTHERAPIE",
        # French "cotisation" alone: clubs, mutual insurers, unions
        "COTISATION ASSOCIATION SPORTIVE",
        "COTISATION MUTUELLE SANTE",
        "COTISATION SYNDICALE",
        # a gym's or a club's offer, a TV or health package, a parcel, an invoice
        "COTISATION FORMULE PREMIUM BASIC FIT",
        "COTISATION ANNUELLE PACK FAMILLE TENNIS CLUB",
        "KOSTEN AANVULLEND PAKKET ZILVEREN KRUIS",
        "KOSTEN PAKKET POSTNL",
        "KOSTEN TV PAKKET ZIGGO",
        "REKENING KOSTEN TANDARTS",
        "AFREKENING KOSTEN VVE",
    ],
)
def test_kosten_and_cotisation_in_general_are_not_bank_fees(description: str) -> None:
    assert _flows([description]) != ["bank_fee"]
    out = _enriched([description], "debit").row(0, named=True)
    assert out["category_primary"] != "BANK_FEES"


def test_a_german_pension_is_not_dutch_interest() -> None:
    lines = ["DRV BUND RENTE 04/2024", "RENTENZAHLUNG DEUTSCHE RENTENVERSICHERUNG", "RENTE"]
    assert _flows(lines) == [None, None, None]


def test_lnk_is_a_cash_machine_only_where_the_line_starts_with_it() -> None:
    assert _flows(["LNK HIGH STREET CD 4417", "TRANSFER TO ACME LNK"]) == ["atm", "transfer"]


@pytest.mark.parametrize(
    ("description", "counterparty"),
    [
        ("D/D THAMES WATER 88123", "THAMES WATER"),
        ("DOMICILIACION IBERDROLA", "IBERDROLA"),
        ("EUROPESE INCASSO ZIGGO BV", "ZIGGO BV"),
        ("FOLGELASTSCHRIFT VODAFONE GMBH", "VODAFONE GMBH"),
    ],
)
def test_direct_debit_layouts_name_the_creditor(description: str, counterparty: str) -> None:
    """Each scheme's own words mark the line a direct debit and are cut from the name."""
    frame = clean_counterparty(pl.DataFrame({"description": [description]}))
    row = frame.row(0, named=True)
    assert row["flow_hint"] == "direct_debit"
    assert row["counterparty_clean"].startswith(counterparty)


def test_a_dutch_credit_transfer_names_the_payer() -> None:
    frame = clean_counterparty(pl.DataFrame({"description": ["SEPA BIJSCHRIJVING J DE VRIES"]}))
    assert frame.row(0, named=True)["counterparty_clean"] == "J DE VRIES"


def test_flows_keep_the_order_the_table_promises() -> None:
    """Government before tax, payroll and rent before transfer, fees before ATM."""
    order = [flow for flow, _ in BANK_VOCABULARY.flows]
    for first, later in [
        ("government", "tax"),
        ("payroll", "transfer"),
        ("rent", "transfer"),
        ("bank_fee", "atm"),
        ("bank_fee", "interest"),
        ("interest", "transfer"),
    ]:
        assert order.index(first) < order.index(later)
    # a fee at a cash machine is a fee; interest on a savings transfer is interest
    assert _flows(["LNK ATM FEE", "CREDITRENTE OVERBOEKING"]) == ["bank_fee", "interest"]
