"""Store formats: a chain's convenience, express or superstore format is the chain.

The catalogue holds many brands' formats as entries of their own (Tesco Express, Sainsbury's
Local, Albert Heijn to go, Auchan Supermarché, Hampton Inn & Suites), because the OSM data
it is built from tags each shop front. To the person reading a statement they are one
merchant, and their spend belongs together. An entry is a format of another when

* both are on one website, or on one name's national websites (``carrefour.fr`` and
  ``carrefour.com``: the label before the first dot);
* its name is the other's name followed by more words, or the other's one-word name cut
  short where an apostrophe marks the cut (Monop' of Monoprix);
* both are in one trade: the same detailed category (Amazon Fresh, a grocer, is not
  Amazon; Apple Services is not the Apple Store), or both are food shops of some size
  (:data:`FOOD_SHOP_FORMATS`: a grocer's convenience store is the grocer);
* and the chain trades wherever the format does (a format that lists no countries, on the
  chain's very website, trades where the chain does: Dia Market of Dia).

The merchant step reports the chain for a format where the chain trades
(``streams.core.merchant``; elsewhere the format's own entry stands), with the chain's
category; the model and its labels are unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import polars as pl

__all__ = ["CUT_NAME_MIN_LETTERS", "FOOD_SHOP_FORMATS", "store_formats"]

CUT_NAME_MIN_LETTERS = 4  # letters a chain's name cut short keeps (MONOP' of MONOPRIX)

# The sizes of one food shop: a supermarket chain's convenience and superstore formats.
FOOD_SHOP_FORMATS = frozenset(
    {
        "FOOD_AND_DRINK_GROCERIES",
        "GENERAL_MERCHANDISE_CONVENIENCE_STORES",
        "GENERAL_MERCHANDISE_SUPERSTORES",
    }
)


class _Entry(NamedTuple):
    merchant_id: str
    name: str
    detailed: str
    countries: frozenset[str]
    website: str


def _named_as_format(entry: _Entry, chain: _Entry) -> bool:
    """The chain's name followed by more words, or the chain's one-word name cut short
    where an apostrophe marks the cut (``monop'`` of ``monoprix``)."""
    if entry.name.startswith(chain.name + " "):
        return True
    short = entry.name.removesuffix("'")
    return (
        entry.name.endswith("'")
        and len(short) >= CUT_NAME_MIN_LETTERS
        and " " not in chain.name
        and chain.name.startswith(short)
        and chain.name != short
    )


def _trades_where_the_chain_does(entry: _Entry, chain: _Entry) -> bool:
    """The chain trades wherever the entry does; an entry that lists no countries on the
    chain's very website trades where the chain does."""
    if not chain.countries:
        return True
    if not entry.countries:
        return entry.website == chain.website
    return entry.countries <= chain.countries


def _is_format(entry: _Entry, chain: _Entry) -> bool:
    return (
        entry.merchant_id != chain.merchant_id
        and _named_as_format(entry, chain)
        and (
            entry.detailed == chain.detailed
            or {entry.detailed, chain.detailed} <= FOOD_SHOP_FORMATS
        )
        and _trades_where_the_chain_does(entry, chain)
    )


def store_formats(merchants: pl.DataFrame) -> dict[str, str]:
    """Format entry id -> its chain's id, from the catalogue's ``merchant_id``, ``name``,
    ``website``, ``category_detailed`` and ``countries`` (module docstring). A format of a
    format reports the outermost chain."""
    by_site: dict[str, list[_Entry]] = defaultdict(list)
    columns = ("merchant_id", "name", "website", "category_detailed", "countries")
    if not set(columns) <= set(merchants.columns):
        return {}
    for merchant, name, website, detailed, countries in merchants.select(columns).iter_rows():
        if website:
            where = frozenset(c for c in (countries or "").split("|") if c)
            site = website.lower()
            entry = _Entry(merchant, (name or "").casefold(), detailed or "", where, site)
            by_site[site.split(".")[0]].append(entry)
    chain_of: dict[str, str] = {}
    for entries in by_site.values():
        for entry in entries:
            chains = [chain for chain in entries if _is_format(entry, chain)]
            if chains:  # the nearest chain: the longest name the format starts with
                chain_of[entry.merchant_id] = max(chains, key=lambda c: len(c.name)).merchant_id
    resolved: dict[str, str] = {}
    for format_id, nearest in chain_of.items():
        chain, seen = nearest, {format_id}
        while chain in chain_of and chain not in seen:
            seen.add(chain)
            chain = chain_of[chain]
        resolved[format_id] = chain
    return resolved
