"""Category (Plaid-style taxonomy), its MCC and the counterparty type, from the models.

The bank's own words come first where they settle the category: a line the cleaner reads as
a salary, rent, cash, a bank fee, tax, a public body, interest, a loan or a transfer
(``flow_hint``) takes the category of that flow and direction
(``reference/flow_categories.csv``), keeping the category model's finer label when it agrees
on the primary category; loans and transfers yield to a merchant the catalogue named (a
standing order to a telecom is a phone bill).

Otherwise a merchant the merchant model named confidently brings its catalogue category,
unless the category model is surer of another one (a brand's refund, a lender's card payment) or
reads money coming in as income or an incoming transfer (a tax refund from the tax office);
otherwise the category model's label stands.

Last, the direction: money out is never income or an incoming transfer, money in never an
outgoing transfer (:data:`NEVER_BY_DIRECTION`). A label the direction rules out gives way to
the merchant's catalogue category where the direction allows it, else to its mirror across
the direction (an incoming transfer read on a debit is the outgoing one, interest earned is
interest charged: :data:`DIRECTION_MIRROR`), else to the direction's catch-all at
:data:`DIRECTION_DEFAULT_CONFIDENCE`. Loan payments and bank fees stay possible on a credit
(a card account's payment received, a fee refunded), as a shop's category does on a refund.
The MCC is the network's when sent, else the
merchant's, else the code most used for the category (:data:`MCC_CATEGORIES` read
backwards), null when the category has none.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Final

import polars as pl

from streams.core.contracts import taxonomy

__all__ = [
    "CATEGORY_COLUMNS",
    "DIRECTION_DEFAULT",
    "DIRECTION_DEFAULT_CONFIDENCE",
    "DIRECTION_MIRROR",
    "FLOW_CATEGORIES",
    "FLOW_RULE_CONFIDENCE",
    "INCOMING_MIN_CONFIDENCE",
    "INCOMING_PRIMARY",
    "MCC_CATEGORIES",
    "NEVER_BY_DIRECTION",
    "classify",
    "flow_categories",
]

CATEGORY_COLUMNS = (
    "category_primary",
    "category_detailed",
    "category_mcc",
    "category_confidence",
    "counterparty_type",
)

FLOW_CATEGORIES: Final = Path(__file__).resolve().parents[1] / "reference" / "flow_categories.csv"
# Confidence reported when the bank's words decide the category (a rule, not a model score).
FLOW_RULE_CONFIDENCE: Final = 0.9
INCOMING_PRIMARY = ("INCOME", "TRANSFER_IN")
INCOMING_MIN_CONFIDENCE = 0.5
# Primary categories a direction rules out (module docstring).
NEVER_BY_DIRECTION: Final = {
    "debit": ("INCOME", "TRANSFER_IN"),
    "credit": ("TRANSFER_OUT",),
}
# A label of the wrong direction -> the same kind of movement the other way, where one is.
DIRECTION_MIRROR: Final = {
    "TRANSFER_IN_ACCOUNT_TRANSFER": "TRANSFER_OUT_ACCOUNT_TRANSFER",
    "TRANSFER_IN_SAVINGS": "TRANSFER_OUT_SAVINGS",
    "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS": "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
    "TRANSFER_IN_DEPOSIT": "TRANSFER_OUT_WITHDRAWAL",
    "TRANSFER_IN_CASH_ADVANCES_AND_LOANS": "LOAN_PAYMENTS_OTHER_PAYMENT",
    "TRANSFER_IN_OTHER_TRANSFER_IN": "TRANSFER_OUT_OTHER_TRANSFER_OUT",
    "INCOME_TAX_REFUND": "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
    "INCOME_INTEREST_EARNED": "BANK_FEES_INTEREST_CHARGE",
    "INCOME_RETIREMENT_PENSION": "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
    "TRANSFER_OUT_ACCOUNT_TRANSFER": "TRANSFER_IN_ACCOUNT_TRANSFER",
    "TRANSFER_OUT_SAVINGS": "TRANSFER_IN_SAVINGS",
    "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS": "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS",
    "TRANSFER_OUT_WITHDRAWAL": "TRANSFER_IN_DEPOSIT",
    "TRANSFER_OUT_OTHER_TRANSFER_OUT": "TRANSFER_IN_OTHER_TRANSFER_IN",
}
# What is left when neither the merchant nor a mirror answers (wages, dividends... on a
# debit: a purchase nobody can name better), reported with a low confidence.
DIRECTION_DEFAULT: Final = {
    "debit": "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
    "credit": "TRANSFER_IN_OTHER_TRANSFER_IN",
}
DIRECTION_DEFAULT_CONFIDENCE: Final = 0.3
# ISO 18245 codes most often seen on consumer accounts -> detailed category.
MCC_CATEGORIES: dict[str, str] = {
    "0742": "MEDICAL_VETERINARY_SERVICES",
    "4111": "TRANSPORTATION_PUBLIC_TRANSIT",
    "4112": "TRANSPORTATION_PUBLIC_TRANSIT",
    "4121": "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
    "4131": "TRANSPORTATION_PUBLIC_TRANSIT",
    "4215": "GENERAL_SERVICES_POSTAGE_AND_SHIPPING",
    "4225": "GENERAL_SERVICES_STORAGE",
    "4511": "TRAVEL_FLIGHTS",
    "4784": "TRANSPORTATION_TOLLS",
    "4814": "RENT_AND_UTILITIES_TELEPHONE",
    "4899": "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
    "4900": "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
    "5200": "HOME_IMPROVEMENT_HARDWARE",
    "5251": "HOME_IMPROVEMENT_HARDWARE",
    "5310": "GENERAL_MERCHANDISE_DISCOUNT_STORES",
    "5311": "GENERAL_MERCHANDISE_DEPARTMENT_STORES",
    "5399": "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
    "5411": "FOOD_AND_DRINK_GROCERIES",
    "5499": "FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK",
    "5541": "TRANSPORTATION_GAS",
    "5542": "TRANSPORTATION_GAS",
    "5651": "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
    "5691": "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
    "5699": "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
    "5712": "HOME_IMPROVEMENT_FURNITURE",
    "5732": "GENERAL_MERCHANDISE_ELECTRONICS",
    "5812": "FOOD_AND_DRINK_RESTAURANT",
    "5813": "FOOD_AND_DRINK_RESTAURANT",
    "5814": "FOOD_AND_DRINK_FAST_FOOD",
    "5815": "ENTERTAINMENT_TV_AND_MOVIES",
    "5816": "ENTERTAINMENT_VIDEO_GAMES",
    "5912": "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
    "5921": "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR",
    "5942": "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
    "5943": "GENERAL_MERCHANDISE_OFFICE_SUPPLIES",
    "5947": "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES",
    "5993": "GENERAL_MERCHANDISE_TOBACCO_AND_VAPE",
    "5995": "GENERAL_MERCHANDISE_PET_SUPPLIES",
    "6011": "TRANSFER_OUT_WITHDRAWAL",
    "6300": "GENERAL_SERVICES_INSURANCE",
    "7011": "TRAVEL_LODGING",
    "7210": "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING",
    "7230": "PERSONAL_CARE_HAIR_AND_BEAUTY",
    "7512": "TRAVEL_RENTAL_CARS",
    "7523": "TRANSPORTATION_PARKING",
    "7538": "GENERAL_SERVICES_AUTOMOTIVE",
    "7832": "ENTERTAINMENT_TV_AND_MOVIES",
    "7995": "ENTERTAINMENT_CASINOS_AND_GAMBLING",
    "7997": "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
    "8011": "MEDICAL_PRIMARY_CARE",
    "8021": "MEDICAL_DENTAL_CARE",
    "8043": "MEDICAL_EYE_CARE",
    "8062": "MEDICAL_PRIMARY_CARE",
    "8220": "GENERAL_SERVICES_EDUCATION",
    "8351": "GENERAL_SERVICES_CHILDCARE",
    "8398": "GOVERNMENT_AND_NON_PROFIT_DONATIONS",
    "9311": "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
    "9399": "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES",
}


# The MCC to report for a category when neither the network nor the merchant gave one:
# the first code of MCC_CATEGORIES for it (each list above leads with the usual code).
TYPICAL_MCC: dict[str, str] = {}
for _code, _detailed in MCC_CATEGORIES.items():
    TYPICAL_MCC.setdefault(_detailed, _code)


@lru_cache(maxsize=1)
def flow_categories() -> dict[str, tuple[str, bool]]:
    """``flow|direction`` -> (detailed category, whether a named merchant comes first)."""
    primary_of = taxonomy().primary_of
    table: dict[str, tuple[str, bool]] = {}
    with FLOW_CATEGORIES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["category_detailed"] not in primary_of:
                raise ValueError(f"{FLOW_CATEGORIES}: {row['category_detailed']} not in taxonomy")
            key = f"{row['flow']}|{row['direction']}"
            table[key] = (row["category_detailed"], row["merchant_first"] == "yes")
    return table


def _by_flow(
    frame: pl.DataFrame, detailed: pl.Expr, confidence: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """``detailed`` / ``confidence`` with the flow's category where the bank's words settle
    it (module docstring); unchanged where the frame has no ``flow_hint``."""
    if "flow_hint" not in frame.columns:
        return detailed, confidence
    table = flow_categories()
    primary_of = taxonomy().primary_of
    key = pl.col("flow_hint") + pl.lit("|") + pl.col("direction")
    by_flow = key.replace_strict({k: v[0] for k, v in table.items()}, default=None)
    merchant_first = [k for k, (_, first) in table.items() if first]
    applies = by_flow.is_not_null() & ~(
        key.is_in(merchant_first) & pl.col("merchant_id").is_not_null()
    )
    model = pl.col("model_category_detailed")
    agrees = model.replace_strict(primary_of, default=None) == by_flow.replace_strict(
        primary_of, default=None
    )
    ruled = pl.when(agrees).then(model).otherwise(by_flow)
    ruled_confidence = pl.max_horizontal(
        pl.when(agrees).then(pl.col("model_category_confidence")), pl.lit(FLOW_RULE_CONFIDENCE)
    )
    applies = applies.fill_null(False)
    return (
        pl.when(applies).then(ruled).otherwise(detailed),
        pl.when(applies).then(ruled_confidence).otherwise(confidence),
    )


def _ruled_out(detailed: pl.Expr) -> pl.Expr:
    """Whether the row's direction rules out the detailed category (NEVER_BY_DIRECTION)."""
    primary = detailed.replace_strict(taxonomy().primary_of, default=None)
    direction = pl.col("direction")
    ruled_out = pl.lit(False)
    for side, primaries in NEVER_BY_DIRECTION.items():
        ruled_out = ruled_out | ((direction == side) & primary.is_in(primaries))
    return ruled_out.fill_null(False)


