"""Category (Plaid-style taxonomy) and counterparty type, from flow, merchant and MCC.

Order of evidence, strongest first: the money flow the text names (payroll, ATM,
transfer, fee…), then the catalogue merchant's default category, then the MCC
the network sent, then a low-confidence fallback by direction.
"""

from __future__ import annotations

import polars as pl

from streams.core.contracts import taxonomy

__all__ = ["CATEGORY_COLUMNS", "MCC_CATEGORIES", "classify"]

CATEGORY_COLUMNS = (
    "category_primary",
    "category_detailed",
    "category_mcc",
    "category_confidence",
    "counterparty_type",
)

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


def _text(pattern: str) -> pl.Expr:
    return pl.col("description").str.to_uppercase().str.contains(pattern)


def _flow_category() -> pl.Expr:
    """Detailed category implied by the flow the description names, null when none."""
    hint, credit = pl.col("flow_hint"), pl.col("direction") == "credit"

    def by_direction(when_credit: str, when_debit: str) -> pl.Expr:
        return pl.when(credit).then(pl.lit(when_credit)).otherwise(pl.lit(when_debit))

    savings = _text(r"\bSAV(INGS?)?\b")
    fee = (
        pl.when(_text("OVERDRAFT|\\bOD FEE"))
        .then(pl.lit("BANK_FEES_OVERDRAFT_FEES"))
        .when(_text(r"\bNSF\b|INSUFFICIENT"))
        .then(pl.lit("BANK_FEES_INSUFFICIENT_FUNDS"))
        .when(_text(r"\bATM\b"))
        .then(pl.lit("BANK_FEES_ATM_FEES"))
        .when(_text("FOREIGN|INTL|INTERNATIONAL"))
        .then(pl.lit("BANK_FEES_FOREIGN_TRANSACTION_FEES"))
        .otherwise(pl.lit("BANK_FEES_OTHER_BANK_FEES"))
    )
    loan = (
        pl.when(credit)
        .then(pl.lit("TRANSFER_IN_CASH_ADVANCES_AND_LOANS"))
        .when(_text("MORTGAGE|MTG|HOME LOAN"))
        .then(pl.lit("LOAN_PAYMENTS_MORTGAGE_PAYMENT"))
        .when(_text("STUDENT|STDNT|NAVIENT|NELNET|MOHELA|SALLIE MAE|AIDVANTAGE|GREAT LAKES"))
        .then(pl.lit("LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT"))
        .when(_text(r"\bAUTO\b|\bCAR\b|MOTOR|VEHICLE"))
        .then(pl.lit("LOAN_PAYMENTS_CAR_PAYMENT"))
        .when(_text("CREDIT CARD|CARD PMT|CRCARDPMT|CARDMEMBER"))
        .then(pl.lit("LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"))
        .otherwise(pl.lit("LOAN_PAYMENTS_OTHER_PAYMENT"))
    )
    government = (
        pl.when(credit & _text("UNEMPLOY|\\bUI\\b|JOBSEEKER"))
        .then(pl.lit("INCOME_UNEMPLOYMENT"))
        .when(credit & _text(r"\bSSA\b|SOC SEC|PENSION|RETIREMENT"))
        .then(pl.lit("INCOME_RETIREMENT_PENSION"))
        .otherwise(
            by_direction(
                "INCOME_OTHER_INCOME",
                "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES",
            )
        )
    )
    transfer = (
        pl.when(savings)
        .then(by_direction("TRANSFER_IN_SAVINGS", "TRANSFER_OUT_SAVINGS"))
        .when(_text("BROKERAGE|INVEST|VANGUARD|FIDELITY|SCHWAB|401K|IRA\\b"))
        .then(
            by_direction(
                "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS",
                "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
            )
        )
        .otherwise(by_direction("TRANSFER_IN_ACCOUNT_TRANSFER", "TRANSFER_OUT_ACCOUNT_TRANSFER"))
    )
    return (
        pl.when(hint == "payroll")
        .then(by_direction("INCOME_WAGES", "TRANSFER_OUT_OTHER_TRANSFER_OUT"))
        .when(hint.is_in(["p2p", "transfer"]))
        .then(transfer)
        .when(hint == "atm")
        .then(by_direction("TRANSFER_IN_DEPOSIT", "TRANSFER_OUT_WITHDRAWAL"))
        .when(hint == "bank_fee")
        .then(fee)
        .when(hint == "interest")
        .then(by_direction("INCOME_INTEREST_EARNED", "BANK_FEES_INTEREST_CHARGE"))
        .when(hint == "tax")
        .then(by_direction("INCOME_TAX_REFUND", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"))
        .when(hint == "government")
        .then(government)
        .when(hint == "loan")
        .then(loan)
        .when((hint == "rent") & ~credit)
        .then(pl.lit("RENT_AND_UTILITIES_RENT"))
        .when(hint == "check")
        .then(by_direction("TRANSFER_IN_DEPOSIT", "TRANSFER_OUT_OTHER_TRANSFER_OUT"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _counterparty_type() -> pl.Expr:
    hint = pl.col("flow_hint")
    return (
        pl.when(hint == "payroll")
        .then(pl.lit("employer"))
        .when(hint == "p2p")
        .then(pl.lit("person"))
        .when(hint.is_in(["tax", "government"]))
        .then(pl.lit("government"))
        .when(pl.col("merchant_id").is_not_null())
        .then(pl.lit("merchant"))
        .when(hint.is_in(["atm", "bank_fee", "interest", "transfer", "loan"]))
        .then(pl.lit("bank"))
        .when(hint.is_in(["card_purchase", "refund"]) | pl.col("mcc").is_not_null())
        .then(pl.lit("merchant"))
        .otherwise(pl.lit("unknown"))
    )


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Add CATEGORY_COLUMNS. Needs description, direction, mcc, flow_hint and merchant_*."""
    tax = taxonomy()
    flow = _flow_category()
    by_mcc = pl.col("mcc").replace_strict(MCC_CATEGORIES, default=None, return_dtype=pl.String)
    fallback = (
        pl.when(pl.col("direction") == "credit")
        .then(pl.lit("TRANSFER_IN_OTHER_TRANSFER_IN"))
        .otherwise(pl.lit("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE"))
    )
    merchant = pl.col("merchant_category_detailed")
    detailed = pl.coalesce(flow, merchant, by_mcc, fallback)
    confidence = (
        pl.when(flow.is_not_null())
        .then(pl.lit(0.9))
        .when(merchant.is_not_null())
        .then(pl.col("merchant_confidence") * 0.95)
        .when(by_mcc.is_not_null())
        .then(pl.lit(0.8))
        .otherwise(pl.lit(0.3))
    )
    atm_mcc = pl.when(pl.col("flow_hint") == "atm").then(pl.lit("6011"))
    return frame.with_columns(
        category_detailed=detailed,
        category_confidence=confidence.round(3),
        category_mcc=pl.coalesce(pl.col("mcc"), pl.col("merchant_mcc"), atm_mcc),
        counterparty_type=_counterparty_type(),
    ).with_columns(
        category_primary=pl.col("category_detailed").replace_strict(
            tax.primary_of, return_dtype=pl.String
        )
    )
