"""The noise pools the descriptor generator draws from (``generate_data``).

Every pool is a pair: index 0 is drawn by the train and dev splits, index 1 by the held-out
test split only, and the two never overlap. Cities and names are topped up on the training
side from ``places`` (geonames) and ``names`` (faker); the non-merchant templates are in
``flow_templates``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ATM_BANKS",
    "BILL_FORMS",
    "CARCOS",
    "CARD_WRAPPERS",
    "DELIVERY",
    "EMP_HEADS",
    "EMP_TAILS",
    "ENTITIES",
    "EU_TOWNS",
    "FIRST",
    "KEYBOARD",
    "LAST",
    "LENDERS",
    "LOCAL_WORDS",
    "MEMOS",
    "OWNERS",
    "PAYROLL_COS",
    "PREFIXES",
    "PROPCOS",
    "REFUND_WRAPPERS",
    "STATES",
    "STORE_FORMS",
    "STREETS",
    "TRADES",
    "TRADE_MARKETS",
    "TRUNCATE",
    "TYPO_OPS",
    "UK_TOWNS",
    "US_CITIES",
]


def _w(text: str) -> list[str]:
    return [t.replace("_", " ") for t in text.split()]


US_CITIES = (
    _w(
        "NEW_YORK:NY BROOKLYN:NY SAN_FRANCISCO:CA LOS_ANGELES:CA SEATTLE:WA AUSTIN:TX HOUSTON:TX"
        " CHICAGO:IL DENVER:CO ATLANTA:GA BOSTON:MA PHOENIX:AZ MIAMI:FL CHARLOTTE:NC COLUMBUS:OH"
        " NASHVILLE:TN SAN_DIEGO:CA OAKLAND:CA DALLAS:TX TAMPA:FL RALEIGH:NC RICHMOND:VA"
    ),
    _w(
        "PORTLAND:OR MINNEAPOLIS:MN PHILADELPHIA:PA SAN_JOSE:CA LAS_VEGAS:NV SALT_LAKE_CITY:UT"
        " KANSAS_CITY:MO BALTIMORE:MD PITTSBURGH:PA ST_LOUIS:MO ORLANDO:FL MADISON:WI"
    ),
)
UK_TOWNS = (
    _w("LONDON MANCHESTER BIRMINGHAM LEEDS BRISTOL GLASGOW SHEFFIELD NEWCASTLE READING YORK"),
    _w("EDINBURGH LIVERPOOL CARDIFF NOTTINGHAM BRIGHTON OXFORD"),
)
EU_TOWNS = (
    _w("BERLIN:DE PARIS:FR AMSTERDAM:NL DUBLIN:IE MADRID:ES MILANO:IT WIEN:AT HAMBURG:DE"),
    _w("LYON:FR ROTTERDAM:NL CORK:IE MUENCHEN:DE BARCELONA:ES BRUXELLES:BE"),
)
CARD_WRAPPERS = {
    "US": (
        [
            "{d}",
            "CHECKCARD {mmdd} {d}",
            "POS DEBIT {d}",
            "PURCHASE AUTHORIZED ON {mm_dd} {d} S{n15} CARD {last4}",
            "DEBIT CARD PURCHASE {d}",
            "{d} CARD {last4}",
        ],
        [
            "POS PURCHASE {d} XXXXX{last4}",
            "VISA DDA PUR {d}",
            "RECURRING PAYMENT AUTHORIZED ON {mm_dd} {d} CARD {last4}",
            "DBT CRD {hhmm} {mm_dd_yy} {d}",
            "{d} {mm_dd} CARD PURCHASE WITH PIN",
        ],
    ),
    "GB": (
        ["{d}", "CARD PAYMENT TO {d} ON {ddmon}", "{d} CD {last4}"],
        ["CONTACTLESS PAYMENT {d}", "{d} {ddmon} CARD {last4} GBP", "VIS {d} {ddmmyy}"],
    ),
    "EU": (
        [
            "{d}",
            "CARD PAYMENT {d} {ddmm}",
            "KARTENZAHLUNG {d} {ddmm}",
            "CB {d} {ddmm}",
            "BEA BETAALPAS {d}",
            "COMPRA TARJ {d}",
        ],
        [
            "POS {ddmonc} {d}",
            "VDP-{d}",
            "SEPA-KARTENZAHLUNG {d}",
            "PAIEMENT PAR CARTE {ddmm} {d}",
            "BETAALAUTOMAAT {d}",
            "PAGO CON TARJETA {d}",
        ],
    ),
}
REFUND_WRAPPERS = (
    ["{d} REFUND", "RETURN {d}", "REFUND FROM {d}"],
    ["CREDIT VOUCHER {d}", "PURCHASE RETURN AUTHORIZED ON {mm_dd} {d} CARD {last4}"],
)
PREFIXES = (["SQ *", "TST* ", "PAYPAL *", "PP*", "SP ", "SUMUP *"], ["CLV*", "IZ *", "ZTL*", "SQ*"])
# Delivery platforms' prefixes, each with the platform (streams/reference/delivery_platforms.csv
# says where the catalogue has it): the order's merchant is the platform the customer paid
# (README, Models), the restaurant after the prefix its counterparty.
DELIVERY = (
    [
        ("DD *DOORDASH ", "DoorDash"),
        ("GRUBHUB*", "Grubhub"),
        ("UBER EATS ", "Uber Eats"),
        ("DELIVEROO ", "Deliveroo"),
        ("JUST EAT ", "Just Eat"),
        ("LIEFERANDO ", "Lieferando"),
    ],
    [
        ("DOORDASH*", "DoorDash"),
        ("UBER* EATS ", "Uber Eats"),
        ("THUISBEZORGD ", "Thuisbezorgd"),
        ("GLOVO*", "Glovo"),
    ],
)
# The entity a brand bills from, printed after its name (SPOTIFY AB, NETFLIX.COM INC).
ENTITIES = (
    _w(
        "INC LLC LTD LIMITED UK_LTD GMBH AG SA SAS SARL BV B.V. AB SL SRL INTERNATIONAL"
        " INTERNATIONAL_LTD EUROPE_SARL EMEA_LTD SERVICES_LTD STORE DIGITAL SCA S.C.A. SPA"
    ),
    _w("NV EUROPE_B.V. PLC SE GMBH_&_CO_KG"),
)
# How a bill paid by direct debit or bill pay is printed, by market (UK Bacs and SEPA
# layouts as their banks print them: the creditor, a mandate or reference, the scheme's word).
BILL_FORMS = {
    "US": (
        [
            "{d} DES:AUTOPAY ID:{n9} INDN:{person} CO ID:{n10} PPD",
            "{d} ONLINE PMT {n6}",
            "ACH DEBIT {d} WEB",
            "DIRECT DEBIT TO {d} REF {n10}",
        ],
        [
            "{d} DES:BILL PAY ID:{x12} INDN:{person} WEB",
            "BILL PAYMENT TO {d} CONF# {x8}",
            "{d} WEB ID: {n10}",
        ],
    ),
    "GB": (
        ["DIRECT DEBIT {d}", "{d} DD", "DD {d} {x8}", "DIRECT DEBIT TO {d} REF {n10}"],
        ["{d} DDR", "D/D {d} {x10}", "DIRECT DEBIT PAYMENT TO {d} REF {x8}"],
    ),
    "EU": (
        [
            "SEPA-LASTSCHRIFT {d} MANDATSREF {x10}",
            "LASTSCHRIFT {d} {x12}",
            "PRLV SEPA {d} {x10}",
            "INCASSO {d} {x10}",
            "RECIBO {d} {n8}",
            "DOMICILIACION {d} {n10}",
        ],
        [
            "FOLGELASTSCHRIFT {d} GLAEUBIGER-ID DE{n2}ZZZ{n8}",
            "PRELEVEMENT {d} RUM {x12}",
            "EUROPESE INCASSO {d} {x10}",
            "ADEUDO RECIBO {d} {n8}",
        ],
    ),
}
TRUNCATE = ((22, 25), (19, 23))
STORE_FORMS = ((" #{n4}", " STORE {n3}", " {n5}"), (" NO {n3}", " ST{n4}", " #{n2}-{n3}"))
TYPO_OPS = (("drop", "swap"), ("neighbour", "double"))
KEYBOARD = dict(
    zip(
        "QWERTYUIOPASDFGHJKLZXCVBNM",
        "WERTYUIOPOSDFGHJKLKXCVBNMN",
        strict=True,
    )
)


# Local businesses: trade word(s) -> (category_detailed, mcc), and the market whose
# descriptors print them (trades.tsv). Trades are shared (they carry the category); the name
# words around them are split.
def _trades() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    lines = (Path(__file__).with_name("trades.tsv").read_text(encoding="utf-8")).splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")][1:]
    return {t: (c, m) for t, _, c, m in rows}, {t: market for t, market, _, _ in rows}


TRADES, TRADE_MARKETS = _trades()
LOCAL_WORDS = (
    _w(
        "BLUE_DOOR GOLDEN RED_BARN OLD_TOWN CORNER LUCKY SUNRISE MAPLE RIVERSIDE GREEN_LEAF"
        " MAIN_STREET LITTLE NORTHSIDE HARBOR IRON_GATE SILVER_OAK TWIN_PINES BRIGHTWATER"
        " HILLTOP STONEBRIDGE FOXGLOVE WILLOW ACORN BLUEBIRD CEDAR_HOLLOW EASTGATE LANTERN"
        " MEADOWBROOK COPPER_KETTLE PINECREST HIGHLAND ORCHARD LAKESHORE VALLEY WESTEND"
    ),
    _w(
        "PURPLE_FINCH QUARRY_HILL BRAMBLEWOOD TIDEPOOL KINGFISHER MOSSY_ROCK BIRCHWOOD ZEPHYR"
        " JUNIPER_LANE OXBOW SALTMARSH THISTLEDOWN AMBERLEAF CROWSNEST WHISPERING_ELM"
    ),
)
OWNERS = (
    _w("MIKE ROSA TONY ANNA SAL LUCY DAVE NINA JOE KAREN ELLA FRANK GINA HANK IVY OSCAR"),
    _w("BEPPE MARGO TEODORO YUKI PERCIVAL DELPHINE RUFUS AGATHA"),
)
FIRST = (
    _w(
        "JAMES MARY JOHN PATRICIA ROBERT JENNIFER MICHAEL LINDA DAVID ELIZABETH MARIA JOSE WEI"
        " PRIYA AHMED SOFIA OLIVER AMELIA HARRY ISLA CHLOE LUCAS EMMA SEAN GRACE KEVIN"
    ),
    _w("BARTHOLOMEW ODALYS TARIQ SIOBHAN MATTHIAS XIMENA KWAME FENELLA"),
)
LAST = (
    _w(
        "SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ NGUYEN PATEL"
        " KIM CHEN TAYLOR WILSON EVANS THOMAS MUELLER SCHMIDT MURPHY KELLY LEE CARTER"
    ),
    _w("OKONKWO VASQUEZ-REYES LINDQVIST ABERNATHY HOLLOWAY DUBOIS NAKAMURA PETROVIC"),
)
EMP_HEADS = (
    _w(
        "ACME GLOBEX INITECH UMBRELLA HOOLI NORTHWIND PIED_PIPER PENNINE CONTOSO FABRIKAM"
        " STARK VANDELAY WAYNE TYRELL CYBERDYNE SOYLENT WONKA MASSIVE_DYNAMIC"
    ),
    _w("BLUTH GRINGOTTS DUNDER_MIFFLIN OSCORP ZORG_INDUSTRIES SPACELY"),
)
EMP_TAILS = (
    _w("CORP INC LLC LTD PLC HEALTH LOGISTICS SOLUTIONS GROUP HOLDINGS"),
    _w("COMPANY PARTNERS SYSTEMS"),
)
ATM_BANKS = (
    _w("CHASE BKOFAMERICA WELLS_FARGO BARCLAYS HSBC NATWEST SANTANDER CITIBANK PNC"),
    _w("LLOYDS_BANK TD_BANK US_BANK HALIFAX"),
)
STREETS = (
    _w("MAIN_ST BROADWAY MARKET_ST 2ND_AVE HIGH_ST OAK_AVE PARK_RD"),
    _w("STATION_RD ELM_ST MILL_LN CHURCH_ST"),
)


# flow name -> (direction, category_detailed, counterparty_type, merchant id, weight,
#               (train templates, test templates))
PROPCOS = (
    _w("GREYSTAR AVALONBAY EQUITY_RESIDENTIAL CAMDEN_PROPERTY FOXTONS_LETTINGS OPENRENT_LTD"),
    _w("BOZZUTO_MGMT MAA_APARTMENTS GRAINGER_LETTINGS HILLCREST_PROPERTY_MGMT"),
)
LENDERS = (
    _w("CHASE WELLS_FARGO CAPITAL_ONE CITI BARCLAYS NATIONWIDE ROCKET"),
    _w("DISCOVER US_BANK HALIFAX TRUIST"),
)
CARCOS = (_w("TOYOTA HONDA FORD NISSAN"), _w("HYUNDAI KIA"))
STATES = (_w("CA NY NJ TX IL WA OH GA"), _w("MA PA AZ MI"))
PAYROLL_COS = (_w("ADP PAYCHEX INTUIT_PAYROLL TRINET"), _w("RIPPLING GUSTO"))
MEMOS = (_w("DINNER TICKETS BIRTHDAY GROCERIES THANKS DRINKS"), _w("PIZZA GAS_MONEY BRUNCH TRIP"))
