"""Deterministic generator of realistic raw transactions for demos and tests.

Pure: one seeded `random.Random` drives every choice (no global random state, no
clock; the caller passes `start`), so the same arguments always give
byte-identical payloads. Each account gets a life over the months - salary,
rent, subscriptions, bills, loans, savings, interest - plus everyday card spending
at brands from the catalogue, small local shops, apps, P2P, ATMs, fees and
refunds, printed with the noise banks add (processor prefixes, wrappers, store
numbers, city/state tails, truncated name fields). A few rows are deliberately
malformed, each labelled with the dead-letter reason the validator should give.
"""

from __future__ import annotations

import math
import random
import re
from calendar import monthrange
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from streams.core.contracts import raw_contract
from streams.demo import sample_vocab as vocab
from streams.demo.sample_payloads import (
    MALFORMED_REASONS,
    SamplePayload,
    malformed_payload,
    valid_payload,
)

__all__ = [
    "MALFORMED_REASONS",
    "REQUIRED_FIELDS",
    "Brand",
    "SamplePayload",
    "sample_transactions",
]

REQUIRED_FIELDS = raw_contract().required
_WEB = re.compile(r"\.(COM|NET|ORG|CO|DE|FR|NL|IE|UK|EU|IO)\b")


@dataclass(frozen=True)
class Brand:
    """A catalogue merchant; `countries` empty means it trades everywhere."""

    name: str
    aliases: tuple[str, ...]
    category_primary: str
    mcc: str
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Account:
    account_id: str
    country: str
    entity_type: str
    city: tuple[str, str]
    known: dict[str, str]  # template fields fixed for the account (holder, employer, card...)
    wrapper: str  # the bank's card-purchase layout; one bank per account
    favourites: tuple[Brand, ...]
    shops: tuple[Brand, ...]
    locals: tuple[tuple[str, str, float, float], ...]
    friends: tuple[str, ...]


@dataclass(frozen=True)
class _Event:
    day: date
    cents: int
    direction: str
    description: str
    mcc: str | None
    channel: str


def _cents(rng: random.Random, low: float, high: float) -> int:
    """Log-uniform amount: small tickets common, big ones rare, as in real spending."""
    if high <= low:
        return max(1, round(low * 100))
    return max(1, round(math.exp(rng.uniform(math.log(low), math.log(high))) * 100))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _add_months(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def _fill(
    rng: random.Random,
    acct: _Account,
    template: str,
    when: date,
    stable: random.Random | None = None,
    **extra: str,
) -> str:
    """Render a template for this account (see sample_vocab.render)."""
    return vocab.render(
        template,
        when,
        country=acct.country,
        known={**acct.known, **extra},
        fresh=rng,
        stable=stable,
    )


def _wrap(rng: random.Random, acct: _Account, core: str, when: date) -> str:
    """The account's bank layout around a card descriptor; some rows come through bare."""
    return _fill(rng, acct, acct.wrapper if rng.random() < 0.85 else "{desc}", when, desc=core)


def _make_account(rng: random.Random, index: int, spend: Sequence[Brand]) -> _Account:
    country = rng.choices(list(vocab.COUNTRY_WEIGHTS), list(vocab.COUNTRY_WEIGHTS.values()))[0]
    business = rng.random() < 0.06
    first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
    city = rng.choice(vocab.CITIES[country])
    employer = (
        vocab.local_business(rng)[0]
        if business
        else rng.choice(vocab.local(vocab.EMPLOYERS, country))
    )
    known = {
        "name": f"{first} {last}",
        "lastfirst": f"{last}, {first}",
        "first": first,
        "last": last,
        "emp": employer,
        "city": city[0],
        "st": city[1],
        "last4": f"{rng.randrange(10_000):04d}",
        "sav4": f"{rng.randrange(10_000):04d}",
        "sortcode": f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
    }
    shops = [b for b in spend if not b.countries or country in b.countries]
    shops = shops if len(shops) >= 8 else list(spend)  # tiny brand lists: ignore countries
    return _Account(
        account_id=f"acc_{index + 1:04d}",
        country=country,
        entity_type="business" if business else "consumer",
        city=city,
        known=known,
        wrapper=rng.choice(vocab.CARD_WRAPPERS[country]),
        favourites=tuple(rng.sample(shops, min(12, len(shops)))),
        shops=tuple(shops),
        locals=tuple(vocab.local_business(rng) for _ in range(rng.randint(2, 5))),
        friends=tuple(
            f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.LAST_NAMES)}"
            for _ in range(rng.randint(2, 5))
        ),
    )


# --- everyday (non-recurring) transactions -------------------------------------------------


