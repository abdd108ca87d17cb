"""Seeded generator of labelled bank/card descriptors for training and held-out evaluation.

Every row is one transaction as a bank prints it, with its labels:

    description, direction (debit/credit), mcc (4 digits or null),
    merchant_id (catalogue id or "unknown"), category_detailed (taxonomy),
    counterparty_type (merchant/person/employer/bank/government/unknown), kind

``kind`` says where the row came from: ``brand`` (a catalogue merchant), ``local`` (a made-up
small business: merchant "unknown", a category from its trade) or a flow name (``payroll``,
``p2p_out``, ``atm``...).

Held-out split: every noise dimension has a TRAIN pool and a TEST pool that never overlap -
bank wrappers, processor prefixes, ACH layouts, truncation widths, typo operations, cities,
store-number styles, descriptor forms of a brand name (spaceless, "&"/"AND"), flow templates,
and the words that make up local business, employer and person names. ``generate("test")``
draws only from the TEST pools, so the evaluation measures what the model does on text forms
it never saw. Catalogue brand names are necessarily shared (the model must know them).

Pure and deterministic: one ``random.Random(seed)`` per split drives every choice.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import re
from pathlib import Path

import polars as pl

from models.training.brands import Brand, load_brands, norm
from models.training.common_words import common_words
from models.training.flow_templates import FLOWS, UNKNOWN
from models.training.names import train_names
from models.training.noise_pools import (
    ATM_BANKS,
    BILL_FORMS,
    CARCOS,
    CARD_WRAPPERS,
    DELIVERY,
    EMP_HEADS,
    EMP_TAILS,
    ENTITIES,
    EU_TOWNS,
    FIRST,
    KEYBOARD,
    LAST,
    LENDERS,
    LOCAL_WORDS,
    MEMOS,
    OWNERS,
    PAYROLL_COS,
    PREFIXES,
    PROPCOS,
    REFUND_WRAPPERS,
    STATES,
    STORE_FORMS,
    STREETS,
    TRADE_MARKETS,
    TRADES,
    TRUNCATE,
    TYPO_OPS,
    UK_TOWNS,
    US_CITIES,
)
from models.training.places import train_places
from streams.core import contracts
from streams.core.counterparty import DELIVERY_PLATFORMS

ROOT = Path(__file__).resolve().parents[2]
# "redraw" is a second sample from the held-out pools: rules fitted while reading the test
# split's failures are checked on rows nobody read
SEEDS = {"train": 20240601, "dev": 20240602, "test": 20240603, "redraw": 20240604}
SIZES = {"train": 1.0, "dev": 0.06, "test": 0.12, "redraw": 0.12}  # of the train-size budget
HELD_OUT = frozenset({"test", "redraw"})  # splits drawn from the TEST pools
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


# Local shops named with a brand's everyday word in another trade (CHAMPION DRY CLEANERS). The
# brands are shared by both splits, so these words are too: the held-out split measures new
# trades and text forms around them, not new words.
BRAND_WORD_SHOPS = 0.25
BRAND_WORD_MAX_WEIGHT = 14.0  # Brand.weight of the best-known brands (about 1 in 16 of these)


@functools.cache
def _common_words() -> frozenset[str]:
    return frozenset(common_words())


# Services billed by direct debit besides rent, utilities and loans (their statement lines
# are the bill layouts of BILL_FORMS more often than card lines).
BILLED_SERVICES: frozenset[str] = frozenset(
    {
        "GENERAL_SERVICES_INSURANCE",
        "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
        "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES",
    }
)


@functools.cache
def _places(aliases: frozenset[str], test_words: frozenset[str]) -> dict[str, list[str]]:
    """geonames towns for the training side: no test city, test word or catalogue alias."""
    test_cities = [p.split(":")[0] for pool in (US_CITIES, UK_TOWNS, EU_TOWNS) for p in pool[1]]
    return train_places([*test_cities, *aliases], test_words)


@functools.cache
def _names(aliases: frozenset[str], test_words: frozenset[str]) -> tuple[list[str], list[str]]:
    """faker names for the training side: no test name word or catalogue alias."""
    test_heads = {w for head in EMP_HEADS[1] for w in head.split()}
    return train_names([*aliases, *test_words, *test_heads])


class _Gen:
    """One split's generator: ``side`` 0 draws the TRAIN pools, 1 the TEST pools."""

    def __init__(self, split: str, brands: list[Brand], aliases: dict[str, str]) -> None:
        self.rng = random.Random(SEEDS[split])
        self.side = 1 if split in HELD_OUT else 0
        self.brands = brands
        self.alias_words = {a for a in aliases if len(a) >= 3}
        self.cum_weights = list(itertools.accumulate(b.weight for b in brands))
        self.test_words = {w for pool in (LOCAL_WORDS, OWNERS, FIRST, LAST) for w in pool[1]}
        self.places = _places(frozenset(aliases), frozenset(self.test_words))
        self.names = _names(frozenset(aliases), frozenset(self.test_words))
        self.trades = {
            market: sorted(
                t for t, m in TRADE_MARKETS.items() if m == market or (market == "GB" and m == "US")
            )
            for market in ("US", "GB", "EU")
        }
        # this side's delivery prefixes, each with its platform's entry: the catalogue's
        # first of the platform's first website it has, as the merchant step finds it; a
        # platform the catalogue lacks is not drawn
        by_site: dict[str, Brand] = {}
        for brand in brands:
            by_site.setdefault(brand.website.lower(), brand)
        self.delivery: list[tuple[str, Brand]] = []
        for prefix, platform in DELIVERY[self.side]:
            found = [by_site[w] for w in DELIVERY_PLATFORMS[platform] if w in by_site]
            if found:
                self.delivery.append((prefix, found[0]))
        # A brand's one-word alias that is an everyday word or a name (KINGS, CHAMPION), with
        # the brand's primary category: shops of other trades carry that word too. Not the
        # best-known brands' (weight BRAND_WORD_MAX_WEIGHT or more: WALMART, IKEA, AMAZON are
        # common words by frequency, yet a shop that prints them is the brand).
        by_id = {brand.merchant_id: brand for brand in brands}
        common = _common_words()
        self.brand_words = sorted(
            (alias, taxonomy()[by_id[owner].category])
            for alias, owner in aliases.items()
            if owner in by_id
            and by_id[owner].weight < BRAND_WORD_MAX_WEIGHT
            and " " not in alias
            and len(alias) >= 4
            and alias in common
        )

    def pick(self, pools: tuple[list[str], list[str]] | tuple[tuple[str, ...], ...]) -> str:
        return str(self.rng.choice(pools[self.side]))

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def alnum(self, n: int) -> str:
        return "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(n))

    def pseudo_word(self) -> str:
        """A made-up pronounceable word (train only): stands for the endless names and
        codes no pool lists, so the model learns that words it does not know name no brand."""
        rng = self.rng
        word = "".join(
            rng.choice("BCDFGHKLMNPRSTVZ") + rng.choice("AEIOU") + rng.choice(("", "", "N", "R"))
            for _ in range(rng.randint(2, 3))
        )
        return word if word not in self.test_words else word + "X"

    def junk(self, text: str) -> str:
        """Train only: extra tokens no pool knows (made-up words, codes) before or after."""
        rng = self.rng
        token = self.pseudo_word() if rng.random() < 0.6 else self.alnum(rng.randint(3, 8))
        return f"{token} {text}" if rng.random() < 0.3 else f"{text} {token}"

    def person(self) -> tuple[str, str]:
        return self.name(FIRST, 0), self.name(LAST, 1)

    def name(self, pools: tuple[list[str], list[str]], which: int) -> str:
        """A first (``which`` 0) or last (1) name: TEST pool, or half the time in training
        a faker name."""
        if self.side == 0 and self.rng.random() < 0.5:
            return str(self.rng.choice(self.names[which]))
        return self.pick(pools)

    def fill(self, template: str, **known: str) -> str:
        rng = self.rng
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        first, last = self.person()
        values = {
            "mmdd": f"{month:02d}{day:02d}",
            "mm_dd": f"{month:02d}/{day:02d}",
            "mm_dd_yy": f"{month:02d}/{day:02d}/{rng.randint(22, 26)}",
            "ddmm": f"{day:02d}/{month:02d}",
            "ddmmyy": f"{day:02d}/{month:02d}/{rng.randint(22, 26)}",
            "ddmon": f"{day:02d} {MONTHS[month - 1]}",
            "ddmonc": f"{day:02d}{MONTHS[month - 1]}",
            "mon": MONTHS[month - 1],
            "hhmm": f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}",
            "last4": self.digits(4),
            "sort": f"{self.digits(2)}-{self.digits(2)}-{self.digits(2)}",
            "person": f"{first} {last}",
            "first": first,
            "last": last,
            "init": f"{first[0]} {last}",
            "memo": self.pick(MEMOS),
            "street": f"{rng.randint(1, 2999)} {self.pick(STREETS)}",
            "city": self.us_city(),
            "town": self.place("GB", UK_TOWNS),
            "state": self.pick(STATES),
            "bank": self.pick(ATM_BANKS),
            "propco": self.pick(PROPCOS),
            "lender": self.pick(LENDERS),
            "carco": self.pick(CARCOS),
            "payroll_co": self.pick(PAYROLL_COS),
            **known,
        }
        for key in re.findall(r"\{([nx])(\d+)\}", template):
            size = int(key[1])
            values[key[0] + key[1]] = self.digits(size) if key[0] == "n" else self.alnum(size)
        return template.format_map(values).upper()

    def place(self, market: str, pools: tuple[list[str], list[str]]) -> str:
        """A city of ``market``: TEST pool, or half the time a geonames town in training."""
        if self.side == 0 and self.rng.random() < 0.5:
            return str(self.rng.choice(self.places[market]))
        return self.pick(pools)

    def us_city(self) -> str:
        city, state = self.place("US", US_CITIES).split(":")
        return f"{city} {state}"

    def location(self, market: str) -> str:
        if market == "US":
            return self.us_city()
        if market == "GB":
            return self.place("GB", UK_TOWNS) + (" GB" if self.rng.random() < 0.5 else "")
        town, country = self.place("EU", EU_TOWNS).split(":")
        return f"{town} {country}"

    def typo(self, text: str) -> str:
        letters = [i for i, ch in enumerate(text) if ch.isalpha()]
        if len(letters) < 5:
            return text
        i = self.rng.choice(letters[1:-1])
        op = self.pick(TYPO_OPS)
        if op == "drop":
            return text[:i] + text[i + 1 :]
        if op == "swap":
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if op == "double":
            return text[:i] + text[i] + text[i:]
        return text[:i] + KEYBOARD.get(text[i].upper(), text[i]) + text[i + 1 :]

    def brand_form(self, brand: Brand) -> str:
        """A descriptor form of the brand's name (TEST adds spaceless and &/AND forms)."""
        rng = self.rng
        alias = brand.aliases[0] if rng.random() < 0.45 else rng.choice(brand.aliases)
        if self.side == 1 and rng.random() < 0.25:
            if " & " in alias:
                return alias.replace(" & ", " AND ")
            if " AND " in alias:
                return alias.replace(" AND ", " & ")
            if alias.count(" ") in (1, 2) and "." not in alias:
                return alias.replace(" ", "")
        if rng.random() < 0.1:  # the entity it bills from (NETFLIX INTERNATIONAL B.V.)
            return f"{alias} {self.pick(ENTITIES)}"
        words = alias.split(" ")
        if self.side == 0 and len(words) > 1 and len(words[-1]) >= 6 and rng.random() < 0.06:
            # a terminal's own abbreviation of the last word (FITNESS -> FIT, FIT CLUB FEES)
            return " ".join([*words[:-1], words[-1][: rng.randint(3, 4)]])
        return alias

    def card(self, name: str, market: str, online: bool, store_ok: bool) -> str:
        """The ISO 8583 merchant field: name (+ store no.), cut at 22/25, then the place."""
        rng = self.rng
        if store_ok and not online and rng.random() < 0.35:
            name += self.fill(self.pick(STORE_FORMS))
        if rng.random() < 0.6:
            name = name[: int(self.pick(TRUNCATE))].rstrip()
        r = rng.random()
        if online and r < 0.4:
            area = rng.choice(("800", "844", "855", "866", "877", "888"))
            return f"{name} {area}-{self.digits(3)}-{self.digits(4)} {self.location(market)[-2:]}"
        if r < 0.65:
            return f"{name} {self.location(market)}"
        return name

    def wrap(self, core: str, market: str, refund: bool) -> str:
        if refund:
            return self.fill(self.pick(REFUND_WRAPPERS), d=core)
        pools = CARD_WRAPPERS[market]
        if self.rng.random() < 0.25:
            return core
        return self.fill(self.pick(pools), d=core)

    def brand_row(
        self, brand: Brand | None = None, printed: str | None = None, market: str | None = None
    ) -> dict[str, object]:
        """A payment to ``brand`` (drawn by weight when None); ``printed``: the card line's
        name as already written (a delivery order), in ``market``."""
        rng = self.rng
        brand = brand or rng.choices(self.brands, cum_weights=self.cum_weights)[0]
        name = printed or self.brand_form(brand)
        if printed is None and rng.random() < 0.1:
            name = self.typo(name)
        primary = brand.category.split("_")[0]
        refund = rng.random() < 0.04
        billed = brand.category.startswith(("RENT_AND_UTILITIES", "LOAN_PAYMENTS")) or (
            brand.category in BILLED_SERVICES
        )
        market = market or rng.choice(brand.markets)
        if printed is None and billed and rng.random() < 0.6 and not refund:
            text = self.fill(self.pick(BILL_FORMS[market]), d=name)
        else:
            if printed is not None:
                pass
            elif primary in ("FOOD", "GENERAL", "PERSONAL") and rng.random() < 0.12:
                name = self.pick(PREFIXES) + name
            elif brand.category.startswith("FOOD_AND_DRINK_RESTAURANT") and rng.random() < 0.1:
                platform, name = self.delivered(name, market)
                brand = platform or brand
            online = "." in name or rng.random() < 0.15
            text = self.wrap(self.card(name, market, online, True), market, refund)
        ctype = "bank" if brand.category.startswith(("LOAN_PAYMENTS", "TRANSFER")) else "merchant"
        if brand.category.startswith("GOVERNMENT_AND_NON_PROFIT_TAX"):
            ctype = "government"
        return self.row(
            text, "credit" if refund else "debit", brand.mcc, brand.merchant_id, brand.category
        ) | {"counterparty_type": ctype, "kind": "brand"}

    def delivered(self, restaurant: str, market: str) -> tuple[Brand | None, str]:
        """A restaurant's order through a delivery platform: the platform and the printed
        name (None and the name as it was where the catalogue has no platform). The platform
        the customer paid is the merchant (README, Models); the restaurant is the
        counterparty."""
        here = [(prefix, brand) for prefix, brand in self.delivery if market in brand.markets]
        if not here:
            return None, restaurant
        prefix, platform = self.rng.choice(here)
        return platform, prefix + restaurant

    def local_name(self, market: str) -> tuple[str, str, str]:
        """A local business of ``market``: its name, category and MCC. Its trade is one the
        market's banks print (GB: English ones too); a continental trade comes first as
        often as last (BAECKEREI MUELLER, SALON PAULA)."""
        rng = self.rng
        while True:
            trade = rng.choice(self.trades[market])
            r = rng.random()
            if self.brand_words and rng.random() < BRAND_WORD_SHOPS:
                word, primary = rng.choice(self.brand_words)
                if taxonomy()[TRADES[trade][0]] == primary:
                    continue  # a shop of the brand's own trade may well be the brand
                name = f"{word} {trade}"
            elif self.side == 0 and rng.random() < 0.4:
                name = f"{self.pseudo_word()} {trade}"
            elif r < 0.45:
                name = f"{self.pick(LOCAL_WORDS)} {trade}"
            elif r < 0.7:
                name = f"{self.name(OWNERS, 0)}'S {trade}"
            elif r < 0.85:
                name = f"{self.name(LAST, 1)} {trade}"
            else:
                name = f"{self.pick(LOCAL_WORDS)} {self.name(OWNERS, 0)} {trade}"
            if market == "EU" and rng.random() < 0.5:
                name = f"{trade} {name.removesuffix(' ' + trade).replace(chr(39) + 'S', '')}"
            words = norm(name).split()
            grams = {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, 5)}
            # Never a catalogue brand's name by accident, but a word of one, yes: a brand
            # whose alias is one word (KINGS, PIZZA, a surname) shares it with every shop of
            # that name or trade, and only such rows teach the model that one shared word,
            # next to other words, is no brand (WHITE PHARMACY is not White Castle).
            if all(" " not in hit and hit != norm(name) for hit in grams & self.alias_words):
                category, mcc = TRADES[trade]
                return name, category, mcc

    def local_row(self) -> dict[str, object]:
        rng = self.rng
        market = rng.choices(("US", "GB", "EU"), (0.5, 0.25, 0.25))[0]
        name, category, mcc = self.local_name(market)
        if rng.random() < 0.08:
            name = self.typo(name)
        if rng.random() < 0.5:
            name = self.pick(PREFIXES) + name
        elif category == "FOOD_AND_DRINK_RESTAURANT" and rng.random() < 0.2:
            platform, name = self.delivered(name, market)
            if platform is not None:
                return self.brand_row(platform, printed=name, market=market)
        text = self.wrap(self.card(name, market, False, True), market, rng.random() < 0.03)
        direction = "credit" if "REFUND" in text or "RETURN" in text else "debit"
        direction = "credit" if "VOUCHER" in text else direction
        return self.row(text, direction, mcc, UNKNOWN, category) | {
            "counterparty_type": "merchant",
            "kind": "local",
        }

    def flow_row(self, name: str) -> dict[str, object]:
        flow = FLOWS[name]
        emp = f"{self.pick(EMP_HEADS)} {self.pick(EMP_TAILS)}"
        r = self.rng.random()
        if r < 0.3:
            emp = f"{self.name(LAST, 1)} {self.pick(EMP_TAILS)}"
        elif r < 0.5 and flow.ctype == "employer":  # a business of any trade pays wages too
            emp = self.local_name(self.rng.choice(("US", "GB", "EU")))[0]
        text = self.fill(self.pick(flow.templates), emp=emp)
        mcc = "6011" if name == "atm" else None
        return self.row(text, flow.direction, mcc, flow.merchant, flow.category) | {
            "counterparty_type": flow.ctype,
            "kind": name,
        }

    def row(
        self, text: str, direction: str, mcc: str | None, mid: str, cat: str
    ) -> dict[str, object]:
        keep_mcc = mcc if mcc and self.rng.random() < 0.6 else None
        if self.side == 0 and self.rng.random() < 0.25:
            text = self.junk(text)
        return {
            "description": re.sub(r"\s+", " ", text).strip(),
            "direction": direction,
            "mcc": keep_mcc,
            "merchant_id": mid,
            "category_detailed": cat,
        }


