"""Labelled bank statements of made-up accounts: US, and UK plus euro-area banks.

Written apart from the training recipe (``models/training``): its own brand forms, bank
wrappers, local shops, people and employers (the TSV files beside this module), its own
account model. The sets are frozen: the tests pin a digest of what ``build`` writes, and
no rule of the product may name a string from these files. Every record is one raw
transaction (``schemas/raw_transaction.v1.json``); its label says what is right for it:

- ``merchant``: the catalogue ids that are right (the first expected), ``[]`` where the
  merchant must stay unknown (a local shop, a person, an employer), ``null`` where it is
  not scored (banks' own fees and cash machines, government bodies);
- ``primary``: the categories that are right (one, or two where a reader could say either);
- ``series`` / ``period``: the recurring series the record belongs to and its period, and
  for each series the held-out next date (``next_date``), which the statements stop short of.

    .venv/bin/python -m models.evaluation.bank_sets.build --out DIR
"""

from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import json
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
START: Final = date(2025, 1, 1)
MONTHS: Final = 15  # of statements per account; each series' next occurrence held out
REGIONS: Final = {"us": {"US": 120}, "europe": {"GB": 60, "DE": 30, "FR": 30, "NL": 25, "ES": 25}}
CURRENCY: Final = {"US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "NL": "EUR", "ES": "EUR"}
# Category of each non-brand flow; and whether its merchant is scored (must stay unknown).
FLOWS: Final = {
    "salary": ("INCOME", True),
    "rent": ("RENT_AND_UTILITIES", True),
    "transfer_out": ("TRANSFER_OUT", True),
    "transfer_in": ("TRANSFER_IN", True),
    "atm": ("TRANSFER_OUT", False),
    "fee": ("BANK_FEES", False),
    "tax": ("GOVERNMENT_AND_NON_PROFIT", False),
}


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@dataclass(frozen=True)
class Brand:
    merchant_ids: tuple[str, ...]
    primary: tuple[str, ...]
    flow: str  # card, subscription or bill
    countries: frozenset[str]
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Tables:
    """The TSV files, read once."""

    brands: dict[str, list[Brand]]  # by region
    banks: dict[tuple[str, str], list[tuple[str, str]]]  # (country, flow) -> (bank, template)
    locals: dict[str, list[tuple[str, str]]]  # country -> (primary, template)
    names: dict[tuple[str, str], list[str]]  # (country, kind) -> values
    places: dict[str, list[tuple[str, str, str]]]  # country -> (city, region, street)
    holidays: dict[str, frozenset[str]]  # country -> MM-DD

    @classmethod
    def load(cls) -> Tables:
        brands: dict[str, list[Brand]] = {}
        for region, file in (("us", "us_brands.tsv"), ("europe", "europe_brands.tsv")):
            brands[region] = [
                Brand(
                    tuple(row["merchant_ids"].split("|")),
                    tuple(row["primary"].split("|")),
                    row["flow"],
                    frozenset((row.get("countries") or "US").split("|")),
                    tuple(row["forms"].split("|")),
                )
                for row in _rows(file)
            ]
        banks: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for row in _rows("banks.tsv"):
            banks.setdefault((row["country"], row["flow"]), []).append(
                (row["bank"], row["template"])
            )
        shops: dict[str, list[tuple[str, str]]] = {}
        for row in _rows("locals.tsv"):
            shops.setdefault(row["country"], []).append((row["primary"], row["template"]))
        names = {(r["country"], r["kind"]): r["values"].split("|") for r in _rows("names.tsv")}
        places: dict[str, list[tuple[str, str, str]]] = {}
        for row in _rows("places.tsv"):
            places.setdefault(row["country"], []).append(
                (row["city"], row["region"] or "", row["street"] or "")
            )
        holidays = {r["country"]: frozenset(r["days"].split("|")) for r in _rows("holidays.tsv")}
        return cls(brands, banks, shops, names, places, holidays)


@dataclass
class Account:
    """One made-up account: where it banks, who holds it, and its habits."""

    account_id: str
    country: str
    bank: str
    holder: str
    city: tuple[str, str, str]
    rng: random.Random
    rows: list[dict[str, Any]] = field(default_factory=list)
    series: dict[str, dict[str, Any]] = field(default_factory=dict)


class Writer:
    """Fills templates and emits labelled records for one account."""

    def __init__(self, tables: Tables, account: Account) -> None:
        self.t, self.a, self.rng = tables, account, account.rng

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def ref(self) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(9))

    def name(self, kind: str) -> str:
        return self.rng.choice(self.t.names[(self.a.country, kind)])

    def person(self) -> str:
        return f"{self.name('given')} {self.name('surname')}"

    def fill(self, template: str, day: date, extra: dict[str, str] | None = None) -> str:
        city, region, street = (
            self.a.city
            if self.rng.random() < 0.7
            else self.rng.choice(self.t.places[self.a.country])
        )
        values = {
            "city": city,
            "st": region,
            "stname": city,
            "street": f"{self.digits(3)} {street}".strip(),
            "abbr": city[:3],
            "mmdd": day.strftime("%m/%d"),
            "ddmm": day.strftime("%d/%m"),
            "dmy": day.strftime("%d.%m.%Y"),
            "ddmon": day.strftime("%d%b").upper(),
            "day": day.strftime("%a").upper(),
            "month": self.t.names[(self.a.country, "month")][day.month - 1],
            "name": self.a.holder,
            "ref": self.ref(),
            "phone": f"{self.digits(3)}-{self.digits(3)}-{self.digits(4)}",
            "surname": self.name("surname"),
            "given": self.name("given"),
            "place": city,
            "word": self.name("word"),
            "rest": f"{self.name('surname')}S KITCHEN",
            "shop": f"{self.name('word')}{self.name('surname')}".replace(" ", ""),
            "bankname": self.a.bank.upper(),
            **(extra or {}),
        }
        out, i = [], 0
        while i < len(template):
            if template[i] == "{":
                end = template.index("}", i)
                key = template[i + 1 : end]
                if key[0] == "n" and key[1:].isdigit():
                    out.append(self.digits(int(key[1:])))
                else:
                    out.append(values[key])
                i = end + 1
            else:
                out.append(template[i])
                i += 1
        return " ".join("".join(out).split())

    def wrap(self, flow: str, desc: str, day: date) -> str:
        """``desc`` as the account's bank prints a ``flow``."""
        options = self.t.banks[(self.a.country, flow)]
        own = [tpl for bank, tpl in options if bank == self.a.bank] or [t for _, t in options]
        return self.fill(self.rng.choice(own), day, {"desc": desc})

    def emit(
        self,
        day: date,
        amount: float,
        direction: str,
        description: str,
        merchant: list[str] | None,
        primary: tuple[str, ...],
        mcc: str | None = None,
        series: str | None = None,
    ) -> None:
        n = len(self.a.rows)
        record: dict[str, Any] = {
            "transaction_id": f"{self.a.account_id}-{n:04d}",
            "account_id": self.a.account_id,
            "amount": f"{amount:.2f}",
            "currency": CURRENCY[self.a.country],
            "direction": direction,
            "description": description,
            "date": day.isoformat(),
        }
        if mcc:
            record["mcc"] = mcc
        if self.rng.random() < 0.5:  # half the records say where
            record["country"] = self.a.country
        label = {"merchant": merchant, "primary": list(primary), "series": series}
        self.a.rows.append({"record": record, "label": label})

    def to_brand(
        self, day: date, amount: float, description: str, brand: Brand, series: str
    ) -> None:
        """A payment of a recurring ``series`` to a brand."""
        self.emit(
            day,
            amount,
            "debit",
            description,
            list(brand.merchant_ids),
            brand.primary,
            series=series,
        )


