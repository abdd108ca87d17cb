"""Merchant lookup: cleaned counterparty name -> catalogue merchant, as a table join.

The catalogue's descriptor aliases are normalised with the same function as the
descriptions, then matched on the longest leading run of words (5 down to 1).
Prefix-only matching is deliberate: a brand named mid-text ("PAYMENT TO SHELL
PENSION FUND") is more often a false friend than the merchant. Trained models
replace this behind the same signature: DataFrame in, same rows plus columns out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from streams.core.counterparty import normalise_text

__all__ = ["MAX_ALIAS_WORDS", "MERCHANT_COLUMNS", "MerchantCatalogue", "match_merchants"]

MAX_ALIAS_WORDS = 5
# When only the first word matches a brand and the next word names a kind of local
# business ("MIKES AUTO REPAIR", "GIANT PIZZA"), the text is a local business that
# shares a word with a brand: no match beats a wrong brand.
LOCAL_BUSINESS_WORDS = frozenset(
    """AUTO AUTOMOTIVE REPAIR REPAIRS BODY TIRE TIRES CAFE COFFEE DELI DINER PIZZA
    PIZZERIA GRILL BAR PUB TAVERN BAKERY BAKESHOP KITCHEN BISTRO TACOS TAQUERIA SUSHI
    BBQ BURGERS SALON BARBER BARBERSHOP NAILS SPA DENTAL DENTIST CLINIC CHIROPRACTIC
    VET VETERINARY PLUMBING ELECTRIC ROOFING LANDSCAPING CLEANERS CLEANING LAUNDROMAT
    TAILOR FLORIST FLOWERS HARDWARE LIQUOR MARKET GROCERY FARM GARAGE CONSTRUCTION
    CONSULTING LAW STUDIO YOGA GYM FITNESS BOUTIQUE BOOKS BOOKSTORE GIFTS TOWING
    DAYCARE""".split()  # noqa: SIM905 - a word list reads better as words
)
DEFAULT_CATALOGUE = Path(__file__).resolve().parents[1] / "reference" / "merchants.csv"
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
    """Merchants (one row each) and their normalised aliases (one row per alias)."""

    merchants: pl.DataFrame
    aliases: pl.DataFrame
    version: str

    @classmethod
    def from_frame(cls, merchants: pl.DataFrame, version: str) -> MerchantCatalogue:
        """Build the alias index from a merchants table with an `aliases` column."""
        exploded = (
            merchants.select(
                "merchant_id",
                pl.concat_list(
                    pl.col("name"), pl.col("aliases").fill_null("").str.split("|")
                ).alias("alias"),
            )
            .explode("alias")
            .with_columns(alias_key=normalise_text(pl.col("alias")))
            .filter(pl.col("alias_key").str.len_chars() >= 2)
            .with_columns(words=pl.col("alias_key").str.count_matches(" ") + 1)
            .filter(pl.col("words") <= MAX_ALIAS_WORDS)
        )
        # One merchant per alias: prefer the shortest id (the well-known brand keeps the
        # plain slug; look-alikes carry a domain suffix), then the id itself for stability.
        aliases = (
            exploded.with_columns(id_len=pl.col("merchant_id").str.len_chars())
            .sort("alias_key", "id_len", "merchant_id")
            .unique(subset="alias_key", keep="first", maintain_order=True)
            .select("alias_key", "merchant_id", "words")
        )
        table = merchants.select(
            "merchant_id",
            pl.col("name").alias("merchant_name"),
            pl.col("website").alias("merchant_website"),
            pl.col("category_primary").alias("merchant_category_primary"),
            pl.col("category_detailed").alias("merchant_category_detailed"),
            pl.col("mcc").alias("merchant_mcc"),
        )
        return cls(merchants=table, aliases=aliases, version=version)

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOGUE) -> MerchantCatalogue:
        """Read the catalogue CSV; its content hash is the version (used in cache keys)."""
        content = path.read_bytes()
        frame = pl.read_csv(content, schema_overrides={"mcc": pl.String}, infer_schema=False)
        digest = hashlib.sha256(content).hexdigest()[:12]
        return cls.from_frame(frame, version=f"catalogue-{digest}")


def match_merchants(
    frame: pl.DataFrame, catalogue: MerchantCatalogue, name_col: str = "counterparty_clean"
) -> pl.DataFrame:
    """Add MERCHANT_COLUMNS to every row; null merchant_id where no alias leads the name."""
    words = pl.col(name_col).fill_null("").str.split(" ")
    keyed = frame.with_columns(
        _idx=pl.int_range(pl.len(), dtype=pl.UInt32),
        _n_words=words.list.len(),
        **{
            f"_key{k}": pl.when(words.list.len() >= k).then(words.list.head(k).list.join(" "))
            for k in range(1, MAX_ALIAS_WORDS + 1)
        },
    )
    matched = keyed
    for k in range(MAX_ALIAS_WORDS, 0, -1):
        alias_k = catalogue.aliases.filter(pl.col("words") == k).select(
            pl.col("alias_key").alias(f"_key{k}"), pl.col("merchant_id").alias(f"_mk{k}")
        )
        matched = matched.join(alias_k, on=f"_key{k}", how="left", maintain_order="left")
    ids = [pl.col(f"_mk{k}") for k in range(MAX_ALIAS_WORDS, 0, -1)]
    match_words = pl.coalesce(
        [
            pl.when(pl.col(f"_mk{k}").is_not_null()).then(pl.lit(k))
            for k in range(MAX_ALIAS_WORDS, 0, -1)
        ]
    )
    matched = matched.with_columns(merchant_id=pl.coalesce(ids), _match_words=match_words)
    second_word = words.list.get(1, null_on_oob=True)
    local_business = (
        (pl.col("_match_words") == 1)
        & (pl.col("_n_words") > 1)
        & second_word.is_in(sorted(LOCAL_BUSINESS_WORDS))
    )
    matched = matched.with_columns(
        merchant_id=pl.when(local_business).then(None).otherwise(pl.col("merchant_id")),
        _match_words=pl.when(local_business).then(None).otherwise(pl.col("_match_words")),
    )
    # Confidence: the whole cleaned name is an alias > a multi-word prefix > one short word.
    confidence = (
        pl.when(pl.col("merchant_id").is_null())
        .then(pl.lit(0.0))
        .when(pl.col("_match_words") == pl.col("_n_words"))
        .then(pl.lit(0.97))
        .when(pl.col("_match_words") >= 2)
        .then(pl.lit(0.9))
        .when(pl.col("_key1").str.len_chars() >= 5)
        .then(pl.lit(0.8))
        .otherwise(pl.lit(0.6))
    )
    out = (
        matched.with_columns(merchant_confidence=confidence)
        .join(catalogue.merchants, on="merchant_id", how="left", maintain_order="left")
        .sort("_idx")
    )
    return out.select(*frame.columns, *MERCHANT_COLUMNS)
