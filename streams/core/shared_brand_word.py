"""A shop is not a brand for sharing one word with it.

Local shops take everyday words and names (``KINGS FLORIST``, ``LIBERTY STREET CAFE``,
``MICHAEL'S BARBER SHOP``) that are also the one-word names of brands of other trades (a
grocer, a fuel brand, a craft store). The merchant model reads the word; the rest of the line
says the trade. A brand whose name is one word therefore gives way to none when

* the cleaned counterparty prints a word (with a letter) that is none of the brand's own:
  its name, website and aliases, its store formats' (``LOCAL``, ``EXPRESS``), company forms,
  and the *department words* that follow many brands' names in their aliases
  (``PHARMACY``, ``GAS``, ``STATION``, ``ONLINE``: :data:`DEPARTMENT_MIN_BRANDS` or more);
* the category model reads the line, with at least :data:`OTHER_TRADE_CONFIDENCE`, as
  another trade: another primary category, where food shops of every size (a grocer, its
  convenience store, its superstore) are one trade and restaurants and cafés another
  (``KINGS STREET CAFE`` is no grocer's);
* the line prints neither the brand's website (``PENDING.UBER.COM``) nor a delivery
  platform's prefix (the platform is the merchant of an order whatever the shop sells).

A brand's own words (``AMAZON PRIME``), a department (``TESCO PHARMACY``), its town read as
the brand's trade (``ZARA NOTTINGHAM``, clothing) and brands of two words or more printed
whole keep the brand. Pure: polars and the standard library.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from streams.core.contracts import taxonomy
from streams.core.counterparty import BANK_VOCABULARY, normalise_text
from streams.core.store_formats import FOOD_SHOP_FORMATS

__all__ = [
    "DEPARTMENT_MIN_BRANDS",
    "OTHER_TRADE_CONFIDENCE",
    "BrandWords",
    "shops_of_another_trade",
    "words",
]

# How surely the category model must read another trade (module docstring).
OTHER_TRADE_CONFIDENCE: Final = 0.8
# Brands whose aliases print a word right after their one-word name for it to be a
# department word (PHARMACY, GAS, STATION...), not one shop's trade.
DEPARTMENT_MIN_BRANDS: Final = 10
_NOT_WORD: Final = r"[^\p{L}\p{N}&']+"


def words(texts: pl.Expr) -> pl.Expr:
    """The words of a text as the cleaner writes them, split at every other character than a
    letter, a digit, ``&`` or ``'`` (``PENDING.UBER.COM`` is three words)."""
    return normalise_text(texts).str.replace_all(_NOT_WORD, " ").str.strip_chars().str.split(" ")


@dataclass(frozen=True)
class BrandWords:
    """What a line about each one-word brand may print besides its name."""

    own: Mapping[str, frozenset[str]] = field(default_factory=dict)  # merchant -> its words
    sites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # its website's words
    departments: frozenset[str] = frozenset()

    @classmethod
    def build(cls, merchants: pl.DataFrame, formats: Mapping[str, str]) -> BrandWords:
        """From the catalogue's ``merchant_id``, ``name``, ``website`` and ``aliases``
        (whichever it has), and its store formats (format -> chain)."""
        columns = [c for c in ("name", "website", "aliases") if c in merchants.columns]
        if not columns:
            return cls()
        table = merchants.select(
            "merchant_id",
            words(pl.col("name").fill_null("")).alias("name")
            if "name" in columns
            else pl.lit([], pl.List(pl.String)).alias("name"),
            words(pl.col("website").fill_null("")).alias("site")
            if "website" in columns
            else pl.lit([], pl.List(pl.String)).alias("site"),
            pl.col("aliases").fill_null("").str.split("|").alias("aliases")
            if "aliases" in columns
            else pl.lit([], pl.List(pl.String)).alias("aliases"),
            words(pl.concat_str([pl.col(c).fill_null("") for c in columns], separator=" ")).alias(
                "all"
            ),
        )
        own: dict[str, frozenset[str]] = {}
        sites: dict[str, tuple[str, ...]] = {}
        after_name: Counter[str] = Counter()
        for merchant, name, site, aliases, every in table.iter_rows():
            own[merchant] = frozenset(w for w in every if w)
            sites[merchant] = tuple(w for w in site if w)
            if len(name) == 1 and name[0]:
                after_name.update(_words_after(name[0], aliases))
        for entry, chain in formats.items():
            own[chain] = own.get(chain, frozenset()) | own.get(entry, frozenset())
        departments = frozenset(w for w, n in after_name.items() if n >= DEPARTMENT_MIN_BRANDS)
        return cls(own, sites, departments)


