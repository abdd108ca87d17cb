"""Rule-based counterparty cleaning for bank transaction descriptors.

Pure polars expressions: no I/O and no per-row Python. On an upper-cased, accent-folded
copy of the description the pipeline

1. detects ``flow_hint`` on the whole text (wrapper words such as ``DIR DEP`` carry it);
2. removes bank wrappers (``POS DEBIT``, ``CARD PAYMENT TO``...) and noise (card digits,
   dates, times, references, phones, store numbers);
3. records a processor / delivery platform / P2P prefix (``SQ *``, ``DD *``, ``ZELLE TO``)
   as the intermediary and strips it (delivery platforms: ``reference/delivery_platforms.csv``,
   so the restaurant is the counterparty);
4. moves a trailing ``CITY ST`` or country code into the location columns;
5. cuts ``*<reference>`` tails, drops payroll words and applies :func:`normalise_text`,
   falling back step by step so that a description with letters never cleans to ``""``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import polars as pl

__all__ = [
    "BANK_VOCABULARY",
    "BANK_WORDS",
    "COUNTERPARTY_COLUMNS",
    "DELIVERY_PLATFORMS",
    "DELIVERY_PLATFORMS_FILE",
    "INTERMEDIARIES",
    "MONTH_FLOWS",
    "PAYMENT_WRAPPERS",
    "BankWords",
    "CounterpartyMemo",
    "clean_counterparty",
    "normalise_text",
    "without_payment_words",
]

BANK_WORDS: Final = Path(__file__).resolve().parents[1] / "reference" / "bank_words.tsv"
DELIVERY_PLATFORMS_FILE: Final = BANK_WORDS.with_name("delivery_platforms.csv")


def _load_delivery_platforms(path: Path) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(platform, prefix pattern, websites) rows of the table, ``#`` lines skipped."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    reader = csv.DictReader(line for line in lines if not line.startswith("#"))
    if reader.fieldnames != ["platform", "pattern", "website"]:
        raise ValueError(f"{path}: expected the columns platform,pattern,website")
    return tuple(
        (row["platform"], row["pattern"], tuple(site.strip() for site in row["website"].split("|")))
        for row in reader
    )


_DELIVERY: Final = _load_delivery_platforms(DELIVERY_PLATFORMS_FILE)
# Delivery platform -> its websites, in order of preference (the merchant step names it).
DELIVERY_PLATFORMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {platform: websites for platform, _, websites in _DELIVERY}
)

INTERMEDIARIES: Mapping[str, str] = MappingProxyType(
    {
        "PayPal": "paypal.com",
        "Square": "squareup.com",
        "Toast": "toasttab.com",
        "Shopify": "shopify.com",
        "Clover": "clover.com",
        "SumUp": "sumup.com",
        "Zettle": "zettle.com",
        "Paymentus": "paymentus.com",
        "GoDaddy": "godaddy.com",
        "Braintree": "braintreepayments.com",
        "Stripe": "stripe.com",
        "FastSpring": "fastspring.com",
        "Paddle": "paddle.com",
        "2Checkout": "2checkout.com",
        "Worldline": "worldline.com",
        **{platform: websites[0] for platform, websites in DELIVERY_PLATFORMS.items()},
        "Zelle": "zellepay.com",
        "Venmo": "venmo.com",
        "Cash App": "cash.app",
    }
)

# Prefixes (matched at the start, after wrappers and noise are gone) -> intermediary. The
# merchant / restaurant / person follows; delivery platforms may repeat their own brand first.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Square", r"SQU? ?\*"),
    ("Toast", r"TST ?\*"),
    ("PayPal", r"PAYPAL ?\*|PP ?\*|PAYPAL (?:INST XFER|TRANSFER|ECHECK)\b"),
    ("Shopify", r"SP ?\*|SP "),
    ("Clover", r"CLV ?\*"),
    ("SumUp", r"SUMUP ?\*|SMP ?\*"),
    ("Zettle", r"IZ ?\*|ZTL ?\*"),
    ("Paymentus", r"PY ?\*|PMNT ?\*"),
    ("GoDaddy", r"DNH ?\*"),
    ("Braintree", r"BT ?\*"),
    ("Stripe", r"STRIPE ?\*|ST ?\*"),
    ("FastSpring", r"FS ?\*"),
    ("Paddle", r"PADDLE\.(?:NET|COM) ?\*"),
    ("2Checkout", r"2CO(?:\.COM)? ?\*"),
    ("Worldline", r"WL ?\*"),
    *((platform, pattern) for platform, pattern, _ in _DELIVERY),
    ("Zelle", r"ZELLE(?: (?:PAYMENT|PMT|TRANSFER|DEBIT|CREDIT))?(?: (?:TO|FROM))?\b"),
    ("Venmo", r"VENMO ?\*|VENMO(?: (?:PAYMENT|CASHOUT|TRANSFER))?\b"),
    ("Cash App", r"(?:CASH APP|SQC) ?\*|CASH APP\b"),
)
# Square's "gosq.com" marker can sit anywhere (often in the city field).
_ANYWHERE_INTERMEDIARY: tuple[tuple[str, str], ...] = (("Square", r"\bGOSQ\.COM\b"),)

_MONTH = (
    r"(?:JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?"
    r"|SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)"
)
_DAY = r"(?:(?:MON|TUES?|WED|THUR?S?|FRI|SAT|SUN) )?"


# Wrapper labels of bank_words.tsv that print how a card paid or a reference, nothing more.
PAYMENT_WRAPPERS: Final = frozenset({"card", "reference"})


@dataclass(frozen=True, slots=True)
class BankWords:
    """The banks' own words (``reference/bank_words.tsv``), as the patterns the cleaner uses.

    ``flows``: (flow, pattern) in the order tried, first match wins; ``wrappers``: removed
    from the name in order; ``payment_words``: one pattern of the wrappers labelled ``card``
    or ``reference``, which tell neither payee nor category (the models' text drops them);
    ``flow_words``: one pattern of words that name the flow;
    ``months``: one pattern of month names in every language of the table;
    ``legal_forms``: company forms (GMBH, LTD, SA...).
    """

    flows: tuple[tuple[str, str], ...]
    wrappers: tuple[str, ...]
    payment_words: str
    flow_words: str
    months: str
    legal_forms: frozenset[str]

    @classmethod
    def load(cls, path: Path = BANK_WORDS) -> BankWords:
        """Read the table: tab-separated ``kind label lang pattern``, ``#`` lines skipped."""
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
        header, body = rows[0], rows[1:]
        if header != ["kind", "label", "lang", "pattern"] or any(len(r) != 4 for r in body):
            raise ValueError(f"{path}: expected 4 tab-separated columns kind label lang pattern")
        flows: dict[str, list[str]] = {}
        by_kind: dict[str, list[str]] = {
            "wrapper": [],
            "flow_word": [],
            "month": [],
            "legal_form": [],
        }
        payment_words: list[str] = []
        for kind, label, _lang, pattern in body:
            if kind == "wrapper" and label in PAYMENT_WRAPPERS:
                payment_words.append(pattern)
            if kind == "flow":
                flows.setdefault(label, []).append(pattern)
            elif kind in by_kind:
                by_kind[kind].append(pattern)
            else:
                raise ValueError(f"{path}: unknown kind {kind!r}")
        return cls(
            flows=tuple((flow, "|".join(p)) for flow, p in flows.items()),
            wrappers=tuple(by_kind["wrapper"]),
            payment_words="|".join(f"(?:{p})" for p in payment_words),
            flow_words="|".join(f"(?:{p})" for p in by_kind["flow_word"]),
            months="|".join(f"(?:{p})" for p in by_kind["month"]),
            legal_forms=frozenset("|".join(by_kind["legal_form"]).split("|")),
        )


BANK_VOCABULARY: Final = BankWords.load()
# Flows whose lines name the period paid ("GEHALT MAERZ", "LOYER JANVIER"): the month is
# the period, not the counterparty, and would split one series into twelve.
MONTH_FLOWS: Final = ("payroll", "rent", "transfer", "direct_debit", "p2p")
# A later token of 6+ letters and digits mixed is a reference ("WKBAA5JHU"): names have none.
_MIXED_REFERENCE = r"^(?:[A-Z]+\d|\d+[A-Z])[A-Z0-9]*$"
_REFERENCE_MIN_CHARS = 6

# Noise inside the descriptor: each is replaced by a space, in order.
_NOISE: tuple[str, ...] = (
    # BofA keeps the company before "DES:"; Chase long ACH lines put fields after "TAG:".
    r"\b(?:DES|INDN|ORIG ID|CO ENTRY DESCR|DESC DATE|SEC|TRACE ?#|EED|IND ID|IND NAME|TRN):.*$",
    r"^ORIG CO NAME:",
    # Masked card numbers: "XXXX1234", "************1234", "CARD 1234", "CARD ENDING IN 1234".
    r"(?:\bX{2,}|\*{2,}|#{2,})\d{2,4}\b|\bCARD (?:ENDING(?: IN)? |NO\.? ?|# ?)?\d{4}\b",
    # Dates: 2025-04-12, 04/12, 04/12/2025, "ON 12 MAR", 12MAR25, "MAR 12".
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    rf"\b(?:ON )?\d{{1,2}} ?{_MONTH}(?: ?\d{{4}}| ?\d{{2}})?\b",
    rf"\b{_MONTH} \d{{1,2}}\b(?:,? \d{{4}}\b)?",
    # Times, with Lyft's weekday: "14:32", "TUE 6PM", "6:05 PM".
    rf"\b{_DAY}\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?: ?[AP]M)?\b|\b{_DAY}\d{{1,2}} ?[AP]M\b",
    # References: "CONF# 8HD7", "REF 123456" (token), UK "REF <free text>" (to the end),
    # "ID: X", "PPD ID: 123", "WEB ID 9876", then bare ACH SEC codes.
    r"\bCONF(?:IRMATION)?\b ?(?:NO\.?|NUMBER|#)? ?[#:.]? ?[A-Z0-9]+",
    r"\bREF(?:ERENCE)?\b ?(?:NO\.?|NUMBER)? ?[#:.]? ?[A-Z]*\d[A-Z0-9/-]*",
    r" REF(?:ERENCE)?\b.*$",
    r"\b(?:(?:CO|PPD|CCD|WEB|TEL|ORIG|IND) )?ID\b ?[:#] ?\S+"
    r"|\b(?:(?:CO|PPD|CCD|WEB|TEL|ORIG|IND) )?ID [A-Z]*\d[A-Z0-9]*",
    r"\b(?:PPD|CCD|CTX|IAT)\b| (?:WEB|TEL|ARC|BOC|POP)$",
    # Phones: "(800) 555 1212", "866-579-7172", "1-800-555-1212", "877-8244858".
    r"\(\d{3}\) ?\d{3}[ .-]?\d{4}\b|\b(?:1[ .-])?\d{3}[.-]\d{3}[.-]\d{4}\b|\b\d{3}-\d{7}\b"
    r"|\b\d{3} \d{3} \d{4}\b",
    # URL noise: Google's "g.co/helppay#", Uber's "help.uber.com", "www.", Square's "gosq.com".
    r"\bG\.CO/\S*|\bHELPPAY\S*|\bHELP\.[A-Z]+\.COM\b|\bHTTPS?://|\bWWW\.|\bGOSQ\.COM\b",
    # Store numbers: "#1234", "STORE 0012", "ST 123".
    r"#\s*[A-Z]?\d+\b|\bSTORE (?:NO\.? ?|# ?)?\d+\b|\bSTR? ?#? ?\d{3,}\b",
    # Any later token with 3+ digits (auth codes, terminal ids, long numbers). The first token
    # is spared ("100 MONTADITOS"), and so is "US*2K4..." (the '*' tail rule handles it).
    r"\s[^\s\d*]*\d[^\s\d*]*\d[^\s\d*]*\d[^\s*]*",
    r"^\d{5,}\b",
)

# "*<token with a digit>" ends the name: AMZN MKTP US*2K4RT5TY3, MSFT *E0400ABCD.
_REFERENCE_TAIL = r"\* ?[A-Z0-9-]*\d.*$"


def _words(codes: str) -> list[str]:
    """Split a space-separated code list (keeps the tables below compact)."""
    return codes.split()


# Fixed region sets. DE and NL are read as Germany / the Netherlands, not Delaware /
# Newfoundland: both are far more common as country codes on card descriptors.
_US_STATES = _words(
    "AL AK AZ AR CA CO CT DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
)
_CA_PROVINCES = _words("AB BC MB NB NS NT NU ON PE QC SK YT")
_REGION_COUNTRY = {**dict.fromkeys(_US_STATES, "US"), **dict.fromkeys(_CA_PROVINCES, "CA")}
# Trailing country codes -> alpha-2 (alpha-2 codes that are also regions are left out).
_COUNTRIES = {
    **{
        code: code
        for code in _words(
            "GB IE DE FR NL BE LU ES PT IT CH AT SE NO DK FI PL CZ GR HU JP AU NZ SG HK MX BR CN"
            " KR TW TH AE ZA US"
        )
    },
    **{
        alpha3: alpha2
        for alpha3, alpha2 in (
            pair.split("=")
            for pair in _words(
                "UK=GB GBR=GB IRL=IE DEU=DE FRA=FR NLD=NL BEL=BE LUX=LU ESP=ES PRT=PT ITA=IT CHE=CH"
                " AUT=AT SWE=SE NOR=NO DNK=DK FIN=FI POL=PL USA=US CAN=CA AUS=AU NZL=NZ JPN=JP"
                " MEX=MX SGP=SG HKG=HK"
            )
        )
    },
}
# First words of two-word cities ("NEW YORK", "SAN JOSE", "ST LOUIS"); otherwise a city
# is one word, so "BLUE BOTTLE OAKLAND CA" keeps "BLUE BOTTLE".
_CITY_FIRST = (
    r"NEW|SAN|SANTA|LOS|LAS|EL|LA|DEL|ST\.?|SAINT|FT\.?|FORT|MT\.?|MOUNT|PORT|PALM|PALO|SALT"
    r"|LONG|GRAND|KANSAS|JERSEY|BATON|CORPUS|COLORADO|OKLAHOMA|VIRGINIA|DES|ANN|BEVERLY"
    r"|CULVER|DALY|REDWOOD|MOUNTAIN|NORTH|SOUTH|EAST|WEST|LAKE|CEDAR|SIOUX|CAPE|BOWLING"
    r"|CHAPEL|COLLEGE|OVERLAND|FALLS|BOCA|CORAL|DAYTONA|GREEN|HOT|SIMI|THOUSAND|HUNTINGTON"
    r"|NEWPORT|VAN|SHERMAN|WOODLAND|NIAGARA|CHULA|MENLO|ELK|ROCK|TOMS|WINTER|SUN"
)
_REGION_RE = (
    rf"^(?P<rest>.*?\S)(?: (?P<city>(?:(?:{_CITY_FIRST}) )?[A-Z][A-Z'-]*))?"
    rf" (?P<region>{'|'.join(_US_STATES + _CA_PROVINCES)})(?: (?:US|USA|CA|CAN))?$"
)
_COUNTRY_RE = rf"^(?P<rest>.*?\S) (?P<country>{'|'.join(_COUNTRIES)})$"
# Short all-caps words that stay upper-case in counterparty_display.
_ACRONYMS = ["ATM", "IRS", "HMRC", "DWP", "SSA", "USA", "UK", "US", "UPS", "ATT", "AMZN", "MKTP"]
_LETTER = r"\p{L}"
COUNTERPARTY_COLUMNS = (
    "counterparty_clean",
    "counterparty_display",
    "intermediary",
    "location_city",
    "location_region",
    "location_country",
    "flow_hint",
)


def _fold(texts: pl.Expr) -> pl.Expr:
    """Upper-case and strip accents (NFKD, drop combining marks); re-upper for ligatures."""
    decomposed = texts.str.to_uppercase().str.normalize("NFKD")
    return decomposed.str.replace_all(r"\p{M}+", "").str.to_uppercase()


def without_payment_words(texts: pl.Expr) -> pl.Expr:
    """The text upper-cased and accent-folded, the bank's card-payment and reference words
    (``BankWords.payment_words``) removed: what the models read of a description."""
    upper = _squash(_fold(texts.cast(pl.String).fill_null("")))
    if not BANK_VOCABULARY.payment_words:  # an empty pattern matches between every letter
        return upper
    return upper.str.replace_all(BANK_VOCABULARY.payment_words, " ")


def _squash(texts: pl.Expr) -> pl.Expr:
    """Collapse runs of whitespace to one space and strip the ends."""
    return texts.str.replace_all(r"\s+", " ").str.strip_chars()


def _remove_all(texts: pl.Expr, patterns: tuple[str, ...]) -> pl.Expr:
    """Replace every match of each pattern (in order) by a space."""
    for pattern in patterns:
        texts = texts.str.replace_all(pattern, " ")
    return texts


def normalise_text(texts: pl.Expr) -> pl.Expr:
    """Upper-case, accent-fold, keep letters/digits/``&``/``'``/``.``, collapse whitespace.

    ``.`` and ``'`` survive only inside a word ("NETFLIX.COM", "MCDONALD'S"); every other
    punctuation run becomes a space. Used for descriptions and catalogue aliases alike, so
    both sides compare equal. Idempotent; null stays null.
    """
    text = _fold(texts).str.replace_all(r"[\u2018\u2019`]", "'")
    text = text.str.replace_all(r"[^\p{L}\p{N}&'.]+", " ")
    text = text.str.replace_all(r"[.']+(?:\s|$)", " ").str.replace_all(r"(?:^|\s)[.']+", " ")
    return _squash(text)


def _display(clean: pl.Expr) -> pl.Expr:
    """Title-case each word, keeping acronyms, vowel-less short words and '&' words upper."""
    word = pl.element()
    keep = (
        word.str.contains("&")
        | word.is_in(_ACRONYMS)
        | ((word.str.len_chars() <= 3) & ~word.str.contains("[AEIOUY]"))
    )
    titled = word.str.slice(0, 1) + word.str.slice(1).str.to_lowercase()
    return clean.str.split(" ").list.eval(pl.when(keep).then(word).otherwise(titled)).list.join(" ")


def _name_words(text: pl.Expr) -> pl.Expr:
    """The name part of a stripped descriptor: no ``*<reference>`` tail, no words that name
    the flow, and no month names on lines that name the period paid."""
    named = text.str.replace(_REFERENCE_TAIL, " ").str.replace_all(BANK_VOCABULARY.flow_words, " ")
    dated = pl.col("flow_hint").is_in(MONTH_FLOWS).fill_null(False)
    return pl.when(dated).then(named.str.replace_all(BANK_VOCABULARY.months, " ")).otherwise(named)


def _drop_references(names: pl.Expr) -> pl.Expr:
    """Drop later words that mix letters and digits over 6+ characters (references)."""
    word = pl.element()
    reference = (
        (word.str.len_chars() >= _REFERENCE_MIN_CHARS)
        & word.str.contains(_MIXED_REFERENCE)
        & (pl.int_range(pl.len()) > 0)
    )
    return names.str.split(" ").list.eval(word.filter(~reference)).list.join(" ")


def _first_match(text: pl.Expr, rules: tuple[tuple[str, str], ...], prefix: str = "") -> pl.Expr:
    """Label of the first rule whose pattern matches, else null."""
    labels = [pl.when(text.str.contains(prefix + f"(?:{p})")).then(pl.lit(n)) for n, p in rules]
    return pl.coalesce(*labels, pl.lit(None, dtype=pl.String))


def _fallback(*candidates: pl.Expr) -> pl.Expr:
    """First candidate that contains a letter, else the last one."""
    result = candidates[-1]
    for candidate in reversed(candidates[:-1]):
        result = pl.when(candidate.str.contains(_LETTER)).then(candidate).otherwise(result)
    return result


def clean_counterparty(df: pl.DataFrame, description_col: str = "description") -> pl.DataFrame:
    """Keep every row and column of ``df`` and add the counterparty columns.

    Added: ``counterparty_clean`` (normalised name, never null, never empty when the
    description has letters), ``counterparty_display`` (title-cased), ``intermediary``
    (key of :data:`INTERMEDIARIES` or null), ``location_city``, ``location_region``
    (US state / CA province), ``location_country`` (alpha-2; inferred from the region) and
    ``flow_hint`` (payroll, p2p, atm, bank_fee, interest, transfer, tax, government, loan,
    rent, refund, check, card_purchase, or null).
    """
    raw = pl.col(description_col).cast(pl.String).fill_null("")
    upper, stripped, text = pl.col("__cp_upper"), pl.col("__cp_stripped"), pl.col("__cp_text")
    region, country = pl.col("__cp_region"), pl.col("__cp_country")
    has_region = region.struct.field("region").is_not_null()
    any_prefix = "|".join(f"(?:{p})" for _, p in _PREFIXES)
    whole = pl.col("__cp_whole")
    # Staged columns so that each intermediate text is computed once.
    frame = (
        df.lazy()
        .with_columns(
            __cp_upper=_squash(_fold(raw).str.replace_all(r"[\u2018\u2019`]", "'")),
            __cp_whole=normalise_text(raw),
        )
        .with_columns(
            __cp_stripped=_squash(
                _remove_all(_squash(_remove_all(upper, BANK_VOCABULARY.wrappers)), _NOISE)
            ),
            flow_hint=_first_match(upper, BANK_VOCABULARY.flows),
        )
        .with_columns(
            __cp_text=stripped.str.replace(rf"^(?:{any_prefix}) ?", ""),
            intermediary=pl.coalesce(
                _first_match(stripped, _PREFIXES, prefix="^"),
                _first_match(upper, _ANYWHERE_INTERMEDIARY),
            ),
        )
        .with_columns(
            __cp_region=text.str.extract_groups(_REGION_RE),
            __cp_country=text.str.extract_groups(_COUNTRY_RE),
        )
        .with_columns(
            location_city=pl.when(has_region).then(region.struct.field("city")),
            location_region=region.struct.field("region"),
            location_country=pl.when(has_region)
            .then(region.struct.field("region").replace_strict(_REGION_COUNTRY, default=None))
            .otherwise(country.struct.field("country").replace_strict(_COUNTRIES, default=None)),
            __cp_text=pl.coalesce(region.struct.field("rest"), country.struct.field("rest"), text),
        )
        .with_columns(
            __cp_name=_drop_references(normalise_text(_name_words(text))),
            __cp_short=whole.str.replace_all(r"\s[^\s\d]*\d[^\s\d]*\d[^\s\d]*\d\S*", ""),
        )
        .with_columns(
            counterparty_clean=_fallback(
                pl.col("__cp_name"),
                normalise_text(pl.col("intermediary").fill_null("")),
                pl.col("__cp_short"),
                whole,
                # Letters that folding cannot keep: fall back to the raw text rather than "".
                pl.when(raw.str.contains(_LETTER))
                .then(_squash(raw.str.to_uppercase()))
                .otherwise(whole),
            )
        )
        .with_columns(counterparty_display=_display(pl.col("counterparty_clean")))
        .collect(engine="in-memory")  # the streaming engine costs ~10 ms more a call
    )
    return frame.select(
        *[c for c in df.columns if c not in COUNTERPARTY_COLUMNS], *COUNTERPARTY_COLUMNS
    )


class CounterpartyMemo:
    """:func:`clean_counterparty` that cleans each distinct description once and remembers
    the answer (the newest ``capacity`` descriptions).

    The cleaning is a function of the description alone, so a remembered answer is the
    answer. It matters for small batches: evaluating the cleaning expressions costs about
    25 ms whatever the row count, which a batch of known descriptions no longer pays.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._known: dict[str, tuple[Any, ...]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def clean(self, df: pl.DataFrame, description_col: str = "description") -> pl.DataFrame:
        """Same result as ``clean_counterparty(df, description_col)``."""
        texts: list[str] = df.get_column(description_col).cast(pl.String).fill_null("").to_list()
        known = self._known
        new = list(dict.fromkeys(text for text in texts if text not in known))
        if new:
            cleaned = clean_counterparty(pl.DataFrame({"d": new}, schema={"d": pl.String}), "d")
            known.update(zip(new, cleaned.select(COUNTERPARTY_COLUMNS).iter_rows(), strict=True))
        answers = [known[text] for text in texts]
        for _ in range(len(known) - self._capacity):
            del known[next(iter(known))]  # the oldest first
        columns = list(zip(*answers, strict=True)) if answers else [()] * len(COUNTERPARTY_COLUMNS)
        added = pl.DataFrame(
            dict(zip(COUNTERPARTY_COLUMNS, columns, strict=True)),
            schema=dict.fromkeys(COUNTERPARTY_COLUMNS, pl.String),
        )
        kept = df.select(c for c in df.columns if c not in COUNTERPARTY_COLUMNS)
        return kept.hstack(added)
