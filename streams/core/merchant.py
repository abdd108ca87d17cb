"""Merchant: the merchant model's answer joined to the catalogue, as a table join.

The model (models/repository/merchant) names a catalogue merchant id or ``unknown`` with a
confidence; the catalogue supplies name, website, default category and MCC by id. Below
:data:`MIN_MERCHANT_CONFIDENCE` the row keeps no merchant: a local business that reads a
little like a brand must not be called that brand, and ``counterparty.name`` (the cleaned
text) stands instead.

A brand is never named where it does not trade. The model reads the description alone, and
one brand is often several catalogue entries of one name or one website, each trading in
its own countries (the US and the German discounter, one oil company's national brands).
Where the transaction happened is its ``country``, else the countries that use its
``currency`` (``reference/currency_countries.csv``); a merchant whose catalogue countries
leave that place out gives way to an entry of its name or website that trades there, and
to none (unknown) if there is no such entry. An entry with no countries trades everywhere.

A payee is a brand only when the line names the brand. A salary, rent or transfer is paid
to an employer, a landlord or a person; that one word of their name is also a brand's
(a surname, a first name, a place) is no evidence. On those flows (``flow_hint``, from the
bank's words) a merchant stays only when every word of the cleaned counterparty, company
forms aside, is a word of the merchant's name or its website's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from streams.core.counterparty import BANK_VOCABULARY, normalise_text

__all__ = [
    "MERCHANT_COLUMNS",
    "MIN_MERCHANT_CONFIDENCE",
    "PAYEE_FLOWS",
    "MerchantCatalogue",
    "attach_merchants",
]

UNKNOWN_MERCHANT: Final = "unknown"
# A local shop called a brand is worse for a user than a brand left unnamed (its cleaned
# name still stands), so the bar is a coin flip or better; the merchant model card's
# threshold sweep shows what moving it trades (0.3 -> 0.7: top-1 77.5 -> 72.0 %,
# unknown precision 94.7 -> 97.3 %).
MIN_MERCHANT_CONFIDENCE: Final = 0.5
# Flows paid to an employer, a landlord or a person (module docstring).
PAYEE_FLOWS: Final = ("payroll", "rent", "transfer", "p2p")
REFERENCE = Path(__file__).resolve().parents[1] / "reference"
DEFAULT_CATALOGUE = REFERENCE / "merchants.csv"
CURRENCY_COUNTRIES = REFERENCE / "currency_countries.csv"
MERCHANT_COLUMNS = (
    "merchant_id",
    "merchant_name",
    "merchant_website",
    "merchant_confidence",
    "merchant_category_primary",
    "merchant_category_detailed",
    "merchant_mcc",
)


@dataclass(frozen=True)
class MerchantCatalogue:
    """Merchants, one row each, keyed by ``merchant_id``."""

    merchants: pl.DataFrame
    version: str
    # where each merchant trades and how to move it (None: the table says no countries)
    regions: Regions | None = None

    @classmethod
    def from_frame(cls, merchants: pl.DataFrame, version: str) -> MerchantCatalogue:
        """The catalogue from a merchants table (the CSV's columns; ``countries``, where
        present, ``|``-separated ISO codes)."""
        table = merchants.select(
            "merchant_id",
            pl.col("name").alias("merchant_name"),
            pl.col("website").alias("merchant_website"),
            pl.col("category_primary").alias("merchant_category_primary"),
            pl.col("category_detailed").alias("merchant_category_detailed"),
            pl.col("mcc").alias("merchant_mcc"),
        )
        if "countries" not in merchants.columns:
            return cls(merchants=table, version=version)
        return cls(table, version, Regions.build(merchants))

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOGUE) -> MerchantCatalogue:
        """Read the catalogue CSV; its content hash, with the currency table's (which moves
        merchants too), is the version stamped on outputs."""
        content = path.read_bytes()
        frame = pl.read_csv(content, schema_overrides={"mcc": pl.String}, infer_schema=False)
        digest = hashlib.sha256(content + CURRENCY_COUNTRIES.read_bytes()).hexdigest()[:12]
        return cls.from_frame(frame, version=f"catalogue-{digest}")


Place = tuple[str | None, str | None]  # a row's (country, currency)


@dataclass(frozen=True)
class Regions:
    """Where each merchant trades, and the entries of one brand (module docstring)."""

    trades: dict[str, frozenset[str]]  # merchant_id -> countries (empty: everywhere)
    # merchant_id -> the entries of its name or website, in order of preference: those that
    # name countries first, then the catalogue's order (its plain slug is its main entry)
    siblings: dict[str, tuple[str, ...]]
    currencies: dict[str, frozenset[str]]  # currency -> the countries that use it

    @classmethod
    def build(cls, merchants: pl.DataFrame, currencies: Path = CURRENCY_COUNTRIES) -> Regions:
        """From the catalogue's ``merchant_id``, ``name``, ``website`` and ``countries``."""
        trades: dict[str, frozenset[str]] = {}
        brands: dict[str, list[str]] = {}
        rows = merchants.select("merchant_id", "name", "website", "countries").iter_rows()
        for merchant, name, website, countries in rows:
            trades[merchant] = frozenset(c for c in (countries or "").split("|") if c)
            for key in (f"name:{name.lower()}", f"site:{(website or '').lower()}"):
                if key != "site:":
                    brands.setdefault(key, []).append(merchant)
        siblings: dict[str, list[str]] = {}
        for entries in brands.values():
            for merchant in entries:
                siblings.setdefault(merchant, [])
                siblings[merchant] += [e for e in entries if e not in siblings[merchant]]
        ordered = {
            m: tuple(sorted(entries, key=lambda e: (not trades[e], e)))
            for m, entries in siblings.items()
        }
        table = pl.read_csv(currencies, infer_schema=False)
        by_currency = {
            currency: frozenset(countries.split("|"))
            for currency, countries in table.select("currency", "countries").iter_rows()
        }
        return cls(trades, ordered, by_currency)

    def _trades_in(self, merchant: str, where: frozenset[str]) -> bool:
        countries = self.trades[merchant]
        return not countries or bool(countries & where)

    def move(self, merchant: str, place: Place) -> str | None:
        """The entry of ``merchant``'s brand that trades where the row happened (itself if
        it does; None if none does)."""
        country, currency = place
        where = frozenset((country,)) if country else self.currencies.get(currency or "")
        if where is None or merchant not in self.trades or self._trades_in(merchant, where):
            return merchant
        return next((e for e in self.siblings[merchant] if self._trades_in(e, where)), None)


