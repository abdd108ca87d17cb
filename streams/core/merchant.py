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
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

__all__ = ["MERCHANT_COLUMNS", "MIN_MERCHANT_CONFIDENCE", "MerchantCatalogue", "attach_merchants"]

UNKNOWN_MERCHANT: Final = "unknown"
# A local shop called a brand is worse for a user than a brand left unnamed (its cleaned
# name still stands), so the bar is a coin flip or better; the merchant model card's
# threshold sweep shows what moving it trades (0.3 -> 0.7: top-1 77.5 -> 72.0 %,
# unknown precision 94.7 -> 97.3 %).
MIN_MERCHANT_CONFIDENCE: Final = 0.5
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
    # merchant_id -> each entry of the same name (itself included), the countries each trades
    # in (empty: everywhere) and its order of preference; None: the table says no countries
    siblings: pl.DataFrame | None = None
    # currency -> the countries that use it
    currencies: pl.DataFrame | None = None

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
        return cls(table, version, _siblings(merchants), _currencies())

    @classmethod
    def load(cls, path: Path = DEFAULT_CATALOGUE) -> MerchantCatalogue:
        """Read the catalogue CSV; its content hash, with the currency table's (which moves
        merchants too), is the version stamped on outputs."""
        content = path.read_bytes()
        frame = pl.read_csv(content, schema_overrides={"mcc": pl.String}, infer_schema=False)
        digest = hashlib.sha256(content + CURRENCY_COUNTRIES.read_bytes()).hexdigest()[:12]
        return cls.from_frame(frame, version=f"catalogue-{digest}")


def _countries(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .fill_null("")
        .str.split("|")
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def _siblings(merchants: pl.DataFrame) -> pl.DataFrame:
    """``merchant_id``, ``sibling_id``, ``sibling_countries``, ``preference``: for each
    merchant, every entry of its name or of its website, itself included (one brand's
    national entries share one or the other: ``Aldi`` of aldi-nord.de and ``Aldi Nord``)."""
    entries = merchants.select(
        "merchant_id",
        name=pl.col("name").str.to_lowercase(),
        website=pl.col("website").fill_null("").str.to_lowercase(),
        countries=_countries("countries"),
    )
    others = entries.rename({"merchant_id": "sibling_id", "countries": "sibling_countries"})
    by_name = entries.select("merchant_id", "name").join(others.drop("website"), on="name")
    by_site = (
        entries.filter(pl.col("website") != "")
        .select("merchant_id", "website")
        .join(others.drop("name"), on="website")
    )
    return (
        pl.concat([by_name.drop("name"), by_site.drop("website")])
        .unique(["merchant_id", "sibling_id"], maintain_order=True)
        # an entry naming the country before one that trades everywhere, then the catalogue's
        # own order (the plain slug is the hand-picked or widest-coverage entry)
        .with_columns(preference=pl.col("sibling_countries").list.len() == 0)
    )


def _currencies(path: Path = CURRENCY_COUNTRIES) -> pl.DataFrame:
    table = pl.read_csv(path, infer_schema=False)
    return table.select("currency", currency_countries=_countries("countries"))


def _where(frame: pl.DataFrame) -> pl.Expr | None:
    """The countries each row may have happened in (null: anywhere), from its ``country``,
    else its ``currency`` (``currency_countries``, joined in); None: neither column."""
    exprs: list[pl.Expr] = []
    if "country" in frame.columns:
        exprs.append(
            pl.when(pl.col("country").is_not_null()).then(pl.concat_list(pl.col("country")))
        )
    if "currency" in frame.columns:
        exprs.append(pl.col("currency_countries"))
    return pl.coalesce(exprs) if exprs else None


def _trades(countries: str, where: str) -> pl.Expr:
    return (
        (pl.col(countries).list.len() == 0)
        | pl.col(where).is_null()
        | (pl.col(countries).list.set_intersection(pl.col(where)).list.len() > 0)
    )


def _where_it_trades(keyed: pl.DataFrame, catalogue: MerchantCatalogue) -> pl.DataFrame:
    """``merchant_id`` moved to the entry of its name or website that trades where the row
    happened, or to null (confidence 0) where none does (module docstring). One query: most
    rows' merchant trades there, and only the others look for another entry."""
    siblings, currencies = catalogue.siblings, catalogue.currencies
    if siblings is None or currencies is None:
        return keyed
    where = _where(keyed)
    if where is None:
        return keyed
    present = [c for c in ("country", "currency") if c in keyed.columns]
    rows = keyed.lazy().select(pl.int_range(pl.len()).alias("_row"), "merchant_id", *present)
    if "currency" in present:
        rows = rows.join(currencies.lazy(), on="currency", how="left", maintain_order="left")
    own = siblings.lazy().filter(pl.col("sibling_id") == pl.col("merchant_id"))
    checked = (
        rows.with_columns(_where=where)
        .join(own.select("merchant_id", "sibling_countries"), on="merchant_id", how="left")
        .with_columns(
            # an id the catalogue does not hold (or no merchant) stays as the model gave it
            ok=pl.col("sibling_countries").is_null() | _trades("sibling_countries", "_where")
        )
    )
    moved = (
        checked.filter(~pl.col("ok"))
        .select("_row", "merchant_id", "_where")
        .join(siblings.lazy(), on="merchant_id")
        .filter(_trades("sibling_countries", "_where"))
        .sort(["_row", "preference", "sibling_id"])
        .unique("_row", keep="first")
        .select("_row", "sibling_id")
    )
    chosen = (
        checked.join(moved, on="_row", how="left")
        .sort("_row")
        .select(pl.when("ok").then(pl.col("merchant_id")).otherwise(pl.col("sibling_id")))
        .collect(engine="in-memory")
        .to_series()
    )
    dropped = keyed.get_column("merchant_id").is_not_null() & chosen.is_null()
    return keyed.with_columns(
        merchant_id=chosen,
        merchant_confidence=pl.when(dropped).then(0.0).otherwise(pl.col("merchant_confidence")),
    )


def attach_merchants(frame: pl.DataFrame, catalogue: MerchantCatalogue) -> pl.DataFrame:
    """Add MERCHANT_COLUMNS from ``model_merchant_id``/``model_merchant_confidence``: the
    catalogue entry (of the brand's name, one that trades where the row happened) when the
    model names one confidently enough, else nulls."""
    model_id, confidence = pl.col("model_merchant_id"), pl.col("model_merchant_confidence")
    known = (model_id != UNKNOWN_MERCHANT) & (confidence >= MIN_MERCHANT_CONFIDENCE)
    keyed = frame.with_columns(
        merchant_id=pl.when(known).then(model_id),
        merchant_confidence=pl.when(known).then(confidence).otherwise(pl.lit(0.0)).round(3),
    )
    keyed = _where_it_trades(keyed, catalogue)
    return keyed.join(catalogue.merchants, on="merchant_id", how="left", maintain_order="left")
