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

A shop is not a brand for sharing one word with it: a one-word brand gives way to none on a
line the category model reads as another trade that prints words the brand's own do not
(``KINGS FLORIST``; :mod:`streams.core.shared_brand_word`).

An order paid through a delivery platform names the platform, as Plaid does: the customer
paid DoorDash, Uber Eats or Deliveroo, and the restaurant the line prints after the
platform's prefix is the counterparty (the cleaner cuts the prefix and records the platform
as ``intermediary``; ``reference/delivery_platforms.csv``). The platform's catalogue entry is
found by its website when the catalogue is built (a platform the catalogue lacks names
nobody); the rule holds on card lines only (no salary, transfer, P2P... ``flow_hint``), with
:data:`DELIVERY_RULE_CONFIDENCE`, or the model's confidence when the model named the same
platform more surely. The brand's region rule then applies as to any merchant.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from streams.core.counterparty import (
    BANK_VOCABULARY,
    DELIVERY_PLATFORMS,
    DELIVERY_PLATFORMS_FILE,
    normalise_text,
)
from streams.core.shared_brand_word import BrandWords, shops_of_another_trade
from streams.core.store_formats import store_formats

__all__ = [
    "CARD_FLOWS",
    "DELIVERY_RULE_CONFIDENCE",
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
# Flows of a card line (no flow word at all is a card line too): where a delivery
# platform's prefix names the merchant (module docstring).
CARD_FLOWS: Final = ("card_purchase", "refund")
DELIVERY_RULE_CONFIDENCE: Final = 0.9
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
    # delivery platform (the cleaner's intermediary) -> its catalogue entries, the one to
    # name first; platforms the catalogue lacks are absent
    platforms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # merchants that sell no food or drink: one the model names confidently on a line that
    # starts like a platform's is not an order (JUST EAT CYCLES is a bike scheme)
    not_food: frozenset[str] = frozenset()
    # a chain's store format -> the chain (streams.core.store_formats)
    formats: Mapping[str, str] = field(default_factory=dict)
    # what a line about each one-word brand may print besides its name
    words: BrandWords = field(default_factory=BrandWords)

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
        platforms = _platform_entries(merchants)
        not_food = frozenset(
            table.filter(pl.col("merchant_category_primary") != "FOOD_AND_DRINK")
            .get_column("merchant_id")
            .to_list()
        )
        regions = Regions.build(merchants) if "countries" in merchants.columns else None
        formats = store_formats(merchants)
        words = BrandWords.build(merchants, formats)
        return cls(table, version, regions, platforms, not_food, formats, words)

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOGUE) -> MerchantCatalogue:
        """Read the catalogue CSV; its content hash, with the currency and delivery platform
        tables' (which move and name merchants too), is the version stamped on outputs."""
        content = path.read_bytes()
        frame = pl.read_csv(content, schema_overrides={"mcc": pl.String}, infer_schema=False)
        tables = CURRENCY_COUNTRIES.read_bytes() + DELIVERY_PLATFORMS_FILE.read_bytes()
        digest = hashlib.sha256(content + tables).hexdigest()[:12]
        return cls.from_frame(frame, version=f"catalogue-{digest}")


def _site(website: str | None) -> str:
    """A website as the tables compare it: lower case, no scheme, ``www.`` or trailing ``/``."""
    site = (website or "").strip().lower().removeprefix("https://").removeprefix("http://")
    return site.removeprefix("www.").rstrip("/")