def _shift(day: date, holidays: frozenset[str], forward: bool) -> date:
    """The nearest banking day on or after (``forward``) or before ``day``."""
    step = timedelta(days=1 if forward else -1)
    while day.weekday() >= 5 or day.strftime("%m-%d") in holidays:
        day += step
    return day


def _month_day(year: int, month: int, dom: int) -> date:
    return date(year, month, min(dom, calendar.monthrange(year, month)[1]))


def _months(count: int) -> Iterator[tuple[int, int]]:
    for i in range(count):
        yield START.year + (START.month - 1 + i) // 12, (START.month - 1 + i) % 12 + 1


def _schedule(kind: str, account: Account, holidays: frozenset[str]) -> list[date]:
    """Dates of a recurring series over MONTHS + one held out (the last)."""
    rng = account.rng
    end = _month_day(*list(_months(MONTHS + 2))[-1], 28)
    if kind == "biweekly_friday":
        first = START + timedelta(days=(4 - START.weekday()) % 7 + 7 * rng.randint(0, 1))
        days = [first + timedelta(days=14 * i) for i in range(40)]
        return [_shift(d, holidays, False) for d in days if d < end]
    if kind == "last_working_day":
        return [_shift(_month_day(y, m, 31), holidays, False) for y, m in _months(MONTHS + 1)]
    if kind == "quarterly":
        dom = rng.randint(1, 28)
        return [
            _shift(_month_day(y, m, dom), holidays, True)
            for i, (y, m) in enumerate(_months(MONTHS + 3))
            if i % 3 == 0
        ]
    dom = rng.randint(1, 28) if kind != "first" else 1
    slide = kind in ("debit", "first")  # direct debits and rent move to the next banking day
    days = [_month_day(y, m, dom) for y, m in _months(MONTHS + 1)]
    return [_shift(d, holidays, True) if slide else d for d in days]


