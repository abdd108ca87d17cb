"""First and last names for the TRAIN side of the people noise, from ``faker``'s name lists.

Person, owner and employer names are noise to both models: a P2P payment to ``TARIQ
PETROVIC`` is a transfer whoever Tariq is. With a couple of dozen hand-picked names the
models learn those names and nothing about the next one (the held-out split's names were
miscategorised as shops and clinics), so the training side also draws, half the time,
from the first and last names faker ships for the markets the generator prints. Left
out, so that the held-out split stays unseen and no brand is taught to be noise: the
TEST pools' name words and every name that is also a catalogue alias (``FORD``).

Deterministic: the lists ship inside the pinned package; names are sorted before use.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator

from models.training.places import bank_text

__all__ = ["FIRST_NAMES", "LAST_NAMES", "LOCALES", "faker_names", "train_names"]

LOCALES = ("en_US", "en_GB", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
FIRST_NAMES = ("first_names", "first_names_male", "first_names_female")
LAST_NAMES = ("last_names",)
MAX_NAME = 14


def faker_names(attributes: Iterable[str]) -> Iterator[str]:
    """Every name faker ships under ``attributes`` of its person providers for ``LOCALES``,
    as a bank prints it (``bank_text``), in the packages' order, repeats included."""
    wanted = tuple(attributes)
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in wanted:
            for raw in getattr(provider, attribute, ()):
                yield bank_text(str(raw))


def train_names(excluded: Iterable[str]) -> tuple[list[str], list[str]]:
    """(first names, last names) as a bank prints them, none of them in ``excluded``
    (whole names or any of their words)."""
    skip = set(excluded)
    found: tuple[set[str], set[str]] = (set(), set())
    for into, attributes in ((found[0], FIRST_NAMES), (found[1], LAST_NAMES)):
        for name in faker_names(attributes):
            if 3 <= len(name) <= MAX_NAME and not ({name, *name.split()} & skip):
                into.add(name)
    return sorted(found[0]), sorted(found[1])