def _by_direction(detailed: pl.Expr, confidence: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``detailed`` / ``confidence`` with a label the direction rules out replaced by the
    next best allowed answer (module docstring)."""
    merchant, merchant_conf = pl.col("merchant_category_detailed"), pl.col("merchant_confidence")
    use_merchant = merchant.is_not_null() & ~_ruled_out(merchant)
    mirror = detailed.replace_strict(DIRECTION_MIRROR, default=None, return_dtype=pl.String)
    default = pl.col("direction").replace_strict(
        DIRECTION_DEFAULT, default=None, return_dtype=pl.String
    )
    wrong = _ruled_out(detailed)
    return (
        pl.when(~wrong)
        .then(detailed)
        .when(use_merchant)
        .then(merchant)
        .otherwise(pl.coalesce(mirror, default)),
        pl.when(~wrong)
        .then(confidence)
        .when(use_merchant)
        .then(merchant_conf)
        .when(mirror.is_not_null())
        .then(confidence)
        .otherwise(pl.lit(DIRECTION_DEFAULT_CONFIDENCE)),
    )


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Add CATEGORY_COLUMNS. Needs ``direction``, ``mcc``, ``merchant_*`` and the
    ``model_category_*`` / ``model_counterparty_*`` prediction columns; uses ``flow_hint``
    (the counterparty cleaner's) where present."""
    tax = taxonomy()
    merchant, merchant_conf = pl.col("merchant_category_detailed"), pl.col("merchant_confidence")
    model, model_conf = pl.col("model_category_detailed"), pl.col("model_category_confidence")
    # Money in that the category model reads as income or an incoming transfer keeps that
    # reading: a catalogue category says what one buys from the merchant (the tax office's
    # is a tax payment), not what the merchant pays out (a tax refund, a salary).
    incoming = (
        (pl.col("direction") == "credit")
        & model.replace_strict(tax.primary_of, default=None).is_in(INCOMING_PRIMARY)
        & ~merchant.replace_strict(tax.primary_of, default=None).is_in(INCOMING_PRIMARY)
        & (model_conf >= INCOMING_MIN_CONFIDENCE)
    ).fill_null(False)
    use_merchant = merchant.is_not_null() & (merchant_conf >= model_conf) & ~incoming
    detailed = pl.when(use_merchant).then(merchant).otherwise(model)
    confidence = pl.when(use_merchant).then(merchant_conf).otherwise(model_conf)
    detailed, confidence = _by_flow(frame, detailed, confidence)
    detailed, confidence = _by_direction(detailed, confidence)
    typical = detailed.replace_strict(TYPICAL_MCC, default=None, return_dtype=pl.String)
    # A catalogue merchant whose model type says nobody (person/unknown) is a merchant;
    # lenders and tax offices in the catalogue keep their bank/government type.
    ctype = (
        pl.when(
            pl.col("merchant_id").is_not_null()
            & pl.col("model_counterparty_type").is_in(["person", "unknown"])
        )
        .then(pl.lit("merchant"))
        .otherwise(pl.col("model_counterparty_type"))
    )
    return frame.with_columns(
        category_detailed=detailed,
        category_confidence=confidence.round(3),
        category_mcc=pl.coalesce(pl.col("mcc"), pl.col("merchant_mcc"), typical),
        counterparty_type=ctype,
    ).with_columns(
        category_primary=pl.col("category_detailed").replace_strict(
            tax.primary_of, return_dtype=pl.String
        )
    )