def _series(w: Writer, name: str, period: str, days: list[date]) -> Iterator[date]:
    """Register a series: the observed dates (the last one is held out as its next)."""
    observed, held_out = days[:-1], days[-1]
    w.a.series[name] = {"period": period, "next_date": held_out.isoformat(), "count": 0}
    for day in observed:
        w.a.series[name]["count"] += 1
        yield day


def _brand_desc(w: Writer, brand: Brand, day: date) -> str:
    """One of the brand's forms that the account's country prints."""
    forms = []
    for form in brand.forms:
        country, colon, rest = form.partition(":")
        if not colon or len(country) != 2 or not country.isupper():
            forms.append(form)
        elif country == w.a.country:
            forms.append(rest)
    return w.fill(w.rng.choice(forms), day)


def _recurring(w: Writer, tables: Tables, brands: list[Brand]) -> None:
    a, rng, hol = w.a, w.rng, tables.holidays[w.a.country]
    employer = f"{w.name('company')} {w.name('suffix')}".strip()
    if a.country == "US" and rng.random() < 0.6:
        kind, period = "biweekly_friday", "biweekly"
    elif a.country == "US":
        kind, period = "last_working_day", "monthly"
    else:
        kind, period = "last_working_day", "monthly"
    pay = round(rng.uniform(1800, 5200), 2)
    for day in _series(w, "salary", period, _schedule(kind, a, hol)):
        desc = w.wrap("salary", employer, day)
        w.emit(day, pay, "credit", desc, [], ("INCOME",), series="salary")
    landlord, rent = w.person(), round(rng.uniform(700, 2400), 0)
    for day in _series(w, "rent", "monthly", _schedule("first", a, hol)):
        w.emit(
            day,
            rent,
            "debit",
            w.wrap("rent", landlord, day),
            [],
            ("RENT_AND_UTILITIES",),
            series="rent",
        )
    subscriptions = [b for b in brands if b.flow == "subscription"]
    bills = [b for b in brands if b.flow == "bill"]
    for i, brand in enumerate(rng.sample(subscriptions, k=min(3, len(subscriptions)))):
        price, form = round(rng.choice([6.99, 9.99, 11.99, 15.49, 17.99]), 2), None
        name = f"sub{i}"
        for day in _series(w, name, "monthly", _schedule("card", a, hol)):
            form = form or _brand_desc(w, brand, day)  # a subscription prints alike
            w.to_brand(day, price, w.wrap("card", form, day), brand, name)
    for i, brand in enumerate(rng.sample(bills, k=min(2, len(bills)))):
        base, name = rng.uniform(30, 140), f"bill{i}"
        form = _brand_desc(w, brand, START)
        for day in _series(w, name, "monthly", _schedule("debit", a, hol)):
            amount = round(base * rng.uniform(0.85, 1.15), 2)
            w.to_brand(day, amount, w.wrap("debit", form, day), brand, name)
    fee = round(rng.choice([4.95, 5.0, 6.9, 12.0]), 2)
    if rng.random() < 0.5:
        schedule, period = ("quarterly", "quarterly") if a.country != "US" else ("first", "monthly")
        text = w.wrap("fee", "", START)
        for day in _series(w, "fee", period, _schedule(schedule, a, hol)):
            w.emit(day, fee, "debit", text, None, ("BANK_FEES",), series="fee")