def _shop(
    rng: random.Random, acct: _Account, day: date, when: date, refund: bool = False
) -> _Event:
    brand = rng.choice(acct.favourites) if rng.random() < 0.8 else rng.choice(acct.shops)
    alias = brand.aliases[0] if rng.random() < 0.5 else rng.choice(brand.aliases)
    online, prefix = bool(_WEB.search(alias)), ""  # "X.COM"-style aliases are web shops
    if rng.random() < 0.06:
        online, prefix = True, "PAYPAL *"
    elif brand.mcc in ("5812", "5814") and rng.random() < 0.1:
        online, prefix = True, "DD *DOORDASH "
    core = vocab.card_field(rng, acct.city, acct.country, prefix + alias, online=online)
    low, high = vocab.TICKET_BY_MCC.get(brand.mcc) or vocab.TICKET_BY_CATEGORY.get(
        brand.category_primary, (5.0, 100.0)
    )
    mcc = brand.mcc if len(brand.mcc) == 4 and brand.mcc.isdigit() else None
    if refund:  # the merchant gives money back: a credit printed with the card descriptor
        wrapper = rng.choice(vocab.local(vocab.REFUND_WRAPPERS, acct.country))
        text, direction = _fill(rng, acct, wrapper, when, desc=core), "credit"
    else:
        text, direction = _wrap(rng, acct, core, when), "debit"
    channel = "online" if online else "pos"
    return _Event(day, _cents(rng, low, high), direction, text, mcc, channel)


def _small_business(rng: random.Random, acct: _Account, day: date, when: date) -> _Event:
    name, mcc, low, high = rng.choice(acct.locals)
    if rng.random() < 0.55:  # small shops take cards through Square, Toast, SumUp...
        name = rng.choice(vocab.local(vocab.PROCESSOR_PREFIXES, acct.country)) + name
    core = vocab.card_field(rng, acct.city, acct.country, name, online=False)
    return _Event(day, _cents(rng, low, high), "debit", _wrap(rng, acct, core, when), mcc, "pos")


def _platform(rng: random.Random, acct: _Account, day: date, when: date) -> _Event:
    app = rng.choice(vocab.local(vocab.PLATFORMS, acct.country))
    text = _wrap(rng, acct, _fill(rng, acct, app.template, when), when)
    return _Event(day, _cents(rng, app.low, app.high), "debit", text, app.mcc, "online")


def _p2p(
    rng: random.Random, acct: _Account, day: date, when: date, incoming: bool = False
) -> _Event:
    payee = rng.choice(acct.friends)
    table = vocab.P2P_IN if incoming else vocab.P2P_OUT
    text = _fill(
        rng,
        acct,
        rng.choice(vocab.local(table, acct.country)),
        when,
        payee=payee,
        payee_init=f"{payee[0]} {payee.split(' ', 1)[1]}",
    )
    return _Event(day, _cents(rng, 5, 400), "credit" if incoming else "debit", text, None, "p2p")


def _atm(rng: random.Random, acct: _Account, day: date, when: date) -> _Event:
    step = 2000 if acct.country == "US" else 1000  # machines dispense round notes
    text = _fill(rng, acct, rng.choice(vocab.local(vocab.ATM, acct.country)), when)
    return _Event(day, step * rng.randint(1, 15), "debit", text, "6011", "atm")


def _fee(rng: random.Random, acct: _Account, day: date, when: date) -> _Event:
    template, low, high = rng.choice(vocab.local(vocab.ONEOFF_FEES, acct.country))
    text = _fill(rng, acct, template, when)
    return _Event(day, _cents(rng, low, high), "debit", text, None, "fee")


def _transfer(rng: random.Random, acct: _Account, day: date, when: date) -> _Event:
    incoming = rng.random() < 0.3
    table = vocab.SAVINGS_IN if incoming else vocab.SAVINGS_OUT
    cents = 100 * rng.choice((25, 50, 100, 200, 250, 500, 1000))
    text = _fill(rng, acct, rng.choice(vocab.local(table, acct.country)), when)
    return _Event(day, cents, "credit" if incoming else "debit", text, None, "transfer")


_MAKERS: tuple[Callable[[random.Random, _Account, date, date], _Event], ...] = (
    _shop,
    _small_business,
    _platform,
    _p2p,
    partial(_p2p, incoming=True),
    _atm,
    _fee,
    partial(_shop, refund=True),
    _transfer,
)
_MAKER_WEIGHTS = (46.0, 12.0, 10.0, 6.0, 3.0, 4.0, 1.5, 2.5, 3.0)


def _everyday(rng: random.Random, acct: _Account, day: date) -> _Event:
    when = day - timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))  # cards post a few days late
    return rng.choices(_MAKERS, _MAKER_WEIGHTS)[0](rng, acct, day, when)


# --- recurring series -----------------------------------------------------------------------