def _platform_entries(merchants: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    """Delivery platform -> the catalogue entries of its first website the catalogue has
    (catalogue order), for the platforms it has."""
    by_site: dict[str, list[str]] = {}
    for merchant, website in merchants.select("merchant_id", "website").iter_rows():
        by_site.setdefault(_site(website), []).append(merchant)
    entries: dict[str, tuple[str, ...]] = {}
    for platform, websites in DELIVERY_PLATFORMS.items():
        found = next((by_site[_site(w)] for w in websites if _site(w) in by_site), None)
        if found:
            entries[platform] = tuple(found)
    return entries


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


def _where_it_trades(
    keyed: pl.DataFrame, regions: Regions, formats: Mapping[str, str]
) -> pl.DataFrame:
    """``merchant_id`` moved to its chain where it is a store format and the chain trades
    where the row happened, else to the entry of its brand that trades there, or to null
    (confidence 0) where none does; decided once per merchant and place."""
    if not {"country", "currency"} & set(keyed.columns):
        return _chains(keyed, formats)
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
            chain = formats.get(merchant)
            if chain is not None and regions.move(chain, place) == chain:
                decided[key] = chain
            else:
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


def _chains(keyed: pl.DataFrame, formats: Mapping[str, str]) -> pl.DataFrame:
    """``merchant_id`` moved to its chain where it is a store format (no place to check)."""
    if not formats:
        return keyed
    return keyed.with_columns(pl.col("merchant_id").replace(dict(formats)))


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
    return _unnamed(joined, payee & key.is_in([f"{m}\x1f{p}" for m, p in wrong]).fill_null(False))


def _unnamed(joined: pl.DataFrame, drop: pl.Expr | pl.Series) -> pl.DataFrame:
    """Merchant columns nulled (confidence 0) where ``drop``."""
    return joined.with_columns(
        *(pl.when(drop).then(None).otherwise(pl.col(c)).alias(c) for c in MERCHANT_COLUMNS),
    ).with_columns(merchant_confidence=pl.col("merchant_confidence").fill_null(0.0))


def _delivery_platforms(
    keyed: pl.DataFrame,
    platforms: Mapping[str, tuple[str, ...]],
    not_food: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """``merchant_id`` / ``merchant_confidence`` of card lines paid through a delivery
    platform: the platform (the entry the model named, if it named one of the platform's),
    at DELIVERY_RULE_CONFIDENCE or the model's higher confidence in it; not where the model
    confidently named a merchant of another trade than food (``not_food``)."""
    if not platforms or "intermediary" not in keyed.columns:
        return keyed
    if not keyed.get_column("intermediary").is_in(list(platforms)).any():
        return keyed  # most batches: no platform line, and no lookup of every other trade
    flow = pl.col("flow_hint") if "flow_hint" in keyed.columns else pl.lit(None, pl.String)
    platform = pl.col("intermediary")
    other_trade = pl.col("merchant_id").is_in(list(not_food)).fill_null(False)
    applies = (
        platform.is_in(list(platforms)) & (flow.is_null() | flow.is_in(CARD_FLOWS)) & ~other_trade
    ).fill_null(False)
    model_id, model_confidence = pl.col("model_merchant_id"), pl.col("model_merchant_confidence")
    pairs = [f"{name}\x1f{entry}" for name, entries in platforms.items() for entry in entries]
    named_by_model = (platform + pl.lit("\x1f") + model_id).is_in(pairs).fill_null(False)
    first = platform.replace_strict(
        {name: entries[0] for name, entries in platforms.items()}, default=None
    )
    rule = pl.lit(DELIVERY_RULE_CONFIDENCE)
    return keyed.with_columns(
        merchant_id=pl.when(applies)
        .then(pl.when(named_by_model).then(model_id).otherwise(first))
        .otherwise(pl.col("merchant_id")),
        merchant_confidence=pl.when(applies)
        .then(
            pl.when(named_by_model).then(pl.max_horizontal(model_confidence, rule)).otherwise(rule)
        )
        .otherwise(pl.col("merchant_confidence"))
        .round(3),
    )


def attach_merchants(frame: pl.DataFrame, catalogue: MerchantCatalogue) -> pl.DataFrame:
    """Add MERCHANT_COLUMNS from ``model_merchant_id``/``model_merchant_confidence``: the
    catalogue entry (of the brand's name, one that trades where the row happened) when the
    model names one confidently enough, else nulls; on payee flows, only a merchant the line
    names (module docstring); on card lines through a delivery platform, the platform; for
    a chain's store format, the chain (``streams.core.store_formats``); none for a shop that
    shares a one-word brand's name in another trade."""
    model_id, confidence = pl.col("model_merchant_id"), pl.col("model_merchant_confidence")
    known = (model_id != UNKNOWN_MERCHANT) & (confidence >= MIN_MERCHANT_CONFIDENCE)
    keyed = frame.with_columns(
        merchant_id=pl.when(known).then(model_id),
        merchant_confidence=pl.when(known).then(confidence).otherwise(pl.lit(0.0)).round(3),
    )
    keyed = _delivery_platforms(keyed, catalogue.platforms, catalogue.not_food)
    if catalogue.regions is not None:
        keyed = _where_it_trades(keyed, catalogue.regions, catalogue.formats)
    else:
        keyed = _chains(keyed, catalogue.formats)
    joined = keyed.join(catalogue.merchants, on="merchant_id", how="left", maintain_order="left")
    joined = _payees_are_not_brands(joined)
    drop = shops_of_another_trade(joined, catalogue.words, frozenset(catalogue.platforms))
    return _unnamed(joined, drop) if drop.any() else joined