def _one_offs(w: Writer, tables: Tables, brands: list[Brand]) -> None:
    a, rng = w.a, w.rng
    card_brands = [b for b in brands if b.flow == "card" and a.country in b.countries]
    favourites = rng.sample(card_brands, k=min(12, len(card_brands)))
    shops = tables.locals[a.country]
    regulars = [rng.choice(shops) for _ in range(4)]
    friends = [w.person() for _ in range(3)]
    for y, m in _months(MONTHS):
        days_in = calendar.monthrange(y, m)[1]
        for _ in range(rng.randint(14, 26)):
            day = date(y, m, rng.randint(1, days_in))

            if rng.random() < 0.62:
                brand = rng.choice(favourites if rng.random() < 0.8 else card_brands)
                desc = w.wrap("card", _brand_desc(w, brand, day), day)
                w.emit(
                    day,
                    round(rng.uniform(3, 180), 2),
                    "debit",
                    desc,
                    list(brand.merchant_ids),
                    brand.primary,
                )
            else:
                primary, template = rng.choice(regulars if rng.random() < 0.6 else shops)
                shop = w.fill(template, day)
                w.emit(
                    day,
                    round(rng.uniform(2, 90), 2),
                    "debit",
                    w.wrap("card", shop, day),
                    [],
                    (primary,),
                )
        month = (y, m, days_in)
        for _ in range(rng.randint(0, 2)):
            pay = _Payment("debit", "transfer_out", [], "TRANSFER_OUT")
            pay.emit(w, month, lambda: round(rng.uniform(10, 300), 0), lambda: rng.choice(friends))
        if rng.random() < 0.5:
            pay = _Payment("credit", "transfer_in", [], "TRANSFER_IN")
            pay.emit(w, month, lambda: round(rng.uniform(10, 200), 0), lambda: rng.choice(friends))
        for _ in range(rng.randint(0, 2)):
            pay = _Payment("debit", "atm", None, "TRANSFER_OUT")
            pay.emit(w, month, lambda: float(rng.choice([20, 40, 50, 60, 100])), lambda: "")
        if rng.random() < 0.15:
            pay = _Payment("debit", "tax", None, "GOVERNMENT_AND_NON_PROFIT")
            pay.emit(w, month, lambda: round(rng.uniform(40, 900), 2), lambda: "")


@dataclass(frozen=True)
class _Payment:
    """A one-off of a flow the bank wraps (a transfer, cash, a tax payment)."""

    direction: str
    flow: str
    merchant: list[str] | None
    primary: str

    def emit(
        self,
        w: Writer,
        month: tuple[int, int, int],
        amount: Callable[[], float],
        counterparty: Callable[[], str],
    ) -> None:
        """On a day of ``month`` (year, month, days): draws the day, the amount, then the
        counterparty, in that order (the frozen sets depend on it)."""
        year, number, days = month
        day = date(year, number, w.rng.randint(1, days))
        value = amount()
        w.emit(
            day,
            value,
            self.direction,
            w.wrap(self.flow, counterparty(), day),
            self.merchant,
            (self.primary,),
        )


def build_region(region: str, seed: int, tables: Tables | None = None) -> list[dict[str, Any]]:
    """Every labelled record of a region's accounts, in date order, then the series
    (records with ``"kind": "series"``) that their labels name."""
    tables = tables or Tables.load()
    out: list[dict[str, Any]] = []
    series_out: list[dict[str, Any]] = []
    n = 0
    for country, accounts in REGIONS[region].items():
        brands = [b for b in tables.brands[region] if country in b.countries]
        banks = sorted(
            {bank for (c, _), opts in tables.banks.items() if c == country for bank, _ in opts}
        )
        for _ in range(accounts):
            rng = random.Random(f"{seed}-{region}-{n}")
            n += 1
            account = Account(
                account_id=f"{region}-{country.lower()}-{n:03d}",
                country=country,
                bank=rng.choice(banks),
                holder="",
                city=rng.choice(tables.places[country]),
                rng=rng,
            )
            writer = Writer(tables, account)
            account.holder = writer.person()
            _recurring(writer, tables, brands)
            _one_offs(writer, tables, brands)
            out += account.rows
            series_out += [
                {"kind": "series", "account_id": account.account_id, "series": name, **info}
                for name, info in account.series.items()
            ]
    out.sort(key=lambda row: (row["record"]["date"], row["record"]["transaction_id"]))
    return out + series_out


def write(out: Path, seed: int = 19) -> dict[str, str]:
    """``<region>.jsonl`` (raw records) and ``<region>.labels.jsonl`` for each region;
    the sha256 of each file written."""
    out.mkdir(parents=True, exist_ok=True)
    tables = Tables.load()
    digests = {}
    for region in REGIONS:
        rows = build_region(region, seed, tables)
        records = "".join(
            json.dumps(r["record"], ensure_ascii=False) + "\n" for r in rows if "record" in r
        )
        labels = "".join(
            json.dumps(
                {"transaction_id": r["record"]["transaction_id"], **r["label"]}
                if "record" in r
                else r,
                ensure_ascii=False,
            )
            + "\n"
            for r in rows
        )
        for name, text in ((f"{region}.jsonl", records), (f"{region}.labels.jsonl", labels)):
            (out / name).write_text(text, encoding="utf-8")
            digests[name] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    for name, digest in write(args.out, args.seed).items():
        print(f"{digest}  {name}")


if __name__ == "__main__":
    main()
