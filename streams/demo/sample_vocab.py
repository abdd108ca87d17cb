"""Word lists and descriptor templates for the sample generator (see sample.py).

Templates are `str.format_map` strings. Field names the generator fills:
account/person: name, lastfirst, first, last, emp, payee, payee_init, memo, shop,
city, st, street, atmbank, provider, propco, landlord, last4, sav4, sortcode;
dates (of the card/transfer date): mmdd, mm_dd, ddmm, ddmmyy, ddmon, ddmonc, mm,
yyyy, mon, dow, hr; `desc` (an inner descriptor being wrapped); and random ids:
`dN`/`xN` are N digits / N upper-case alphanumerics that stay the same across a
recurring series (a payroll's company id does not change month to month), while
`vN`/`wN` are fresh on every transaction (confirmation numbers, order refs).
Tables keyed by country fall back to "EU" for euro countries they do not list.
The rendering helpers at the end (`render`, `card_field`, `local_business`) turn
these into text; sample.py decides what happens, when, and for how much.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from datetime import date
from typing import NamedTuple, TypeVar

T = TypeVar("T")

Templates = dict[str, tuple[str, ...]]
# (template, low amount, high amount) in major units of the account's currency.
Priced = dict[str, tuple[tuple[str, float, float], ...]]


class Subscription(NamedTuple):
    """A fixed-price monthly service; `marker` is a word every form contains."""

    marker: str
    forms: tuple[str, ...]
    prices: tuple[float, ...]
    mcc: str


class Loan(NamedTuple):
    """A loan or card repayment; `varies` for card bills, fixed instalments otherwise."""

    template: str
    low: float
    high: float
    varies: bool = False


class Platform(NamedTuple):
    """An app/marketplace purchase (rides, delivery, marketplaces)."""

    template: str
    mcc: str
    low: float
    high: float


# Brands people pay by card; loans, rent and bills come from their own templates.
SPEND_CATEGORIES = frozenset(
    {
        "FOOD_AND_DRINK",
        "GENERAL_MERCHANDISE",
        "TRANSPORTATION",
        "ENTERTAINMENT",
        "PERSONAL_CARE",
        "MEDICAL",
        "HOME_IMPROVEMENT",
        "GENERAL_SERVICES",
        "TRAVEL",
    }
)
# Typical ticket sizes (major units): by MCC where it is telling, else by category.
TICKET_BY_MCC = {
    "5411": (8.0, 180.0),
    "5499": (4.0, 60.0),
    "5814": (3.0, 25.0),
    "5812": (12.0, 110.0),
    "5813": (12.0, 90.0),
    "5541": (20.0, 85.0),
    "5542": (20.0, 85.0),
    "4121": (7.0, 60.0),
}
TICKET_BY_CATEGORY = {
    "GENERAL_MERCHANDISE": (5.0, 220.0),
    "TRAVEL": (40.0, 900.0),
    "HOME_IMPROVEMENT": (10.0, 400.0),
    "GENERAL_SERVICES": (15.0, 250.0),
    "ENTERTAINMENT": (8.0, 80.0),
    "MEDICAL": (8.0, 150.0),
    "PERSONAL_CARE": (10.0, 120.0),
    "TRANSPORTATION": (5.0, 70.0),
}
COUNTRY_WEIGHTS: dict[str, int] = {"US": 64, "GB": 22, "DE": 5, "FR": 4, "NL": 3, "IE": 2}
CURRENCIES: dict[str, str] = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "NL": "EUR",
    "IE": "EUR",
}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

FIRST_NAMES = (
    "JAMES",
    "MARY",
    "JOHN",
    "PATRICIA",
    "ROBERT",
    "JENNIFER",
    "MICHAEL",
    "LINDA",
    "DAVID",
    "ELIZABETH",
    "MARIA",
    "JOSE",
    "WEI",
    "PRIYA",
    "AHMED",
    "SOFIA",
    "OLIVER",
    "AMELIA",
    "HARRY",
    "ISLA",
    "LUKAS",
    "LENA",
    "CHLOE",
    "LUCAS",
    "EMMA",
    "SEAN",
    "AOIFE",
    "DANIEL",
    "GRACE",
    "KEVIN",
)
LAST_NAMES = (
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "NGUYEN",
    "PATEL",
    "KIM",
    "CHEN",
    "TAYLOR",
    "WILSON",
    "EVANS",
    "THOMAS",
    "MUELLER",
    "SCHMIDT",
    "MARTIN",
    "BERNARD",
    "DE VRIES",
    "JANSEN",
    "MURPHY",
    "KELLY",
    "OBRIEN",
    "LEE",
)
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "US": (
        ("NEW YORK", "NY"),
        ("BROOKLYN", "NY"),
        ("SAN FRANCISCO", "CA"),
        ("LOS ANGELES", "CA"),
        ("SEATTLE", "WA"),
        ("AUSTIN", "TX"),
        ("HOUSTON", "TX"),
        ("CHICAGO", "IL"),
        ("DENVER", "CO"),
        ("ATLANTA", "GA"),
        ("BOSTON", "MA"),
        ("PHOENIX", "AZ"),
        ("MIAMI", "FL"),
        ("PORTLAND", "OR"),
        ("CHARLOTTE", "NC"),
        ("COLUMBUS", "OH"),
        ("MINNEAPOLIS", "MN"),
        ("NASHVILLE", "TN"),
        ("SAN DIEGO", "CA"),
        ("PHILADELPHIA", "PA"),
    ),
    "GB": tuple(
        (c, "GB")
        for c in (
            "LONDON",
            "MANCHESTER",
            "BIRMINGHAM",
            "LEEDS",
            "BRISTOL",
            "GLASGOW",
            "EDINBURGH",
            "LIVERPOOL",
            "CARDIFF",
            "NOTTINGHAM",
        )
    ),
    "DE": tuple((c, "DE") for c in ("BERLIN", "MUENCHEN", "HAMBURG", "KOELN", "FRANKFURT")),
    "FR": tuple((c, "FR") for c in ("PARIS", "LYON", "MARSEILLE", "TOULOUSE", "NANTES")),
    "NL": tuple((c, "NL") for c in ("AMSTERDAM", "ROTTERDAM", "UTRECHT", "DEN HAAG")),
    "IE": tuple((c, "IE") for c in ("DUBLIN", "CORK", "GALWAY", "LIMERICK")),
}
STREETS = (
    "MAIN ST",
    "BROADWAY",
    "MARKET ST",
    "2ND AVE",
    "HIGH ST",
    "OAK AVE",
    "PARK RD",
    "STATION RD",
    "ELM ST",
    "MILL LN",
    "CHURCH ST",
    "KING ST",
)
MEMOS = (
    "DINNER",
    "RENT SHARE",
    "TICKETS",
    "BIRTHDAY",
    "GROCERIES",
    "THANKS",
    "UTILITIES",
    "DRINKS",
    "PIZZA",
    "GAS MONEY",
    "BRUNCH",
    "TRIP",
)
EMPLOYERS: Templates = {
    "US": (
        "ACME CORP",
        "GLOBEX CORPORATION",
        "INITECH INC",
        "UMBRELLA HEALTH",
        "HOOLI INC",
        "NORTHWIND TRADERS",
        "MASSIVE DYNAMIC",
        "CITY OF SPRINGFIELD",
        "PIED PIPER INC",
    ),
    "GB": ("ACME LTD", "GLOBEX UK LTD", "INITECH PLC", "PENNINE LOGISTICS LTD", "NHS BSA"),
    "DE": ("ACME GMBH", "MUSTER LOGISTIK AG", "NORDWIND SOFTWARE GMBH"),
    "FR": ("ACME SAS", "DUPONT ET FILS SARL", "SOCIETE GENERALE DES EAUX"),
    "EU": ("ACME B.V.", "ACME IRELAND LTD", "NORTHWIND EUROPE BV"),
}
PAYROLL_PROVIDERS = ("GUSTO", "ADP", "PAYCHEX", "INTUIT PAYROLL", "TRINET", "RIPPLING")
PROPCOS: Templates = {
    "US": (
        "GREYSTAR",
        "AVALONBAY COMMUNITIES",
        "EQUITY RESIDENTIAL",
        "CAMDEN PROPERTY",
        "ESSEX PROPERTY TRUST",
        "MAA APARTMENTS",
        "BOZZUTO MGMT",
    ),
    "GB": ("FOXTONS LETTINGS", "OPENRENT LTD", "GRAINGER PLC", "KNIGHT FRANK LETTINGS"),
    "DE": ("VONOVIA SE", "DEUTSCHE WOHNEN SE", "LEG WOHNEN"),
    "FR": ("FONCIA", "NEXITY LAMY", "CITYA IMMOBILIER"),
    "EU": ("VESTEDA", "HOUSE OF DUBLIN LETTINGS", "MVGM WONEN"),
}
ATM_BANKS: Templates = {
    "US": ("CHASE", "BKOFAMERICA", "WELLS FARGO"),
    "GB": ("LLOYDS BANK", "BARCLAYS", "HSBC", "NATWEST", "SANTANDER"),
    "DE": ("SPARKASSE", "DEUTSCHE BANK", "COMMERZBANK"),
    "FR": ("BNP PARIBAS", "CREDIT AGRICOLE", "LA BANQUE POSTALE"),
    "EU": ("ING", "ABN AMRO", "AIB", "BANK OF IRELAND"),
}
# Small local businesses: "<ADJ> <KIND>" or "<FIRST>'S <KIND>" (e.g. "MIKE'S AUTO REPAIR").
LOCAL_ADJECTIVES = (
    "BLUE DOOR",
    "GOLDEN",
    "RED BARN",
    "OLD TOWN",
    "CORNER",
    "LUCKY",
    "SUNRISE",
    "MAPLE",
    "RIVERSIDE",
    "GREEN LEAF",
    "MAIN STREET",
    "LITTLE",
    "NORTHSIDE",
    "HARBOR",
)
LOCAL_OWNERS = ("MIKE", "ROSA", "TONY", "ANNA", "SAL", "LUCY", "DAVE", "NINA", "JOE", "KAREN")
LOCAL_KINDS: tuple[tuple[str, str, float, float], ...] = (
    ("CAFE", "5814", 3, 18),
    ("COFFEE", "5814", 3, 14),
    ("BAKERY", "5462", 4, 30),
    ("PIZZA", "5812", 12, 45),
    ("TAQUERIA", "5812", 8, 35),
    ("NOODLE HOUSE", "5812", 10, 40),
    ("DELI", "5812", 7, 25),
    ("AUTO REPAIR", "7538", 60, 900),
    ("DRY CLEANERS", "7216", 10, 60),
    ("BARBER SHOP", "7241", 18, 55),
    ("NAIL SALON", "7230", 25, 80),
    ("HARDWARE", "5251", 5, 120),
    ("FLORIST", "5992", 20, 90),
    ("LIQUORS", "5921", 10, 70),
    ("TAVERN", "5813", 15, 90),
    ("BREWING CO", "5813", 12, 70),
    ("PET SUPPLY", "5995", 10, 90),
    ("BOOKS", "5942", 8, 60),
    ("MARKET", "5411", 6, 80),
    ("FARM STAND", "5499", 5, 40),
)
PROCESSOR_PREFIXES: Templates = {
    "US": ("SQ *", "SQ *", "TST* ", "CLV*", "SP ", "PAYPAL *"),
    "GB": ("SQ *", "SUMUP *", "IZ *", "ZTL*", "PAYPAL *"),
    "EU": ("SUMUP *", "SQ *", "ZTL*", "PAYPAL *"),
}
CARD_WRAPPERS: Templates = {
    "US": (
        "{desc}",
        "CHECKCARD {mmdd} {desc}",
        "POS DEBIT {desc}",
        "DEBIT CARD PURCHASE {desc}",
        "PURCHASE AUTHORIZED ON {mm_dd} {desc} S{v15} CARD {last4}",
        "{desc} CARD {last4}",
        "POS PURCHASE {desc} XXXXX{last4}",
    ),
    "GB": (
        "{desc}",
        "CARD PAYMENT TO {desc} ON {ddmon}",
        "{desc} CD {last4}",
        "CONTACTLESS {desc}",
    ),
    "DE": ("KARTENZAHLUNG {desc} {ddmm}", "{desc} GIROCARD {last4}"),
    "FR": ("CB {desc} {ddmm}", "PAIEMENT PAR CARTE {ddmm} {desc}"),
    "NL": ("BEA, BETAALPAS {desc},PAS{d3}", "{desc}"),
    "IE": ("POS{ddmonc} {desc}", "VDP-{desc}"),
}
REFUND_WRAPPERS: Templates = {
    "US": (
        "{desc} REFUND",
        "RETURN {desc}",
        "CREDIT VOUCHER {desc}",
        "PURCHASE RETURN AUTHORIZED ON {mm_dd} {desc} S{v15} CARD {last4}",
    ),
    "GB": ("REFUND FROM {desc}", "{desc} REFUND CD {last4}"),
    "DE": ("GUTSCHRIFT KARTENZAHLUNG {desc}",),
    "FR": ("AVOIR CB {desc} {ddmm}",),
    "EU": ("REFUND {desc}", "VDC-{desc} REFUND"),
}
SALARY: Templates = {
    "US": (
        "{emp} PAYROLL PPD ID: {d9}",
        "{provider} DES:PAYROLL ID:{x15} INDN:{name} CO ID:{d10} PPD",
        "{emp} DES:DIR DEP ID:{d9} INDN:{lastfirst} CO ID:{d10} PPD",
        "DIRECT DEP {emp}",
        "{emp} DIRECT DEP {d6}",
        "ACH CREDIT {emp} PAYROLL",
    ),
    "GB": (
        "FASTER PAYMENT FROM {emp} SALARY",
        "BGC {emp} SALARY",
        "{emp} SALARY BGC",
        "BANK GIRO CREDIT REF {emp} SALARY {mon}",
        "{emp} WAGES FP {ddmmyy}",
    ),
    "DE": ("LOHN/GEHALT {emp} {mm}/{yyyy}", "GUTSCHRIFT {emp} GEHALT {mon} {yyyy}"),
    "FR": ("VIR SEPA {emp} SALAIRE {mon} {yyyy}", "VIREMENT SALAIRE {emp}"),
    "NL": ("SEPA OVERBOEKING {emp} SALARIS {mon}",),
    "IE": ("{emp} SALARY SEPA CT", "BANK CREDIT {emp} PAY"),
}
PAYOUTS: Templates = {
    "US": (
        "STRIPE DES:TRANSFER ID:ST-{w12} INDN:{emp} CO ID:{d10} CCD",
        "SQUARE INC DES:SQ{v6} ID:T3{w10} INDN:{emp} CCD",
        "SHOPIFY DES:TRANSFER ID:{v12}",
    ),
    "GB": ("STRIPE PAYMENTS UK STRIPE", "SUMUP PAYMENTS {w8}", "SHOPIFY INTERNATIONAL"),
    "EU": ("STRIPE TECHNOLOGY EUROPE {w10}", "SUMUP PAYOUT {w8}", "ADYEN N.V. PAYOUT {w10}"),
}
RENT: Templates = {
    "US": (
        "{propco} DES:WEB PMTS ID:{x9} INDN:{name} CO ID:{d10} WEB",
        "ZELLE PAYMENT TO {landlord} {w11}",
        "{propco} RENT WEB ID: {d10}",
        "ACH DEBIT {propco} RENT",
        "RENTPAYMENT DES:RENTPAYMEN ID:{x12} INDN:{name}",
    ),
    "GB": ("STANDING ORDER TO {landlord} RENT", "SO {landlord} RENT {mon}", "{propco} RENT SO"),
    "DE": ("DAUERAUFTRAG MIETE {landlord}", "MIETE {mm}/{yyyy} {propco}"),
    "FR": ("PRLV SEPA {propco} LOYER {mm}/{yyyy}", "VIR PERMANENT LOYER {landlord}"),
    "EU": ("HUUR {mon} {propco}", "SO {landlord} RENT", "STANDING ORDER {propco} RENT"),
}
SUBSCRIPTIONS: dict[str, tuple[Subscription, ...]] = {
    "US": (
        Subscription(
            "NETFLIX",
            ("NETFLIX.COM 866-579-7172 CA", "NETFLIX.COM LOS GATOS CA"),
            (6.99, 15.49, 22.99),
            "4899",
        ),
        Subscription(
            "SPOTIFY",
            ("SPOTIFY USA 877-778-1161 NY", "SPOTIFY P{x10}"),
            (5.99, 11.99, 16.99),
            "5815",
        ),
        Subscription("HULU", ("HULU 877-8244858 CA", "HULU.COM/BILL"), (7.99, 17.99), "4899"),
        Subscription(
            "APPLE",
            ("APPLE.COM/BILL 866-712-7753 CA", "APL*ITUNES.COM/BILL"),
            (0.99, 2.99, 9.99, 10.99),
            "5818",
        ),
        Subscription(
            "GOOGLE",
            ("GOOGLE *GOOGLE ONE G.CO/HELPPAY#", "GOOGLE *YOUTUBEPREMIUM"),
            (1.99, 2.99, 13.99),
            "5817",
        ),
        Subscription("DISNEY", ("DISNEY PLUS 888-905-7888 CA",), (9.99, 13.99), "4899"),
        Subscription("PRIME", ("AMAZON PRIME*{w6} AMZN.COM/BILL WA",), (14.99,), "5968"),
        Subscription("PLANET FITNESS", ("PLANET FITNESS 844-880-7180 NH",), (10.0, 24.99), "7997"),
        Subscription("NYTIMES", ("NYTIMES*NYTIMES SUBSCR 800-698-4637 NY",), (4.0, 17.0), "5994"),
    ),
    "GB": (
        Subscription(
            "NETFLIX", ("NETFLIX.COM", "NETFLIX.COM AMSTERDAM NL"), (4.99, 10.99, 17.99), "4899"
        ),
        Subscription("SPOTIFY", ("SPOTIFY UK", "SPOTIFY P{x10} LONDON"), (11.99, 17.99), "5815"),
        Subscription("APPLE", ("APPLE.COM/BILL ITUNES.COM",), (0.99, 2.99, 8.99), "5818"),
        Subscription("PRIME", ("AMAZON PRIME*{w6} AMZN.CO.UK/PM",), (8.99,), "5968"),
        Subscription("PUREGYM", ("PUREGYM LTD LEEDS",), (21.99, 29.99), "7997"),
        Subscription("NOW", ("NOWTV.COM LONDON",), (9.99, 21.0), "4899"),
        Subscription("DISNEY", ("DISNEY PLUS LONDON",), (4.99, 7.99), "4899"),
    ),
    "EU": (
        Subscription("NETFLIX", ("NETFLIX.COM AMSTERDAM NL",), (7.99, 13.99, 19.99), "4899"),
        Subscription("SPOTIFY", ("SPOTIFY AB STOCKHOLM", "SPOTIFY P{x10}"), (10.99, 17.99), "5815"),
        Subscription("APPLE", ("APPLE.COM/BILL CORK IE",), (0.99, 2.99, 9.99), "5818"),
        Subscription("GOOGLE", ("GOOGLE *YOUTUBE PREMIUM G.CO/HELPPAY#",), (12.99,), "5815"),
        Subscription("DISNEY", ("DISNEY PLUS",), (5.99, 9.99), "4899"),
        Subscription("PRIME", ("AMAZON PRIME*{w6} AMAZON.DE",), (8.99,), "5968"),
    ),
}
UTILITIES: Priced = {
    "US": (
        ("PG&E DES:WEB ONLINE ID:{d11} INDN:{name} CO ID:{d10} WEB", 60, 240),
        ("CON ED OF NY DES:INTELL CK ID:{d10} INDN:{name} CO ID:{d10} PPD", 50, 210),
        ("COMCAST XFINITY 800-266-2278 PA", 60, 140),
        ("SPECTRUM 855-707-7328 MO", 50, 130),
        ("VERIZON WIRELESS DES:PAYMENTS ID:{d15}", 55, 190),
        ("T-MOBILE AUTO PAY WA", 45, 160),
        ("AT&T DES:PAYMENT ID:{d12} INDN:{name} CO ID:{d10} PPD", 55, 180),
        ("DUKE ENERGY DES:BILL PAY ID:{d10}", 70, 260),
        ("GEICO *AUTO 800-841-3000 DC", 90, 210),
    ),
    "GB": (
        ("DIRECT DEBIT PAYMENT TO BRITISH GAS REF {d12}", 45, 180),
        ("OCTOPUS ENERGY DD", 40, 170),
        ("THAMES WATER DDR", 25, 60),
        ("BT GROUP PLC DD", 30, 75),
        ("VIRGIN MEDIA PYMTS DD", 35, 90),
        ("EE LIMITED DD", 12, 55),
        ("LB HACKNEY COUNCIL TAX DD", 110, 190),
        ("TV LICENCE MBP", 13, 14),
    ),
    "DE": (
        ("SEPA-LASTSCHRIFT VATTENFALL EUROPE SALES GMBH", 45, 160),
        ("LASTSCHRIFT TELEKOM DEUTSCHLAND GMBH RG {d10}", 30, 80),
        ("SEPA LASTSCHRIFT STADTWERKE MUENCHEN", 40, 150),
        ("VODAFONE GMBH {d10}", 25, 60),
    ),
    "FR": (
        ("PRLV SEPA EDF CLIENTS PARTICULIERS", 40, 170),
        ("PRLV SEPA ORANGE SA {d10}", 25, 70),
        ("PRLV SEPA FREE MOBILE", 10, 25),
        ("PRLV SEPA ENGIE", 30, 140),
    ),
    "EU": (
        ("INCASSO VATTENFALL KLANTENSERVICE", 60, 180),
        ("INCASSO KPN B.V.", 30, 80),
        ("INCASSO ZIGGO B.V.", 40, 90),
        ("DD ELECTRIC IRELAND", 50, 170),
        ("DD EIR", 30, 80),
    ),
}
LOANS: dict[str, tuple[Loan, ...]] = {
    "US": (
        Loan("NAVIENT DES:NAVI ED ID:{d10} INDN:{name} CO ID:{d10} WEB", 150, 600),
        Loan("SALLIE MAE BANK DES:SMB ONLINE ID:{d12} INDN:{name} CO ID:{d10} WEB", 120, 500),
        Loan("NELNET STUDENT LN DES:NELNET LNS ID:{d9} INDN:{name}", 100, 450),
        Loan("TOYOTA FINANCIAL DES:TFS PAYMNT ID:{d10}", 280, 650),
        Loan("HONDA PMT DES:HONDA PMT ID:{d10} INDN:{name} CO ID:{d10} WEB", 250, 600),
        Loan("CAPITAL ONE DES:CRCARDPMT ID:{d11} INDN:{name} CO ID:{d10} WEB", 40, 1500, True),
        Loan("CHASE CREDIT CRD AUTOPAY PPD ID: {d10}", 40, 2000, True),
    ),
    "GB": (
        Loan("DIRECT DEBIT TO STUDENT LOANS CO REF {d13}", 20, 250),
        Loan("BARCLAYCARD DDR", 40, 900, True),
        Loan("AMERICAN EXPRESS DD", 50, 1200, True),
        Loan("BLACK HORSE LTD DD", 180, 420),
    ),
    "DE": (Loan("SEPA-LASTSCHRIFT SANTANDER CONSUMER BANK AG RATE {d8}", 150, 500),),
    "FR": (Loan("PRLV SEPA COFIDIS ECHEANCE {d8}", 90, 400),),
    "EU": (Loan("SEPA DIRECT DEBIT SANTANDER CONSUMER {d8}", 120, 450),),
}
MORTGAGES: Priced = {
    "US": (
        ("WELLS FARGO HOME MTG DES:AUTO PAY ID:{d10} INDN:{name} CO ID:{d10} PPD", 1200, 3400),
        ("ROCKET MORTGAGE DES:MTG PYMT ID:{d10} INDN:{name}", 1100, 3200),
        ("MR. COOPER DES:MTG PYMT ID:{d10}", 1000, 2900),
    ),
    "GB": (("NATIONWIDE BS MORTGAGE DD", 700, 2200), ("HALIFAX MORTGAGE DDR", 650, 2000)),
    "DE": (("DARLEHEN {d10} TILGUNG ZINSEN SPARKASSE", 600, 1800),),
    "FR": (("ECHEANCE PRET IMMO {d11}", 550, 1700),),
    "EU": (("MORTGAGE REPAYMENT {d10}", 700, 2000),),
}
SAVINGS_OUT: Templates = {
    "US": (
        "ONLINE TRANSFER TO SAV ...{sav4} TRANSACTION#: {v11}",
        "TRANSFER TO SAVINGS XXXXXX{sav4}",
        "ONLINE BANKING TRANSFER TO SAV {sav4} CONFIRMATION# {v10}",
    ),
    "GB": ("TO A/C {sortcode} {d8} SAVINGS", "TRANSFER TO SAVINGS POT", "TFR TO SAVER ACCOUNT"),
    "DE": ("UMBUCHUNG AUF TAGESGELDKONTO {d10}", "DAUERAUFTRAG SPARKONTO"),
    "FR": ("VIR VERS LIVRET A {d11}", "VIREMENT VERS LDDS"),
    "EU": ("TRANSFER TO SAVINGS SPACE", "INTERNAL TRANSFER TO SAVINGS {d8}"),
}
SAVINGS_IN: Templates = {
    "US": ("ONLINE TRANSFER FROM SAV ...{sav4} TRANSACTION#: {v11}", "TRANSFER FROM SAVINGS"),
    "GB": ("FROM A/C {sortcode} {d8}", "TRANSFER FROM SAVINGS POT"),
    "DE": ("UMBUCHUNG VON TAGESGELDKONTO {d10}",),
    "FR": ("VIR DE LIVRET A {d11}",),
    "EU": ("TRANSFER FROM SAVINGS SPACE",),
}
INTEREST: Templates = {
    "US": ("INTEREST PAYMENT", "INTEREST EARNED", "INTEREST PAID"),
    "GB": ("INTEREST (GROSS)", "CREDIT INTEREST"),
    "DE": ("ZINSGUTSCHRIFT", "ABSCHLUSS HABENZINSEN"),
    "FR": ("INTERETS CREDITEURS",),
    "EU": ("INTEREST EARNED",),
}
MONTHLY_FEES: Priced = {
    "US": (
        ("MONTHLY SERVICE FEE", 12, 15),
        ("MONTHLY MAINTENANCE FEE", 4.95, 5),
        ("SERVICE CHARGE", 10, 10),
    ),
    "GB": (("MONTHLY ACCOUNT FEE", 3, 3), ("PACKAGED ACCOUNT FEE", 13, 22)),
    "DE": (("KONTOFUEHRUNGSGEBUEHR", 4.9, 9.9), ("ENTGELTABSCHLUSS", 3.5, 7.5)),
    "FR": (("FRAIS TENUE DE COMPTE", 2, 4), ("COTISATION CARTE", 3.5, 5)),
    "EU": (("MONTHLY PLAN FEE", 4.9, 9.9), ("ACCOUNT MAINTENANCE FEE", 2, 6)),
}
ONEOFF_FEES: Priced = {
    "US": (
        ("OVERDRAFT ITEM FEE", 35, 35),
        ("FOREIGN TRANSACTION FEE", 0.5, 4),
        ("NON-CHASE ATM FEE-WITH", 3, 3.5),
        ("INSUFFICIENT FUNDS FEE", 34, 36),
        ("WIRE TRANSFER FEE", 15, 30),
    ),
    "GB": (
        ("NON-STERLING TRANSACTION FEE", 0.5, 3),
        ("UNARRANGED OVERDRAFT CHARGE", 5, 20),
        ("NON-STERLING CASH FEE", 1.5, 3),
    ),
    "DE": (("AUSLANDSEINSATZENTGELT", 0.3, 3), ("ENTGELT GELDAUTOMAT", 2, 5)),
    "FR": (("COMMISSION INTERVENTION", 8, 8), ("FRAIS PAIEMENT HORS ZONE EURO", 0.5, 3)),
    "EU": (("FX FEE", 0.3, 3), ("ATM WITHDRAWAL FEE", 2, 5)),
}
TAX_REFUNDS: Priced = {
    "US": (
        ("IRS TREAS 310 TAX REF", 250, 4200),
        ("IRS TREAS 310 TAX REF PPD ID: 9111036001", 250, 4200),
    ),
    "GB": (("HMRC TAX REFUND {d10}", 60, 1200), ("HM REVENUE & CUSTOMS REFUND", 60, 1200)),
    "DE": (("FINANZAMT {city} EINKOMMENSTEUER {yyyy} ERSTATTUNG", 200, 2500),),
    "FR": (("VIR DGFIP FINANCES PUBLIQUES REMBOURSEMENT IMPOT", 100, 1500),),
    "EU": (("REVENUE COMMISSIONERS REFUND {d8}", 100, 1500),),
}
ATM: Templates = {
    "US": (
        "ATM WITHDRAWAL {v6} {mmdd} {street} {city} {st}",
        "NON-CHASE ATM WITHDRAW {mmdd} {street} {city} {st}",
        "BKOFAMERICA ATM {mm_dd} #{v6} WITHDRWL {street} {city} {st}",
        "ATM CASH WITHDRAWAL {atmbank} {street} {city} {st} CARD {last4}",
    ),
    "GB": (
        "CASH WITHDRAWAL {atmbank} {street} ON {ddmon}",
        "CASH {atmbank} {ddmon} CD {last4}",
        "LNK {street} CD {last4} {ddmon}",
    ),
    "DE": ("BARGELDAUSZAHLUNG {atmbank} {city} {ddmm}", "GA NR{v8} BLZ{v8} {ddmm}"),
    "FR": ("RETRAIT DAB {ddmm} {city} {atmbank}",),
    "EU": ("ATM WITHDRAWAL {atmbank} {city}", "GELDAUTOMAAT {ddmm} {atmbank} {city}"),
}
P2P_OUT: Templates = {
    "US": (
        "VENMO *{payee}",
        "VENMO PAYMENT {v10} WEB ID: 3264681992",
        "ZELLE PAYMENT TO {payee} {w11}",
        "ZELLE PAYMENT TO {payee} CONF# {w9}",
        "CASH APP*{payee} 8774174551 CA",
    ),
    "GB": (
        "FASTER PAYMENT TO {payee_init} REF {memo}",
        "MOBILE PAYMENT TO {payee}",
        "TFR TO {payee_init} {memo}",
    ),
    "DE": ("UEBERWEISUNG {payee} {memo}", "ECHTZEIT-UEBERWEISUNG {payee}"),
    "FR": ("VIR INST VERS {payee} {memo}", "VIR SEPA {payee}"),
    "EU": (
        "SEPA CREDIT TRANSFER TO {payee} {memo}",
        "TIKKIE {payee} {memo}",
        "INSTANT PAYMENT TO {payee}",
    ),
}
P2P_IN: Templates = {
    "US": (
        "ZELLE PAYMENT FROM {payee} {w11}",
        "VENMO DES:CASHOUT ID:{v10} INDN:{name} CO ID:5264681992 PPD",
        "CASH APP*CASH OUT",
        "ONLINE TRANSFER FROM {payee}",
    ),
    "GB": ("FASTER PAYMENT FROM {payee_init} REF {memo}", "{payee} {memo} FASTER PAYMENTS RECEIPT"),
    "DE": ("GUTSCHRIFT {payee} {memo}",),
    "FR": ("VIR INST DE {payee} {memo}",),
    "EU": ("SEPA CREDIT TRANSFER FROM {payee} {memo}", "SEPA OVERBOEKING VAN {payee}"),
}
PLATFORMS: dict[str, tuple[Platform, ...]] = {
    "US": (
        Platform("UBER *TRIP HELP.UBER.COM CA", "4121", 7, 65),
        Platform("UBER *EATS PENDING", "5812", 14, 60),
        Platform("LYFT *RIDE {dow} {hr}", "4121", 8, 55),
        Platform("DD *DOORDASH {shop}", "5812", 15, 70),
        Platform("GRUBHUB*{shop}", "5812", 15, 60),
        Platform("IC* INSTACART", "5411", 30, 220),
        Platform("AMZN MKTP US*{w9} AMZN.COM/BILL WA", "5999", 8, 180),
        Platform("AMAZON.COM*{w9} AMZN.COM/BILL WA", "5999", 8, 180),
        Platform("WL *STEAM PURCHASE 425-889-9642 WA", "5816", 5, 60),
    ),
    "GB": (
        Platform("UBER *TRIP HELP.UBER.COM", "4121", 6, 40),
        Platform("UBER *EATS", "5812", 12, 45),
        Platform("DELIVEROO.CO.UK LONDON", "5812", 12, 45),
        Platform("JUST EAT.CO.UK LTD", "5812", 12, 40),
        Platform("AMAZON.CO.UK*{w9} AMAZON.CO.UK", "5999", 6, 150),
        Platform("TFL TRAVEL CH TFL.GOV.UK/CP", "4111", 1.75, 12),
        Platform("TRAINLINE.COM LONDON", "4112", 8, 120),
    ),
    "EU": (
        Platform("UBER *TRIP HELP.UBER.COM", "4121", 7, 45),
        Platform("WOLT {shop}", "5812", 12, 45),
        Platform("BOLT.EU/O/{w10}", "4121", 5, 35),
        Platform("AMAZON.DE*{w9} AMAZON.DE", "5999", 6, 150),
        Platform("PAYPAL *EBAY {w6}", "5999", 5, 120),
    ),
}
# Used only when the caller passes no usable brands, so the generator never fails.
FALLBACK_BRANDS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("Starbucks", ("STARBUCKS", "STARBUCKS STORE", "SBUX"), "FOOD_AND_DRINK", "5814"),
    ("McDonald's", ("MCDONALD'S", "MCDONALDS F"), "FOOD_AND_DRINK", "5814"),
    ("Shell", ("SHELL OIL", "SHELL SERVICE STATION"), "TRANSPORTATION", "5541"),
    ("Lidl", ("LIDL", "LIDL GB"), "FOOD_AND_DRINK", "5411"),
    ("Amazon", ("AMAZON.COM", "AMZN MKTP"), "GENERAL_MERCHANDISE", "5999"),
    ("IKEA", ("IKEA", "IKEA STORE"), "HOME_IMPROVEMENT", "5712"),
)


# --- rendering ----------------------------------------------------------------------------

_ALNUM = string.ascii_uppercase + string.digits
_FOOD_KINDS = tuple(k for k in LOCAL_KINDS if k[1] in ("5812", "5814", "5462"))


def local(table: Mapping[str, T], country: str) -> T:
    """The country's entry, else the generic euro-area one."""
    return table[country] if country in table else table["EU"]