def generate(split: str, n_brand_per_merchant: float = 11.0) -> pl.DataFrame:
    """Labelled rows for ``split`` (train, dev or test); the same split gives the same rows."""
    brands, aliases = load_brands()
    gen = _Gen(split, brands, aliases)
    budget = int(len(brands) * n_brand_per_merchant * SIZES[split])
    rows: list[dict[str, object]] = []
    if split == "train":  # every label at least 4 times, whatever the weighted draw gives
        rows += [gen.brand_row(brand) for brand in brands for _ in range(4)]
    rows += [gen.brand_row() for _ in range(budget)]
    rows += [gen.local_row() for _ in range(budget // 5)]
    names = sorted(FLOWS)
    weights = [FLOWS[n].weight for n in names]
    total_w = sum(weights)
    for name, weight in zip(names, weights, strict=True):
        rows += [gen.flow_row(name) for _ in range(int(budget * 0.25 * weight / total_w))]
    schema = {
        "description": pl.String,
        "direction": pl.String,
        "mcc": pl.String,
        "merchant_id": pl.String,
        "category_detailed": pl.String,
        "counterparty_type": pl.String,
        "kind": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    order = list(range(frame.height))
    random.Random(SEEDS[split] + 1).shuffle(order)
    return frame[order]


def taxonomy() -> dict[str, str]:
    """detailed -> primary, in the file's order (the category model's label order); the
    pipeline's own reading of ``schemas/personal_finance_categories.csv``."""
    return contracts.taxonomy().primary_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/txenrich-data"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for split in SEEDS:
        frame = generate(split)
        frame.write_parquet(args.out / f"{split}.parquet")
        print(split, frame.height, frame["kind"].value_counts().sort("count").tail(5).rows())


if __name__ == "__main__":
    main()
