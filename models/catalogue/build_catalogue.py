#!/usr/bin/env python3
"""Build ``streams/reference/merchants.csv`` from registry-package data.

Sources (installed by name from npm / PyPI, never fetched otherwise):

* npm ``name-suggestion-index`` (NSI): brand names, OSM tags, match names and
  countries from ``dist/json/nsi.json``; websites from
  ``dist/wikidata/wikidata.json``.
* npm ``simple-icons``: online brands from ``data/simple-icons.json``, kept
  only when allowlisted in ``catalogue_data.SIMPLE_ICONS_ALLOW``.
* PyPI ``iso18245`` (optional): validates every emitted MCC.
* ``curated_merchants.tsv``: hand-kept big merchants the packages lack
  (loaded and checked by ``curated.py``).

The output is deterministic: same package versions in, byte-identical CSV out.

Usage::

    python models/catalogue/build_catalogue.py \
        --nsi /tmp/catsrc/node_modules/name-suggestion-index \
        --simple-icons /tmp/catsrc/node_modules/simple-icons
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from catalogue_data import (
    ALIAS_EXTRAS,
    CATEGORY_OVERRIDES,
    EXCLUDED_NAMES,
    ISO_COUNTRIES,
    OPERATOR_CATEGORIES,
    PLATFORM_DOMAINS,
    PSEUDO_SUFFIXES,
    SECOND_LEVEL_LABELS,
    SECONDARY_TAGS,
    SHORT_COMMON_WORDS,
    SIMPLE_ICONS_ALLOW,
    TAG_CATEGORIES,
    VENDING_FOOD,
    WEBSITE_OVERRIDES,
)
from catalogue_text import (
    MAX_ALIAS_LEN,
    ascii_fold,
    clean_name,
    descriptor_forms,
    edge_symbols,
    is_latin,
    name_forms,
    norm_name,
    sanitize_alias,
    slugify,
)
from curated import (
    CURATED_PATH,
    CuratedFileError,
    CuratedMerchant,
    is_bare_domain,
    load_curated,
)

__all__ = [
    "FUEL_CATEGORY",
    "HEADER",
    "Candidate",
    "Merchant",
    "alias_fold_target",
    "ascii_fold",
    "assign_ids",
    "build_rows",
    "countries_from_location",
    "curated_candidates",
    "descriptor_forms",
    "domain_from_url",
    "domain_keys",
    "edge_symbols",
    "final_aliases",
    "is_bare_domain",
    "is_latin",
    "load_taxonomy",
    "main",
    "merge_candidates",
    "name_forms",
    "norm_name",
    "nsi_candidates",
    "registrable_domain",
    "sells_fuel",
    "shared_website_losers",
    "simple_icon_aliases",
    "simple_icons_candidates",
    "slugify",
    "validate_rows",
    "website_owner",
    "write_csv",
]

HEADER: Final[tuple[str, ...]] = (
    "merchant_id",
    "name",
    "website",
    "category_primary",
    "category_detailed",
    "mcc",
    "countries",
    "aliases",
)
SOURCE_CURATED: Final = 0
SOURCE_NSI: Final = 1
SOURCE_SIMPLE_ICONS: Final = 2
MAX_ALIASES: Final = 16
MAX_SLUG_LEN: Final = 40

_REPO_ROOT: Final = Path(__file__).resolve().parents[2]
_DEFAULT_TAXONOMY: Final = _REPO_ROOT.parent / "shared" / "data" / "personal_finance_categories.csv"
_DEFAULT_OUT: Final = _REPO_ROOT / "streams" / "reference" / "merchants.csv"

_MCC_RE: Final = re.compile(r"^\d{4}$")
FUEL_CATEGORY: Final = ("TRANSPORTATION_GAS", "5541")
_FUEL_RE: Final = re.compile(
    r"\b(?:petrol|gas|gasoline|fuel|filling|service)\s+stations?\b"
    r"|\b(?:petrol|gasoline|petroleum)\b"
    r"|\bfuel\s+(?:retailer|distributor|brand|company)\b"
    r"|\boil\s+(?:and\s+gas\s+)?(?:company|corporation|brand|products|subsidiary|retailer)\b"
    r"|\btruck\s+stops?\b"
)
# convenience chains and grocers stay shops; so do businesses located at
# someone else's stations, and EV charging networks
_NOT_FUEL_RE: Final = re.compile(
    r"\bconvenience\b|\bgrocer|\bsupermarket|\b(?:at|in)\s[^,;]*\bstations?\b|\bcharging\b"
)
# tags the fuel rule leaves alone: bottled gas (a utility), EV charging
_FUEL_RULE_KEEPS: Final = frozenset(
    {"shop/gas", "amenity/charging_station", "man_made/charge_point"}
)


@dataclass(frozen=True)
class Candidate:
    """One source record proposing a merchant (before merging)."""

    name: str
    website: str
    detailed: str
    mcc: str
    countries: frozenset[str] | None  # None: worldwide or unknown
    aliases: tuple[str, ...]  # raw names; curated ones are used verbatim
    source: int
    flagship: bool = True
    secondary: bool = False
    exempt: bool = False  # skip the short-common-word filter


@dataclass(frozen=True)
class Merchant:
    """A merged merchant, ready to receive an id."""

    name: str
    website: str
    detailed: str
    mcc: str
    countries: tuple[str, ...]
    core_aliases: tuple[str, ...]  # name forms, curated aliases, domain
    package_aliases: tuple[str, ...]  # forms of names found in the packages
    source: int
    allowlisted: bool  # curated or allowlisted simple-icons brand


# --------------------------------------------------------------------------
# websites and countries
# --------------------------------------------------------------------------
def registrable_domain(host: str) -> str | None:
    """Reduce a hostname to its registrable domain (``shop.x.co.uk`` -> ``x.co.uk``)."""
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) < 2:
        return None
    keep = 2
    cc_second_level = len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL_LABELS
    if cc_second_level or ".".join(labels[-2:]) in PSEUDO_SUFFIXES:
        keep = 3
    if len(labels) < keep:
        return None
    domain = ".".join(labels[-keep:])
    return domain if is_bare_domain(domain) else None


def domain_from_url(url: str) -> str | None:
    """Extract the registrable domain from a URL, or None if unusable."""
    url = url.strip()
    if not url:
        return None
    if "//" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return registrable_domain(host)


def is_platform(domain: str, name: str) -> bool:
    """True when ``domain`` is a hosting/social platform not owned by ``name``."""
    if domain not in PLATFORM_DOMAINS:
        return False
    label = domain.split(".", maxsplit=1)[0].replace("-", "")
    return not norm_name(name).startswith(label)


def choose_website(urls: Iterable[str], name: str) -> str | None:
    """First URL that yields a usable, non-platform registrable domain."""
    for url in urls:
        domain = domain_from_url(url)
        if domain and not is_platform(domain, name):
            return WEBSITE_OVERRIDES.get((norm_name(name), domain), domain)
    return None


def countries_from_location(location: Mapping[str, Any]) -> frozenset[str] | None:
    """ISO alpha-2 countries from an NSI ``locationSet`` (None: worldwide/unknown)."""
    found: set[str] = set()
    for entry in location.get("include", []):
        if not isinstance(entry, str):
            continue
        code = entry.lower().removesuffix(".geojson")
        if code == "001":
            return None
        head = code.split("-", 1)[0].upper()
        if len(head) == 2 and head in ISO_COUNTRIES:
            found.add(head)
    return frozenset(found) or None


# --------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------
def load_json(path: Path) -> Any:
    """Read a UTF-8 JSON file."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_taxonomy(path: Path) -> dict[str, str]:
    """Map Plaid DETAILED -> PRIMARY from the taxonomy CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["DETAILED"]: row["PRIMARY"] for row in csv.DictReader(handle)}


def pick_nsi_name(tags: Mapping[str, str], prefix: str, display: str) -> str | None:
    """Latin-script merchant name for an NSI item (brand, then English forms)."""
    options = (tags.get(prefix), tags.get(f"{prefix}:en"), tags.get("name:en"), display)
    for option in options:
        if option:
            name = clean_name(option)
            if len(name) >= 2 and is_latin(name):
                return name
    return None


def nsi_alias_texts(item: Mapping[str, Any], prefix: str) -> tuple[str, ...]:
    """Raw alternative names of an NSI item (match names, name tags)."""
    tags: Mapping[str, str] = item.get("tags", {})
    texts: list[str] = [item.get("displayName", "")]
    for key in (
        prefix,
        f"{prefix}:en",
        "name",
        "name:en",
        "official_name",
        "short_name",
        "brand:short",
        "alt_name",
        "alt_name:en",
    ):
        texts.extend(part for part in tags.get(key, "").split(";"))
    texts.extend(item.get("matchNames", []))
    return tuple(clean_name(text) for text in texts if text and text.strip())


def sells_fuel(description: str, runs_fuel_stations: bool = False) -> bool:
    """True when a Wikidata description says the company sells motor fuel.

    Petrol/gas/filling stations, petroleum or oil companies, truck stops;
    an "energy" company counts when it runs NSI fuel-station brands
    (Chevron).  A chain described as convenience stores stays one (Wawa,
    7-Eleven) even when it also sells fuel, as does a grocer, a shop, café or
    car wash located *at* fuel stations, or an EV charging network.
    """
    text = description.lower()
    if _NOT_FUEL_RE.search(text):
        return False
    if _FUEL_RE.search(text):
        return True
    return runs_fuel_stations and bool(re.search(r"\benergy\b", text))


def vending_sells_food(tags: Mapping[str, str]) -> bool:
    """True when a vending-machine brand sells food or drink."""
    return any(kind.strip() in VENDING_FOOD for kind in tags.get("vending", "").split(";"))


def nsi_tree_mapping(path: str) -> tuple[str, str, tuple[str, str]] | None:
    """(tag key, name prefix, category) for an NSI tree path, or None to skip."""
    parts = path.split("/")
    if len(parts) != 3:
        return None
    tree, key = parts[0], f"{parts[1]}/{parts[2]}"
    if tree == "brands" and key in TAG_CATEGORIES:
        return key, "brand", TAG_CATEGORIES[key]
    if tree == "operators" and key in OPERATOR_CATEGORIES:
        return key, "operator", OPERATOR_CATEGORIES[key]
    return None


def nsi_item_candidate(
    item: Mapping[str, Any],
    tag_key: str,
    prefix: str,
    category: tuple[str, str],
    wikidata: Mapping[str, Any],
    fuel_brands: frozenset[str] = frozenset(),
) -> Candidate | None:
    """Turn one NSI item into a Candidate (None when unusable).

    ``fuel_brands`` holds the Wikidata ids of brands with NSI fuel stations;
    a brand whose description says it sells fuel is a fuel merchant under
    every tag it has (Aral's car washes, TotalEnergies' kiosks), except
    energy-utility and EV-charging tags.
    """
    tags: Mapping[str, str] = item.get("tags", {})
    if tag_key == "amenity/vending_machine" and not vending_sells_food(tags):
        return None
    qid = tags.get(f"{prefix}:wikidata", "")
    entity = wikidata.get(qid, {})
    if not entity or entity.get("dissolutions"):
        return None
    secondary = tag_key in SECONDARY_TAGS
    keeps = tag_key in _FUEL_RULE_KEEPS or category[0].startswith("RENT_AND_UTILITIES_")
    if not keeps and sells_fuel(entity.get("description", ""), qid in fuel_brands):
        category, secondary = FUEL_CATEGORY, False
    name = pick_nsi_name(tags, prefix, item.get("displayName", ""))
    if name is None:
        return None
    urls = [entity.get("identities", {}).get("website", "")]
    urls += entity.get("officialWebsites", [])
    website = choose_website((url for url in urls if url), name)
    if website is None:
        return None
    return Candidate(
        name=name,
        website=website,
        detailed=category[0],
        mcc=category[1],
        countries=countries_from_location(item.get("locationSet", {})),
        aliases=nsi_alias_texts(item, prefix),
        source=SOURCE_NSI,
        flagship=tags.get("name") == tags.get(prefix),
        secondary=secondary,
    )


def nsi_candidates(nsi_dir: Path) -> list[Candidate]:
    """Candidates from the name-suggestion-index package directory."""
    nsi = load_json(nsi_dir / "dist" / "json" / "nsi.json")["nsi"]
    wikidata = load_json(nsi_dir / "dist" / "wikidata" / "wikidata.json")["wikidata"]
    fuel_brands = frozenset(
        item.get("tags", {}).get("brand:wikidata", "")
        for item in nsi.get("brands/amenity/fuel", {}).get("items", [])
    )
    out: list[Candidate] = []
    for path in sorted(nsi):
        mapping = nsi_tree_mapping(path)
        if mapping is None:
            continue
        tag_key, prefix, category = mapping
        for item in nsi[path].get("items", []):
            cand = nsi_item_candidate(item, tag_key, prefix, category, wikidata, fuel_brands)
            if cand is not None:
                out.append(cand)
    return out


def simple_icon_aliases(icon: Mapping[str, Any]) -> tuple[str, ...]:
    """Title plus aka/old/dup aliases of a simple-icons entry.

    Localised titles (``aliases.loc``) are left out: they are often the
    group's separate national brands (Just Eat's ``loc`` lists Lieferando,
    Thuisbezorgd, Grubhub, Menulog), not other names of this one.
    """
    aliases: Mapping[str, Any] = icon.get("aliases", {})
    texts: list[str] = [icon["title"]]
    texts.extend(aliases.get("aka", []))
    texts.extend(aliases.get("old", []))
    texts.extend(dup.get("title", "") for dup in aliases.get("dup", []))
    return tuple(text for text in texts if text)


def simple_icons_candidates(si_dir: Path) -> list[Candidate]:
    """Candidates for the allowlisted simple-icons brands."""
    icons = load_json(si_dir / "data" / "simple-icons.json")
    by_slug = {icon["slug"]: icon for icon in icons}
    out: list[Candidate] = []
    for slug in sorted(SIMPLE_ICONS_ALLOW):
        spec = SIMPLE_ICONS_ALLOW[slug]
        icon = by_slug.get(slug)
        if icon is None:
            print(f"warning: simple-icons slug {slug!r} not in package", file=sys.stderr)
            continue
        name = clean_name(icon["title"])
        website = spec.website or choose_website([icon.get("source", "")], name)
        if not website:
            print(f"warning: no website for simple-icons {slug!r}", file=sys.stderr)
            continue
        out.append(
            Candidate(
                name=name,
                website=website,
                detailed=spec.detailed,
                mcc=spec.mcc,
                countries=None,
                aliases=simple_icon_aliases(icon),
                source=SOURCE_SIMPLE_ICONS,
                exempt=True,
            )
        )
    return out


def curated_candidates(curated: Iterable[CuratedMerchant]) -> list[Candidate]:
    """Candidates for the hand-curated merchants."""
    return [
        Candidate(
            name=item.name,
            website=item.website,
            detailed=item.detailed,
            mcc=item.mcc,
            countries=frozenset(item.countries) or None,
            aliases=tuple(sanitize_alias(alias) for alias in item.aliases),
            source=SOURCE_CURATED,
            exempt=True,
        )
        for item in curated
    ]


# --------------------------------------------------------------------------
# merging
# --------------------------------------------------------------------------
def keep_candidate(cand: Candidate) -> bool:
    """Apply the name filters: intermediaries, short common words, length."""
    key = norm_name(cand.name)
    if len(cand.name) < 2 or not key or key in EXCLUDED_NAMES:
        return False
    return cand.exempt or key not in SHORT_COMMON_WORDS


def best_candidate(group: Sequence[Candidate]) -> Candidate:
    """Pick the candidate whose name and category represent the group."""
    counts = Counter(cand.detailed for cand in group)
    return min(
        group,
        key=lambda c: (
            c.source,
            not c.flagship,
            -counts[c.detailed],
            c.secondary,
            c.detailed,
            c.mcc,
            c.name,
        ),
    )


def merged_countries(group: Sequence[Candidate]) -> tuple[str, ...]:
    """Countries from the most trusted source present in the group.

    Curated entries win; otherwise the union over NSI items, empty when any
    of them is worldwide.  simple-icons carries no countries (unknown).
    """
    top = min(cand.source for cand in group)
    pool = [cand for cand in group if cand.source == top]
    if any(cand.countries is None for cand in pool):
        return ()
    found: set[str] = set()
    for cand in pool:
        found.update(cand.countries or ())
    return tuple(sorted(found))


def core_aliases(name: str, website: str, group: Sequence[Candidate]) -> tuple[str, ...]:
    """Trusted aliases: forms of the name, curated aliases, the domain."""
    ordered: list[str] = list(descriptor_forms(name))
    for cand in group:
        if cand.source == SOURCE_CURATED:
            ordered.extend(cand.aliases)
    ordered.append(website.upper())
    return tuple(dict.fromkeys(a for a in ordered if a and len(a) <= MAX_ALIAS_LEN))


def package_aliases(group: Sequence[Candidate]) -> tuple[str, ...]:
    """Descriptor forms of the alternative names found in the packages."""
    found: set[str] = set()
    for cand in group:
        if cand.source != SOURCE_CURATED:
            for text in cand.aliases:
                found.update(descriptor_forms(text))
    return tuple(sorted(found, key=lambda s: (len(s), s)))


def merge_group(group: Sequence[Candidate]) -> Merchant:
    """Merge candidates sharing a (name, website) key into one Merchant."""
    best = best_candidate(group)
    detailed, mcc = CATEGORY_OVERRIDES.get(
        (norm_name(best.name), best.website), (best.detailed, best.mcc)
    )
    return Merchant(
        name=best.name,
        website=best.website,
        detailed=detailed,
        mcc=mcc,
        countries=merged_countries(group),
        core_aliases=core_aliases(best.name, best.website, group),
        package_aliases=package_aliases(group),
        source=min(cand.source for cand in group),
        allowlisted=any(cand.source != SOURCE_NSI for cand in group),
    )


def known_countries(group: Sequence[Candidate]) -> frozenset[str]:
    """Union of the countries stated by a group (empty: none stated)."""
    if any(cand.countries is None for cand in group):
        return frozenset()
    return frozenset(c for cand in group for c in cand.countries or ())


def fold_target(
    key: tuple[str, str], groups: Mapping[tuple[str, str], list[Candidate]]
) -> tuple[str, str] | None:
    """Hand-picked group that an NSI-only group duplicates, if any.

    Same normalised name, same first domain label (``spectrum.net`` vs
    ``spectrum.com``) and overlapping stated countries: the same company
    under another of its domains.
    """
    name, website = key
    countries = known_countries(groups[key])
    label = website.split(".", 1)[0]
    matches = [
        other
        for other in groups
        if other[0] == name
        and other != key
        and other[1].split(".", 1)[0] == label
        and any(c.source != SOURCE_NSI for c in groups[other])
        and countries & known_countries(groups[other])
    ]
    return matches[0] if len(matches) == 1 else None


def alias_fold_target(
    key: tuple[str, str], groups: Mapping[tuple[str, str], list[Candidate]]
) -> tuple[str, str] | None:
    """Curated group on the same website that lists this group's name as an alias.

    simple-icons' ``Nederlandse Spoorwegen`` on ``ns.nl`` is the curated NS (alias
    ``NEDERLANDSE SPOORWEGEN``), not a merchant of its own.  None when no or several
    match.
    """
    name, website = key
    matches = [
        other
        for other in groups
        if other[1] == website
        and other != key
        and any(
            cand.source == SOURCE_CURATED and name in {norm_name(alias) for alias in cand.aliases}
            for cand in groups[other]
        )
    ]
    return matches[0] if len(matches) == 1 else None


def merge_candidates(candidates: Iterable[Candidate]) -> list[Merchant]:
    """Group candidates by (normalised name, website) and merge each group."""
    groups: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for cand in candidates:
        if keep_candidate(cand):
            groups[(norm_name(cand.name), cand.website)].append(cand)
    # a package's entry (NSI or simple-icons) on a curated merchant's website under one of
    # its aliases is that merchant; an NSI-only one on a sibling domain may be too
    packaged = [
        key for key in sorted(groups) if all(c.source != SOURCE_CURATED for c in groups[key])
    ]
    for key in packaged:
        nsi_only = all(c.source == SOURCE_NSI for c in groups[key])
        target = alias_fold_target(key, groups) or (fold_target(key, groups) if nsi_only else None)
        if target is not None:
            groups[target].extend(groups.pop(key))
    return [merge_group(groups[key]) for key in sorted(groups)]


# --------------------------------------------------------------------------
# ids, rows, output
# --------------------------------------------------------------------------
def id_rank(merchant: Merchant) -> tuple[bool, int, int, str, str]:
    """Who gets the plain slug: hand-picked brands first, then widest coverage."""
    coverage = 10_000 if not merchant.countries else len(merchant.countries)
    return (not merchant.allowlisted, -coverage, merchant.source, merchant.website, merchant.name)


def base_id(merchant: Merchant) -> str:
    """The plain ``m_<slug>`` id a merchant would get without a collision."""
    slug = slugify(merchant.name)[:MAX_SLUG_LEN].strip("_") or slugify(merchant.website)
    return f"m_{slug}"


def assign_ids(merchants: Iterable[Merchant]) -> dict[str, Merchant]:
    """Give each merchant a unique, stable ``m_<slug>`` id."""
    by_base: dict[str, list[Merchant]] = defaultdict(list)
    for merchant in merchants:
        by_base[base_id(merchant)].append(merchant)
    out: dict[str, Merchant] = {}
    for base in sorted(by_base):
        for index, merchant in enumerate(sorted(by_base[base], key=id_rank)):
            ident = base if index == 0 else f"{base}_{slugify(merchant.website)}"
            suffix = 2
            while ident in out:
                ident = f"{base}_{slugify(merchant.website)}_{suffix}"
                suffix += 1
            out[ident] = merchant
    return out


def domain_keys(domain: str) -> frozenset[str]:
    """Normalised names a domain spells: first label, whole (``e.leclerc``)."""
    return frozenset({norm_name(domain.split(".", 1)[0]), norm_name(domain)})


def website_owner(domain: str, merchants: Mapping[str, Merchant]) -> str | None:
    """Id of the clear owner of a website shared by ``merchants``, or None.

    The owner is the one merchant whose name the domain spells
    (``marriott.com`` -> Marriott), else the one whose own (name or curated)
    aliases do (``tfl.gov.uk`` -> Transport for London, alias ``TFL``).  No owner on a
    tie or when none matches (``gov.uk``).
    """
    keys = domain_keys(domain) - {""}
    by_name = [ident for ident, m in merchants.items() if norm_name(m.name) in keys]
    if by_name:
        return by_name[0] if len(by_name) == 1 else None
    upper = domain.upper()
    by_alias = [
        ident
        for ident, m in merchants.items()
        if any(norm_name(a) in keys for a in m.core_aliases if a != upper)
    ]
    return by_alias[0] if len(by_alias) == 1 else None


def shared_website_losers(by_id: Mapping[str, Merchant]) -> frozenset[str]:
    """Ids that share their website with other merchants and do not own it."""
    by_site: dict[str, dict[str, Merchant]] = defaultdict(dict)
    for ident, merchant in by_id.items():
        by_site[merchant.website][ident] = merchant
    losers: set[str] = set()
    for site, sharing in by_site.items():
        if len(sharing) > 1:
            owner = website_owner(site, sharing)
            losers.update(ident for ident in sharing if ident != owner)
    return frozenset(losers)


def final_aliases(
    ident: str, merchant: Merchant, taken: frozenset[str], *, owns_website: bool = True
) -> str:
    """Pipe-joined aliases: core, curated extras (main id only), package forms.

    Package-derived forms in ``taken`` (another merchant's own name or
    curated alias, e.g. a former operator listed as a match name) are
    dropped to avoid ambiguity.
    A merchant that shares its website without owning it does not get the
    domain as an alias.
    """
    ordered = list(merchant.core_aliases)
    if ident == base_id(merchant):
        extras = ALIAS_EXTRAS.get(norm_name(merchant.name), ())
        ordered.extend(sanitize_alias(alias) for alias in extras)
    own = set(ordered)
    ordered.extend(a for a in merchant.package_aliases if a in own or a not in taken)
    domain = "" if owns_website else merchant.website.upper()
    kept = (a for a in ordered if a and a != domain and len(a) <= MAX_ALIAS_LEN)
    return "|".join(list(dict.fromkeys(kept))[:MAX_ALIASES])


def build_rows(merchants: Iterable[Merchant], taxonomy: Mapping[str, str]) -> list[tuple[str, ...]]:
    """CSV rows sorted by merchant id."""
    by_id = assign_ids(merchants)
    taken = frozenset(form for m in by_id.values() for form in name_forms(m.name)) | frozenset(
        alias
        for m in by_id.values()
        if m.source == SOURCE_CURATED
        for alias in m.core_aliases
        if alias != m.website.upper()
    )
    losers = shared_website_losers(by_id)
    rows: list[tuple[str, ...]] = []
    for ident, merchant in sorted(by_id.items()):
        rows.append(
            (
                ident,
                merchant.name,
                merchant.website,
                taxonomy.get(merchant.detailed, ""),
                merchant.detailed,
                merchant.mcc,
                "|".join(merchant.countries),
                final_aliases(ident, merchant, taken, owns_website=ident not in losers),
            )
        )
    return rows


def known_mccs() -> set[str] | None:
    """All MCCs known to ``iso18245``, or None when it is not installed."""
    try:
        import iso18245  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return {str(entry.mcc) for entry in iso18245.get_all_mccs()}


def validate_rows(
    rows: Sequence[Sequence[str]], taxonomy: Mapping[str, str], mccs: set[str] | None
) -> list[str]:
    """Return a list of problems (empty when the catalogue is valid)."""
    problems: list[str] = []
    ids = Counter(row[0] for row in rows)
    problems += [f"duplicate id {ident}" for ident, n in ids.items() if n > 1]
    for ident, _name, website, primary, detailed, mcc, countries, _aliases in rows:
        if not re.fullmatch(r"m_[a-z0-9_]+", ident):
            problems.append(f"{ident}: bad id")
        if not is_bare_domain(website):
            problems.append(f"{ident}: bad website {website!r}")
        if taxonomy.get(detailed) != primary:
            problems.append(f"{ident}: category {primary}/{detailed} not in taxonomy")
        if not _MCC_RE.match(mcc) or (mccs is not None and mcc not in mccs):
            problems.append(f"{ident}: unknown MCC {mcc}")
        if countries and any(c not in ISO_COUNTRIES for c in countries.split("|")):
            problems.append(f"{ident}: bad countries {countries}")
    return problems


def write_csv(rows: Iterable[Sequence[str]], path: Path) -> None:
    """Write the catalogue CSV (UTF-8, LF line endings, minimal quoting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def summarize(rows: Sequence[Sequence[str]]) -> Iterator[str]:
    """Human-readable counts per primary category."""
    yield f"rows: {len(rows)}"
    for primary, count in sorted(Counter(row[3] for row in rows).items()):
        yield f"  {primary}: {count}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--nsi", type=Path, required=True, help="installed name-suggestion-index package directory"
    )
    parser.add_argument(
        "--simple-icons", type=Path, required=True, help="installed simple-icons package directory"
    )
    parser.add_argument(
        "--taxonomy",
        type=Path,
        default=_DEFAULT_TAXONOMY,
        help="Plaid personal_finance_categories.csv",
    )
    parser.add_argument(
        "--curated", type=Path, default=CURATED_PATH, help="hand-kept merchants (TSV)"
    )
    parser.add_argument("--out", type=Path, default=_DEFAULT_OUT, help="output CSV")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build, validate and write the merchant catalogue."""
    args = parse_args(argv)
    taxonomy = load_taxonomy(args.taxonomy)
    mccs = known_mccs()
    if mccs is None:
        print("warning: iso18245 not installed; MCCs checked for format only", file=sys.stderr)
    try:
        curated = load_curated(args.curated, taxonomy, ISO_COUNTRIES, mccs)
    except CuratedFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    candidates = (
        curated_candidates(curated)
        + nsi_candidates(args.nsi)
        + simple_icons_candidates(args.simple_icons)
    )
    rows = build_rows(merge_candidates(candidates), taxonomy)
    problems = validate_rows(rows, taxonomy, mccs)
    if problems:
        print("\n".join(problems[:50]), file=sys.stderr)
        return 1
    write_csv(rows, args.out)
    for line in summarize(rows):
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
