"""Text helpers for the catalogue build: ASCII folding, name keys, slugs, and the
upper-case descriptor forms of a name as banks print it."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = [
    "MAX_ALIAS_LEN",
    "ascii_fold",
    "clean_name",
    "descriptor_forms",
    "edge_symbols",
    "is_latin",
    "name_forms",
    "norm_name",
    "sanitize_alias",
    "slugify",
]

MAX_ALIAS_LEN: Final = 40
_EDGE_SYMBOLS: Final = re.escape("&+@%#*")
_FOLD_EXTRA: Final = str.maketrans(
    {
        "\u00df": "ss",
        "\u00f8": "o",
        "\u00d8": "O",
        "\u00e6": "ae",
        "\u00c6": "AE",
        "\u0153": "oe",
        "\u0152": "OE",
        "\u0111": "d",
        "\u0110": "D",
        "\u0142": "l",
        "\u0141": "L",
        "\u0131": "i",
        "\u00fe": "th",
        "\u00de": "TH",
        "\u00f0": "d",
        "\u00d0": "D",
        "\u2019": "'",
        "\u2018": "'",
        "\u2013": "-",
        "\u2014": "-",
    }
)


def ascii_fold(text: str) -> str:
    """Fold accents and ligatures to ASCII, dropping what cannot be folded."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode("ascii")


def is_latin(text: str, threshold: float = 0.9) -> bool:
    """Return True when at least ``threshold`` of the letters are Latin script."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return any(ch.isdigit() for ch in text)
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin / len(letters) >= threshold


def norm_name(text: str) -> str:
    """Normalise a name to lowercase ASCII alphanumerics (merge/lookup key)."""
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text).lower())


def slugify(text: str) -> str:
    """Lowercase ASCII slug with single underscores."""
    text = ascii_fold(text).lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def clean_name(text: str) -> str:
    """Collapse whitespace and drop a trailing parenthetical qualifier."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s*\([^)]*\)$", "", text).strip()


def edge_symbols(text: str) -> tuple[str, str]:
    """Symbols a name starts and ends with (``& Other`` -> ``("& ", "")``).

    Only symbols that carry meaning count (``& + @ % # *``); trailing
    punctuation such as ``.``, ``'`` or ``!`` does not (``Carl's Jr.``).  A
    space between the symbol and the word is kept as one space.
    """
    stripped = ascii_fold(text).strip()
    lead = re.match(rf"^[{_EDGE_SYMBOLS}]+\s*", stripped)
    trail = re.search(rf"\s*[{_EDGE_SYMBOLS}]+$", stripped)
    if lead and trail and lead.end() > trail.start():
        return stripped, ""  # nothing but symbols
    lead_text = re.sub(r"\s+", " ", lead.group()) if lead else ""
    trail_text = re.sub(r"\s+", " ", trail.group()) if trail else ""
    return lead_text, trail_text


def descriptor_forms(text: str) -> list[str]:
    """Upper-case ASCII forms of a name as banks print it.

    Returns the punctuated form and, when different, a form with apostrophes
    and ampersands removed and other punctuation turned into spaces
    (``MCDONALD'S`` -> ``MCDONALDS``, ``AT&T`` -> ``ATT``; not for two initials:
    ``H&M`` gives no ``HM``, which is HM Revenue's as much as anybody's).  A symbol the name
    starts or ends with is kept in every form: ``&pizza`` gives ``&PIZZA``,
    never ``PIZZA``, and ``Disney+`` gives ``DISNEY+``.
    """
    if not is_latin(text):
        return []
    lead, trail = edge_symbols(text)
    upper = ascii_fold(text).strip().upper()
    upper = upper[len(lead) : len(upper) - len(trail)]
    upper = re.sub(r"[^A-Z0-9&'.*/+\- ]", " ", upper)
    first = re.sub(r"\s+", " ", upper).strip()
    second = re.sub(r"[*/.+\-]", " ", re.sub(r"['&]", "", first))
    second = re.sub(r"\s+", " ", second).strip()
    if lead or trail:
        first, second = (f"{lead}{form}{trail}" if form else "" for form in (first, second))
    if "&" in first and len(second.replace(" ", "")) <= 2:
        second = ""  # initials joined by & (H&M, M&S, B&Q): HM and MS print other names
    forms: list[str] = []
    for form in (first, second):
        if 2 <= len(form) <= MAX_ALIAS_LEN and re.search(r"[A-Z0-9]", form) and form not in forms:
            forms.append(form)
    return forms


def name_forms(text: str) -> list[str]:
    """Forms a name claims: its descriptor forms and those of its core words.

    ``@home`` claims ``@HOME`` and ``HOME``, so ``HOME`` is nobody's package
    alias even though ``@home`` itself keeps the symbol.
    """
    lead, trail = edge_symbols(text)
    core = ascii_fold(text).strip()[len(lead) : len(ascii_fold(text).strip()) - len(trail)]
    return descriptor_forms(text) + (descriptor_forms(core) if lead or trail else [])


def sanitize_alias(text: str) -> str:
    """Make a curated alias safe for the pipe-separated column."""
    return re.sub(r"\s+", " ", text.replace("|", " ")).strip().upper()