def local_business(rng: random.Random, food: bool = False) -> tuple[str, str, float, float]:
    """A made-up small business: (name, mcc, low, high ticket)."""
    kind, mcc, low, high = rng.choice(_FOOD_KINDS if food else LOCAL_KINDS)
    if rng.random() < 0.6:
        return f"{rng.choice(LOCAL_ADJECTIVES)} {kind}", mcc, low, high
    return f"{rng.choice(LOCAL_OWNERS)}'S {kind}", mcc, low, high


class _Fields(dict[str, str]):
    """Template fields, computed on first use (names in the module docstring)."""

    def __init__(
        self,
        stable: random.Random,
        fresh: random.Random,
        country: str,
        when: date,
        known: Mapping[str, str],
    ) -> None:
        super().__init__(known)
        self._stable, self._fresh, self._country, self._when = stable, fresh, country, when

    def __missing__(self, key: str) -> str:
        head, size = key[0], key[1:]
        if head in "dxvw" and size.isdigit():
            rng = self._stable if head in "dx" else self._fresh
            chars = string.digits if head in "dv" else _ALNUM
            return "".join(rng.choice(chars) for _ in range(int(size)))
        value = self._named(key)
        self[key] = value  # a field used twice in one template reads the same
        return value

    def _named(self, key: str) -> str:
        when, fresh, stable, country = self._when, self._fresh, self._stable, self._country
        mon = MONTHS[when.month - 1]
        dated = {
            "mmdd": f"{when:%m%d}",
            "mm_dd": f"{when:%m/%d}",
            "ddmm": f"{when:%d/%m}",
            "ddmmyy": f"{when:%d/%m/%y}",
            "ddmon": f"{when:%d} {mon}",
            "ddmonc": f"{when:%d}{mon}",
            "mm": f"{when:%m}",
            "yyyy": str(when.year),
            "mon": mon,
            "dow": WEEKDAYS[when.weekday()],
        }
        if key in dated:
            return dated[key]
        if key == "provider":
            return stable.choice(PAYROLL_PROVIDERS)
        if key == "propco":
            return stable.choice(local(PROPCOS, country))
        if key == "landlord":
            return f"{stable.choice(FIRST_NAMES)} {stable.choice(LAST_NAMES)}"
        if key == "atmbank":
            return fresh.choice(local(ATM_BANKS, country))
        if key == "memo":
            return fresh.choice(MEMOS)
        if key == "street":
            return f"{fresh.randint(1, 2999)} {fresh.choice(STREETS)}"
        if key == "hr":
            return f"{fresh.randint(1, 12)}{fresh.choice(('AM', 'PM'))}"
        if key == "shop":
            return local_business(fresh, food=True)[0]
        raise KeyError(key)