def _where_it_trades(keyed: pl.DataFrame, regions: Regions) -> pl.DataFrame:
    """``merchant_id`` moved to the entry of its brand that trades where the row happened,
    or to null (confidence 0) where none does; decided once per merchant and place."""
    if not {"country", "currency"} & set(keyed.columns):
        return keyed
    height = keyed.height
    merchants = keyed.get_column("merchant_id").to_list()
    places = zip(
        keyed.get_column("country").to_list() if "country" in keyed.columns else [None] * height,
        keyed.get_column("currency").to_list() if "currency" in keyed.columns else [None] * height,
        strict=True,
    )
    decided: dict[tuple[str, Place], str | None] = {}
    moved: list[str | None] = []
    for merchant, place in zip(merchants, places, strict=True):
        if merchant is None:
            moved.append(None)
            continue
        key = (merchant, place)
        if key not in decided:
            decided[key] = regions.move(merchant, place)
        moved.append(decided[key])
    if moved == merchants:
        return keyed
    chosen = pl.Series("merchant_id", moved, dtype=pl.String)
    dropped = keyed.get_column("merchant_id").is_not_null() & chosen.is_null()
    return keyed.with_columns(
        merchant_id=chosen,
        merchant_confidence=pl.when(dropped).then(0.0).otherwise(pl.col("merchant_confidence")),
    )


def _names_the_brand(payee: str, name: str, website: str) -> bool:
    """Whether every word of ``payee`` (company forms aside) is in the brand's name or site."""
    brand = set(name.split()) | set(website.replace(".", " ").split())
    return all(w in brand for w in payee.split() if w not in BANK_VOCABULARY.legal_forms)


def _payees_are_not_brands(joined: pl.DataFrame) -> pl.DataFrame:
    """Merchant columns nulled (confidence 0) on payee flows whose counterparty is not the
    merchant's name; decided once per merchant and counterparty."""
    if not {"flow_hint", "counterparty_clean"} <= set(joined.columns):
        return joined
    payee = pl.col("flow_hint").is_in(PAYEE_FLOWS).fill_null(False)
    pairs = (
        joined.filter(payee & pl.col("merchant_id").is_not_null())
        .select("merchant_id", "counterparty_clean", "merchant_name", "merchant_website")
        .unique()
    )
    if pairs.is_empty():
        return joined
    named = pairs.with_columns(
        name=normalise_text(pl.col("merchant_name")).fill_null(""),
        site=normalise_text(pl.col("merchant_website").str.replace(r"^(?i:www\.)", ""))
        .str.replace(r"\.[^.]*$", "")
        .fill_null(""),
    )
    wrong = {
        (merchant, payee_name)
        for merchant, payee_name, name, site in named.select(
            "merchant_id", "counterparty_clean", "name", "site"
        ).iter_rows()
        if not _names_the_brand(payee_name or "", name, site)
    }
    if not wrong:
        return joined
    key = pl.col("merchant_id") + pl.lit("\x1f") + pl.col("counterparty_clean")
    drop = payee & key.is_in([f"{m}\x1f{p}" for m, p in wrong]).fill_null(False)
    return joined.with_columns(
        *(pl.when(drop).then(None).otherwise(pl.col(c)).alias(c) for c in MERCHANT_COLUMNS),
    ).with_columns(merchant_confidence=pl.col("merchant_confidence").fill_null(0.0))


def attach_merchants(frame: pl.DataFrame, catalogue: MerchantCatalogue) -> pl.DataFrame:
    """Add MERCHANT_COLUMNS from ``model_merchant_id``/``model_merchant_confidence``: the
    catalogue entry (of the brand's name, one that trades where the row happened) when the
    model names one confidently enough, else nulls; on payee flows, only a merchant the line
    names (module docstring)."""
    model_id, confidence = pl.col("model_merchant_id"), pl.col("model_merchant_confidence")
    known = (model_id != UNKNOWN_MERCHANT) & (confidence >= MIN_MERCHANT_CONFIDENCE)
    keyed = frame.with_columns(
        merchant_id=pl.when(known).then(model_id),
        merchant_confidence=pl.when(known).then(confidence).otherwise(pl.lit(0.0)).round(3),
    )
    if catalogue.regions is not None:
        keyed = _where_it_trades(keyed, catalogue.regions)
    joined = keyed.join(catalogue.merchants, on="merchant_id", how="left", maintain_order="left")
    return _payees_are_not_brands(joined)
