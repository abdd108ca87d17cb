"""The recipe's brand labels: catalogue merchants the merchant model learns to name, with
the aliases they are printed by, the markets whose styles print them and how often they
are drawn (``generate_data``, ``train``)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from models.training.noise_pools import TRADES
from models.training.places import big_cities
from streams.core.alias_evidence import alias_key

__all__ = ["CATALOGUE", "EU_COUNTRIES", "MARKET_COUNTRIES", "Brand", "load_brands", "norm"]

CATALOGUE = Path(__file__).resolve().parents[2] / "streams" / "reference" / "merchants.csv"


def norm(text: str) -> str:
    return alias_key(text).strip()  # as the ensemble's alias check compares them


EU_COUNTRIES: frozenset[str] = frozenset({"IE", "DE", "FR", "NL", "ES", "IT", "BE", "AT"})
MARKET_COUNTRIES: frozenset[str] = frozenset({"US", "GB"}) | EU_COUNTRIES  # the markets' own


@dataclass(frozen=True)
class Brand:
    merchant_id: str
    name: str
    aliases: tuple[str, ...]
    category: str
    mcc: str
    markets: tuple[str, ...]  # US / GB / EU: the descriptor styles it is printed in
    weight: float  # how often it is drawn (well-known brands more often)
    website: str = ""


def load_brands(path: Path = CATALOGUE) -> tuple[list[Brand], dict[str, str]]:
    """Catalogue merchants usable as labels, and alias -> canonical merchant id.

    Several merchants may share an alias (AT&T US and AT&T Mexico share "AT&T"); the text
    cannot tell them apart, so the alias is labelled with the main one: the shortest id
    (the catalogue gives the plain slug to its hand-picked / widest-coverage entry), then
    the best-known (most aliases + countries).

    An alias that is the bare name of a big city (``places.big_cities``), or a word of one
    (``SALT`` of ``SALT LAKE CITY``), in a country where the merchant does not trade (by the
    catalogue's countries; none listed is everywhere) is dropped while the merchant has
    another: there a descriptor that prints ``LIVERPOOL`` names the city the card was used
    in, not the Mexican department store.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    places: dict[str, set[str]] = defaultdict(set)  # a big city's name or one of its words
    trade_words = {norm(trade) for trade in TRADES}
    for city, where in big_cities().items():
        for name in {city, *city.split()}:
            places[name] |= where
    for r in rows:  # ... is a location where the merchant does not trade, not the merchant
        countries = {c for c in r["countries"].split("|") if c}
        aliases = r["aliases"].split("|")
        kept = [a for a in aliases if not countries or not places.get(norm(a), set()) - countries]
        # a bare trade word (FARMACIA, BAKERY) names every shop of that trade, no brand
        r["aliases"] = "|".join(a for a in kept or aliases if norm(a) not in trade_words)
    score: dict[str, float] = {}
    owners: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        countries = [c for c in r["countries"].split("|") if c]
        local = MARKET_COUNTRIES & set(countries)
        named = [a for a in r["aliases"].split("|") if a]
        score[r["merchant_id"]] = len(named) + min(len(countries), 10) + 3 * bool(local)
        for alias in filter(None, r["aliases"].split("|")):
            if norm(alias):
                owners[norm(alias)].append(r["merchant_id"])
    canonical = {
        a: min(ids, key=lambda i: (len(i), -score[i], i)) for a, ids in sorted(owners.items())
    }
    brands = []
    for r in rows:
        mid = r["merchant_id"]
        mine = tuple(a for a in r["aliases"].split("|") if a and canonical.get(norm(a)) == mid)
        if not mine:
            continue
        countries = set(c for c in r["countries"].split("|") if c)
        # Printed in the style of every market it trades in (everywhere: all of them), so a
        # global brand's continental card line is as familiar as its US one.
        markets = tuple(
            market
            for market, where in (("US", {"US"}), ("GB", {"GB"}), ("EU", EU_COUNTRIES))
            if not countries or where & countries
        ) or ("US",)
        weight = min(2.0 + score[mid], 20.0)
        brands.append(
            Brand(
                mid,
                r["name"],
                mine,
                r["category_detailed"],
                r["mcc"],
                markets,
                weight,
                r["website"],
            )
        )
    return brands, canonical