def render(
    template: str,
    when: date,
    *,
    country: str,
    known: Mapping[str, str],
    fresh: random.Random,
    stable: random.Random | None = None,
) -> str:
    """Fill `template` as the bank prints it (upper case). `known` holds the account's
    fields plus any extras; `stable` (default: `fresh`) draws the series-constant ids."""
    return template.format_map(_Fields(stable or fresh, fresh, country, when, known)).upper()


def card_field(
    rng: random.Random, city: tuple[str, str], country: str, name: str, *, online: bool
) -> str:
    """Merchant field as card networks send it (ISO 8583 field 43): a 22/25-char name,
    cut mid-word if long, then city and state/country - or a phone number when the
    card was not present."""
    if not online and rng.random() < 0.4:
        digits = rng.choice((3, 5))
        name += rng.choice((" #", " ", " STORE ")) + f"{rng.randint(1, 9999):0{digits}d}"
    width = rng.choice((22, 25))
    name = name[:width].rstrip()
    town, region = city if rng.random() < 0.85 else rng.choice(CITIES[country])
    if online:
        area = rng.choice(("800", "844", "855", "866", "877", "888"))
        phone = f"{area}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        return f"{name} {phone} {region}" if rng.random() < 0.6 else name
    if rng.random() < 0.2:  # some banks keep the fixed-width layout, padding and all
        return f"{name:<{width}} {town[:13]:<13} {region}"
    return f"{name} {town} {region}"
