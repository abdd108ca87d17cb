"""The non-merchant flows the descriptor generator writes (``generate_data``): payroll,
P2P, own-account transfers, deposits, checks, ATM, bank fees, interest, tax and benefits,
rent, mortgage and loan payments. Each ``Flow`` has its direction, labels and a pair of
template pools: index 0 for the train and dev splits, index 1 for the held-out test split
only. Placeholders (``{emp}``, ``{person}``, ``{n10}``...) are filled by the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FLOWS", "UNKNOWN", "Flow"]

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Flow:
    direction: str
    category: str
    ctype: str
    weight: float
    templates: tuple[tuple[str, ...], tuple[str, ...]]
    merchant: str = UNKNOWN


FLOWS: dict[str, Flow] = {
    "payroll": Flow(
        "credit",
        "INCOME_WAGES",
        "employer",
        6,
        (
            (
                "{emp} PAYROLL PPD ID: {n9}",
                "{emp} DES:PAYROLL ID:{x12} INDN:{person} CO ID:{n10} PPD",
                "DIRECT DEP {emp}",
                "{emp} DIRECT DEP {n6}",
                "BGC {emp} SALARY",
                "FASTER PAYMENT FROM {emp} SALARY",
                "{payroll_co} DES:PAYROLL ID:{x12} INDN:{person} CO ID:{n10} PPD",
                "{emp} BGC",
                "{emp} CR",
                "GEHALT {emp}",
                "VIR SALAIRE {emp}",
                "SALARIS {emp}",
                "NOMINA {emp}",
            ),
            (
                "{emp} DES:DIR DEP ID:{n9} INDN:{person} CO ID:{n10} PPD",
                "ACH CREDIT {emp} PAYROLL",
                "{emp} WAGES FP {ddmmyy}",
                "{emp} SALARY BGC",
                "DIR DEP {emp} {n6}",
                "LOHN GEHALT {emp} {mon}",
                "VIREMENT SALAIRE {emp}",
            ),
        ),
    ),
    "p2p_out": Flow(
        "debit",
        "TRANSFER_OUT_ACCOUNT_TRANSFER",
        "person",
        5,
        (
            (
                "VENMO *{person}",
                "ZELLE PAYMENT TO {person} {x11}",
                "CASH APP*{person} 8774174551 CA",
                "FASTER PAYMENT TO {init} REF {memo}",
                "MOBILE PAYMENT TO {person}",
                "{person}",
            ),
            (
                "ZELLE PAYMENT TO {person} CONF# {x9}",
                "ZELLE TO {last} {first} ON {mm_dd} REF # {x9}",
                "SQC*{person}",
                "TFR TO {init} {memo}",
                "VENMO PAYMENT {n10} {person}",
                "{last} {first}",
            ),
        ),
    ),
    "p2p_in": Flow(
        "credit",
        "TRANSFER_IN_ACCOUNT_TRANSFER",
        "person",
        3,
        (
            (
                "ZELLE PAYMENT FROM {person} {x11}",
                "VENMO CASHOUT {person}",
                "FASTER PAYMENT FROM {init} REF {memo}",
                "CASH APP*{person} CASH OUT",
                "{person}",
            ),
            (
                "ZELLE FROM {last} {first} ON {mm_dd} REF # {x9}",
                "{person} {memo} FASTER PAYMENTS RECEIPT",
                "VENMO DES:CASHOUT ID:{n10} INDN:{person} CO ID:5264681992 PPD",
            ),
        ),
    ),
    "savings_out": Flow(
        "debit",
        "TRANSFER_OUT_SAVINGS",
        "bank",
        3,
        (
            (
                "ONLINE TRANSFER TO SAV ...{last4} TRANSACTION#: {n11}",
                "TRANSFER TO SAVINGS XXXXXX{last4}",
                "TFR TO SAVER ACCOUNT",
            ),
            ("ONLINE BANKING TRANSFER TO SAV {last4} CONFIRMATION# {n10}", "TO SAVINGS POT"),
        ),
    ),
    "account_out": Flow(
        "debit",
        "TRANSFER_OUT_ACCOUNT_TRANSFER",
        "bank",
        2,
        (
            ("ONLINE TRANSFER TO CHK ...{last4} TRANSACTION#: {n11}", "TO A/C {sort} {n8}"),
            ("INTERNAL TRANSFER TO CHECKING {n8}", "TRANSFER OUT TO ACCOUNT {last4}"),
        ),
    ),
    "savings_in": Flow(
        "credit",
        "TRANSFER_IN_ACCOUNT_TRANSFER",
        "bank",
        2,
        (
            ("ONLINE TRANSFER FROM SAV ...{last4} TRANSACTION#: {n11}", "FROM A/C {sort} {n8}"),
            ("TRANSFER FROM SAVINGS POT", "INTERNAL TRANSFER FROM SAV {last4}"),
        ),
    ),
    "deposit": Flow(
        "credit",
        "TRANSFER_IN_DEPOSIT",
        "unknown",
        1.5,
        (
            ("MOBILE DEPOSIT REF {n9}", "ATM CASH DEPOSIT {mmdd} {street}", "DEPOSIT"),
            ("REMOTE ONLINE DEPOSIT # {n6}", "BRANCH DEPOSIT {mm_dd}", "CHEQUE DEPOSIT"),
        ),
    ),
    "check": Flow(
        "debit",
        "TRANSFER_OUT_OTHER_TRANSFER_OUT",
        "unknown",
        1,
        (("CHECK # {n4}", "CHECK {n4}"), ("CHQ {n6}", "CHECK PAID #{n4}")),
    ),
    "atm": Flow(
        "debit",
        "TRANSFER_OUT_WITHDRAWAL",
        "bank",
        3,
        (
            (
                "ATM WITHDRAWAL {n6} {mmdd} {street} {city}",
                "NON-CHASE ATM WITHDRAW {mmdd} {street} {city}",
                "CASH WITHDRAWAL {bank} {street} ON {ddmon}",
                "ATM CASH WITHDRAWAL {bank} {street} {city} CARD {last4}",
            ),
            (
                "{bank} ATM {mm_dd} #{n6} WITHDRWL {street} {city}",
                "CASH {bank} {ddmon} CD {last4}",
                "LNK {street} CD {last4} {ddmon}",
                "ATM W/D {street} {city}",
            ),
        ),
    ),
    "fee_overdraft": Flow(
        "debit",
        "BANK_FEES_OVERDRAFT_FEES",
        "bank",
        0.8,
        (
            ("OVERDRAFT ITEM FEE", "OVERDRAFT FEE FOR A TRANSACTION"),
            ("UNARRANGED OVERDRAFT CHARGE", "OD FEE {mm_dd}"),
        ),
    ),
    "fee_nsf": Flow(
        "debit",
        "BANK_FEES_INSUFFICIENT_FUNDS",
        "bank",
        0.5,
        (("INSUFFICIENT FUNDS FEE", "NSF FEE ITEM {n6}"), ("RETURNED ITEM FEE NSF", "NSF CHARGE")),
    ),
    "fee_fx": Flow(
        "debit",
        "BANK_FEES_FOREIGN_TRANSACTION_FEES",
        "bank",
        0.6,
        (
            ("FOREIGN TRANSACTION FEE", "NON-STERLING TRANSACTION FEE"),
            ("INTL TRANSACTION FEE", "FX FEE {n4}"),
        ),
    ),
    "fee_atm": Flow(
        "debit",
        "BANK_FEES_ATM_FEES",
        "bank",
        0.6,
        (("NON-CHASE ATM FEE-WITH", "ATM FEE {mmdd}"), ("ATM SURCHARGE FEE", "NON-BANK ATM FEE")),
    ),
    "fee_monthly": Flow(
        "debit",
        "BANK_FEES_OTHER_BANK_FEES",
        "bank",
        0.8,
        (
            ("MONTHLY SERVICE FEE", "MONTHLY MAINTENANCE FEE", "SERVICE CHARGE"),
            ("ACCOUNT FEE {mon}", "PACKAGED ACCOUNT FEE", "WIRE TRANSFER FEE"),
        ),
    ),
    "fee_interest": Flow(
        "debit",
        "BANK_FEES_INTEREST_CHARGE",
        "bank",
        0.5,
        (
            ("INTEREST CHARGE ON PURCHASES", "PURCHASE INTEREST CHARGE"),
            ("INTEREST CHARGED", "CASH ADVANCE INTEREST CHARGE"),
        ),
    ),
    "interest": Flow(
        "credit",
        "INCOME_INTEREST_EARNED",
        "bank",
        2,
        (("INTEREST PAYMENT", "INTEREST EARNED", "CREDIT INTEREST"), ("INTEREST PAID", "INT PD")),
    ),
    "tax_refund_us": Flow(
        "credit",
        "INCOME_TAX_REFUND",
        "government",
        1,
        (("IRS TREAS 310 TAX REF", "IRS TREAS 310 TAX REF PPD ID: {n10}"), ("IRS TAX REFUND",)),
        "m_irs",
    ),
    "tax_refund": Flow(
        "credit",
        "INCOME_TAX_REFUND",
        "government",
        1,
        (
            ("HMRC TAX REFUND {n10}", "{state} STATE TAX REFUND", "TAX REF {state} DEPT REV"),
            ("HM REVENUE & CUSTOMS REFUND", "{state} DEPT OF REVENUE TAX RFD"),
        ),
    ),
    "tax_payment": Flow(
        "debit",
        "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
        "government",
        0.8,
        (("IRS USATAXPYMT {n12}", "IRS DES:USATAXPYMT ID:{n15}"), ("US TREASURY TAX PMT {n9}",)),
        "m_irs",
    ),
    "council_tax": Flow(
        "debit",
        "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
        "government",
        0.6,
        (
            ("LB HACKNEY COUNCIL TAX DD", "{town} CITY COUNCIL CTAX"),
            ("{town} COUNCIL TAX DDR", "HMRC SELF ASSESSMENT {n10}"),
        ),
    ),
    "gov_pension": Flow(
        "credit",
        "INCOME_RETIREMENT_PENSION",
        "government",
        1,
        (
            ("SSA TREAS 310 XXSOC SEC", "SOC SEC DES:SSA ID:{n9}"),
            ("SSA TREAS 310 DES:XXSOC SEC", "DWP STATE PENSION {n8}"),
        ),
    ),
    "gov_unemployment": Flow(
        "credit",
        "INCOME_UNEMPLOYMENT",
        "government",
        0.8,
        (
            ("{state} UNEMPLOYMENT BENEFITS", "{state} DEPT OF LABOR UI BENEFIT"),
            ("{state} EDD UI PAYMENT {n8}", "DEPT LABOR UNEMPLOYMENT INS"),
        ),
    ),
    "gov_benefit": Flow(
        "credit",
        "INCOME_OTHER_INCOME",
        "government",
        0.8,
        (
            ("DWP UC {n10}", "HMRC CHILD BENEFIT", "VA BENEFITS TREAS 310"),
            ("DWP PIP {n8}", "HMRC TAX CREDITS", "TREAS 310 VACP TREAS"),
        ),
    ),
    "rent_co": Flow(
        "debit",
        "RENT_AND_UTILITIES_RENT",
        "merchant",
        3,
        (
            (
                "{propco} DES:WEB PMTS ID:{x9} INDN:{person} CO ID:{n10} WEB",
                "{propco} RENT WEB ID: {n10}",
                "ACH DEBIT {propco} RENT",
                "{propco} RENT SO",
            ),
            ("RENTPAYMENT DES:RENTPAYMEN ID:{x12} INDN:{person}", "{propco} LEASE PMT {n6}"),
        ),
    ),
    "rent_person": Flow(
        "debit",
        "RENT_AND_UTILITIES_RENT",
        "person",
        1.5,
        (
            ("ZELLE PAYMENT TO {person} RENT {x8}", "STANDING ORDER TO {person} RENT"),
            ("SO {person} RENT {mon}", "VENMO *{person} RENT"),
        ),
    ),
    "mortgage": Flow(
        "debit",
        "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
        "bank",
        1.5,
        (
            (
                "{lender} HOME MTG DES:AUTO PAY ID:{n10} INDN:{person} CO ID:{n10} PPD",
                "{lender} MORTGAGE DD",
            ),
            ("{lender} MTG PYMT {n10}", "{lender} MORTGAGE PAYMENT"),
        ),
    ),
    "card_payment": Flow(
        "debit",
        "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        "bank",
        2,
        (
            (
                "{lender} DES:CRCARDPMT ID:{n11} INDN:{person} CO ID:{n10} WEB",
                "{lender} CREDIT CRD AUTOPAY PPD ID: {n10}",
                "BARCLAYCARD DDR",
            ),
            ("{lender} CARD PAYMENT THANK YOU", "AMEX EPAYMENT ACH PMT {n6}", "{lender} CC PMT"),
        ),
    ),
    "car_loan": Flow(
        "debit",
        "LOAN_PAYMENTS_CAR_PAYMENT",
        "bank",
        1,
        (
            ("{carco} FINANCIAL DES:PAYMENT ID:{n10}", "{carco} AUTO LOAN PMT"),
            ("{carco} FINANCE DD", "{carco} MOTOR FINANCE {n8}"),
        ),
    ),
    "personal_loan": Flow(
        "debit",
        "LOAN_PAYMENTS_PERSONAL_LOAN_PAYMENT",
        "bank",
        0.8,
        (
            ("{lender} PERSONAL LOAN PMT {n8}", "LOAN PAYMENT {lender} {n6}"),
            ("{lender} LN PMT {n10}", "{lender} INSTALMENT LOAN DD"),
        ),
    ),
}