def _month_days(
    start: date, end: date, dom: int, jitter: random.Random | None = None, business: bool = False
) -> list[date]:
    """Day `dom` (clamped to the month's length) of each calendar month, within [start, end);
    `jitter` moves bills by up to two days, `business` pulls payday back off weekends."""
    days, year, month = [], start.year, start.month
    while date(year, month, 1) < end:
        day = date(year, month, min(dom, monthrange(year, month)[1]))
        if jitter is not None:
            day += timedelta(days=jitter.randint(-2, 2))
        while business and day.weekday() >= 5:
            day -= timedelta(days=1)
        if start <= day < end:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def _every(first: date, end: date, step: int) -> list[date]:
    return [first + timedelta(days=k) for k in range(0, (end - first).days, step)]


def _fixed(cents: int) -> Callable[[], int]:
    return lambda: cents


def _around(rng: random.Random, cents: int, spread: float) -> Callable[[], int]:
    return lambda: max(1, round(cents * rng.uniform(1 - spread, 1 + spread)))


def _recurring(rng: random.Random, acct: _Account, start: date, end: date) -> list[list[_Event]]:
    """The account's recurring series, most characteristic first (see _plan)."""
    c, money = acct.country, {"US": 1.0, "GB": 0.7}.get(acct.country, 0.75)
    series: list[list[_Event]] = []

    def add(
        days: Sequence[date],
        template: str,
        amount: Callable[[], int],
        direction: str = "debit",
        *,
        mcc: str | None = None,
        card: bool = False,
    ) -> None:
        """One series: the same template and ids each time (a seeded Random replays them);
        dates, and for bills the amounts, move."""
        seed = rng.getrandbits(64)
        events = []
        for day in days:
            text = _fill(rng, acct, template, day, stable=random.Random(seed))
            text = _wrap(rng, acct, text, day) if card else text
            events.append(_Event(day, amount(), direction, text, mcc, "card" if card else "ach"))
        series.append(events)

    def pick(table: dict[str, tuple[tuple[str, float, float], ...]]) -> tuple[str, int]:
        template, low, high = rng.choice(vocab.local(table, c))
        return template, _cents(rng, low, high)

    for sub in rng.sample(vocab.local(vocab.SUBSCRIPTIONS, c), rng.randint(2, 4)):
        add(
            _month_days(start, end, rng.randint(1, 28)),
            rng.choice(sub.forms),
            _fixed(round(rng.choice(sub.prices) * 100)),
            mcc=sub.mcc,
            card=True,
        )
    if acct.entity_type == "business":  # card-processor payouts instead of a salary
        days = _every(start + timedelta(days=rng.randrange(7)), end, rng.choice((7, 14)))
        template, pay = rng.choice(vocab.local(vocab.PAYOUTS, c)), _around(rng, 200_000, 0.8)
    else:
        net = _cents(rng, 2400 * money, 9000 * money)
        if c == "US" and rng.random() < 0.4:  # biweekly Friday payroll, common in the US
            friday = start + timedelta(days=(4 - start.weekday()) % 7 + 7 * rng.randrange(2))
            days, net = _every(friday, end, 14), net * 12 // 26
        else:
            days = _month_days(start, end, rng.choice((1, 15, 25, 28, 31)), business=True)
        template = rng.choice(vocab.local(vocab.SALARY, c))
        pay = _around(rng, net, 0.04) if rng.random() < 0.3 else _fixed(net)
    add(days, template, pay, "credit")
    series.insert(1, series.pop())  # priority: first subscription, income, housing, the rest
    if rng.random() < 0.72:
        rent = _cents(rng, 1100 * money, 3800 * money) // 2500 * 2500 + 2500
        add(
            _month_days(start, end, rng.choice((1, 1, 1, 2, 3, 5))),
            rng.choice(vocab.local(vocab.RENT, c)),
            _fixed(rent),
        )
    else:
        template, cents = pick(vocab.MORTGAGES)
        add(_month_days(start, end, 1), template, _fixed(cents))
    series.insert(2, series.pop())
    for template, low, high in rng.sample(vocab.local(vocab.UTILITIES, c), rng.randint(2, 3)):
        bill = _around(rng, _cents(rng, low, high), 0.2)  # usage-based: varies month to month
        add(_month_days(start, end, rng.randint(3, 26), jitter=rng), template, bill)
    loans = vocab.local(vocab.LOANS, c)
    for loan in rng.sample(loans, min(len(loans), rng.choice((0, 0, 1, 1, 2)))):
        base = _cents(rng, loan.low, loan.high)
        add(
            _month_days(start, end, rng.randint(1, 28)),
            loan.template,
            _around(rng, base, 0.6) if loan.varies else _fixed(base),
        )
    if rng.random() < 0.5:
        add(
            _month_days(start, end, rng.randint(1, 28)),
            rng.choice(vocab.local(vocab.SAVINGS_OUT, c)),
            _fixed(100 * rng.choice((50, 100, 150, 200, 300, 500))),
        )
    if rng.random() < 0.6:
        add(
            _month_days(start, end, 31),
            rng.choice(vocab.local(vocab.INTEREST, c)),
            lambda: _cents(rng, 0.01, 12.0),
            "credit",
        )
    if rng.random() < 0.15:
        template, cents = pick(vocab.MONTHLY_FEES)
        add(_month_days(start, end, 28), template, _fixed(cents))
    if rng.random() < (0.4 if c == "US" else 0.15):
        template, cents = pick(vocab.TAX_REFUNDS)
        add(
            [start + timedelta(days=rng.randrange((end - start).days))],
            template,
            _fixed(cents),
            "credit",
        )
    return series