def _words_after(name: str, aliases: list[str]) -> set[str]:
    """The words of letters (3 or more) that follow ``name`` in aliases that start with it."""
    found: set[str] = set()
    for alias in aliases:
        text = alias.upper().replace(".", " ").replace("-", " ").split()
        if len(text) >= 2 and text[0] == name:
            found.update(w for w in text[1:] if w.isalpha() and len(w) >= 3)
    return found


def _trade(detailed: pl.Expr) -> pl.Expr:
    """A detailed category's trade: its primary category, but food shops of any size (a
    grocer, its convenience store, its superstore) are one trade of their own."""
    primary = detailed.replace_strict(taxonomy().primary_of, default=None)
    return pl.when(detailed.is_in(FOOD_SHOP_FORMATS)).then(pl.lit("FOOD_SHOP")).otherwise(primary)


def _prints(payee: list[str], site: tuple[str, ...]) -> bool:
    """Whether ``payee`` holds the words of ``site`` in a row (``UBER COM``)."""
    n = len(site)
    return n > 0 and any(tuple(payee[i : i + n]) == site for i in range(len(payee) - n + 1))


def shops_of_another_trade(
    joined: pl.DataFrame, brands: BrandWords, platforms: frozenset[str] = frozenset()
) -> pl.Series:
    """Which rows of ``joined`` (the merchant step's rows, catalogue columns joined) name a
    one-word brand on a shop of another trade (module docstring); ``platforms``: the
    cleaner's delivery intermediaries. Decided once per merchant and counterparty."""
    needed = {"counterparty_clean", "model_category_detailed", "model_category_confidence"}
    if not brands.own or not needed <= set(joined.columns):
        return pl.Series("drop", [False] * joined.height, dtype=pl.Boolean)
    ordered = "intermediary" in joined.columns and bool(platforms)
    through_platform = (
        pl.col("intermediary").is_in(list(platforms)).fill_null(False) if ordered else pl.lit(False)
    )
    other = (
        pl.col("merchant_id").is_not_null()
        & ~through_platform
        & (pl.col("model_category_confidence") >= OTHER_TRADE_CONFIDENCE)
        & (
            _trade(pl.col("model_category_detailed"))
            != _trade(pl.col("merchant_category_detailed"))
        )
    ).fill_null(False)
    pairs = (
        joined.filter(other)
        .select(
            "merchant_id",
            "counterparty_clean",
            words(pl.col("merchant_name").fill_null("")).alias("name"),
            words(pl.col("counterparty_clean").fill_null("")).alias("payee"),
        )
        .unique(subset=["merchant_id", "counterparty_clean"])
    )
    known = BANK_VOCABULARY.legal_forms | brands.departments
    wrong: list[str] = []
    for merchant, counterparty, name, payee in pairs.iter_rows():
        if len([w for w in name if w]) != 1 or _prints(payee, brands.sites.get(merchant, ())):
            continue  # a brand of two words or more, or its website, is no shared word
        own = brands.own.get(merchant, frozenset())
        if any(w not in own and w not in known and any(c.isalpha() for c in w) for w in payee):
            wrong.append(f"{merchant}\x1f{counterparty}")
    if not wrong:
        return pl.Series("drop", [False] * joined.height, dtype=pl.Boolean)
    key = pl.col("merchant_id") + pl.lit("\x1f") + pl.col("counterparty_clean")
    return joined.select(drop=other & key.is_in(wrong).fill_null(False))["drop"].cast(pl.Boolean)