def _plan(rng: random.Random, acct: _Account, start: date, end: date, target: int) -> list[_Event]:
    """Exactly `target` events: whole recurring series in priority order (so even a small
    sample keeps one subscription series), but at least 40% everyday spending."""
    flat = [event for series in _recurring(rng, acct, start, end) for event in series]
    events = flat[: min(len(flat), target - 2 * target // 5)]
    span = (end - start).days
    events += [
        _everyday(rng, acct, start + timedelta(days=rng.randrange(span)))
        for _ in range(target - len(events))
    ]
    return sorted(events, key=lambda e: e.day)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` spread over `parts` with uneven weights (heavy and light users)."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(parts), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


# --- records and wire bytes -----------------------------------------------------------------


def _new_id(rng: random.Random, used: set[str]) -> str:
    while (tx_id := f"tx_{rng.getrandbits(64):016x}") in used:
        pass
    used.add(tx_id)
    return tx_id


def _record(rng: random.Random, acct: _Account, event: _Event, tx_id: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "transaction_id": tx_id,
        "account_id": acct.account_id,
        "amount": _money(event.cents),
        "currency": vocab.CURRENCIES[acct.country],
        "direction": event.direction,
        "description": event.description,
        "date": event.day.isoformat(),
    }
    if event.mcc and rng.random() < 0.75:
        record["mcc"] = event.mcc
    if rng.random() < 0.7:
        record["country"] = acct.country
    if rng.random() < 0.9:
        record["entity_type"] = acct.entity_type
    if rng.random() < 0.2:
        record["metadata"] = {"channel": event.channel}
    return record


def sample_transactions(
    n: int,
    *,
    seed: int = 7,
    accounts: int = 25,
    months: int = 6,
    start: date,
    malformed_ratio: float = 0.03,
    brands: Sequence[Brand],
) -> list[SamplePayload]:
    """`n` wire payloads for `accounts` accounts over `months` months from `start`.

    About `malformed_ratio` of them (rounded) are malformed, at random positions;
    valid rows are in posting-date order, accounts interleaved.
    """
    if n < 0 or accounts < 1 or months < 1 or not 0.0 <= malformed_ratio <= 1.0:
        raise ValueError("need n >= 0, accounts >= 1, months >= 1, 0 <= malformed_ratio <= 1")
    rng = random.Random(seed)
    end = _add_months(start, months)
    spend = [b for b in brands if b.aliases and b.category_primary in vocab.SPEND_CATEGORIES]
    spend = spend or [Brand(*row) for row in vocab.FALLBACK_BRANDS]
    accts = [_make_account(rng, index, spend) for index in range(accounts)]
    n_bad = round(n * malformed_ratio)
    planned: list[tuple[date, float, _Account, _Event]] = []
    for acct, count in zip(accts, _split(rng, n - n_bad, accounts), strict=True):
        planned += [(e.day, rng.random(), acct, e) for e in _plan(rng, acct, start, end, count)]
    planned.sort(key=lambda item: (item[0], item[1]))  # random tie-break interleaves accounts
    used: set[str] = set()
    good = iter(
        [valid_payload(rng, _record(rng, acct, e, _new_id(rng, used))) for _, _, acct, e in planned]
    )
    bad_at = set(rng.sample(range(n), n_bad))
    reasons = list(MALFORMED_REASONS)
    rng.shuffle(reasons)  # cycle through every reason, starting somewhere seed-dependent
    out: list[SamplePayload] = []
    broken = 0
    for position in range(n):
        if position not in bad_at:
            out.append(next(good))
            continue
        acct = rng.choice(accts)
        event = _everyday(rng, acct, start + timedelta(days=rng.randrange((end - start).days)))
        record = _record(rng, acct, event, _new_id(rng, used))
        out.append(malformed_payload(rng, reasons[broken % len(reasons)], record))
        broken += 1
    return out
