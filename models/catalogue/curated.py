"""Loader for ``curated_merchants.tsv``, the hand-kept merchant table.

One merchant per line, six tab-separated columns::

    name  website  detailed  mcc  countries  aliases

``countries`` and ``aliases`` are ``|``-separated (either may be empty).  A
header line starting with ``name``, blank lines and lines starting with ``#``
are skipped.  Every other line is checked; a bad one raises
:class:`CuratedFileError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Final, NamedTuple

__all__ = [
    "COLUMNS",
    "CURATED_PATH",
    "CuratedFileError",
    "CuratedMerchant",
    "is_bare_domain",
    "load_curated",
    "parse_curated",
]

COLUMNS: Final[tuple[str, ...]] = ("name", "website", "detailed", "mcc", "countries", "aliases")
CURATED_PATH: Final = Path(__file__).resolve().parent / "curated_merchants.tsv"

_DOMAIN_RE: Final = re.compile(
    r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)
_MCC_RE: Final = re.compile(r"^\d{4}$")


class CuratedMerchant(NamedTuple):
    """A merchant the packages lack (or under-describe), maintained by hand."""

    name: str
    website: str
    detailed: str
    mcc: str
    countries: tuple[str, ...]
    aliases: tuple[str, ...] = ()


class CuratedFileError(ValueError):
    """A malformed line in the curated merchant file."""


def is_bare_domain(text: str) -> bool:
    """True for a lowercase hostname without scheme, ``www.``, port or path."""
    return bool(_DOMAIN_RE.match(text)) and not text.startswith("www.")


def _split(field: str) -> tuple[str, ...]:
    """``|``-separated values, stripped, empties dropped."""
    return tuple(part.strip() for part in field.split("|") if part.strip())


def _check(
    fields: list[str],
    taxonomy: Collection[str],
    countries: Collection[str],
    mccs: Collection[str] | None,
) -> str | None:
    """The problem with one split line, or None when it is valid."""
    if len(fields) != len(COLUMNS):
        return f"expected {len(COLUMNS)} tab-separated columns, found {len(fields)}"
    name, website, detailed, mcc, codes, aliases = (field.strip() for field in fields)
    problem: str | None = None
    if not name:
        problem = "empty name"
    elif not is_bare_domain(website):
        problem = f"bad website {website!r} (want a bare lowercase domain)"
    elif detailed not in taxonomy:
        problem = f"unknown category_detailed {detailed!r}"
    elif not _MCC_RE.match(mcc) or (mccs is not None and mcc not in mccs):
        problem = f"bad MCC {mcc!r}"
    elif bad := [code for code in _split(codes) if code not in countries]:
        problem = f"unknown country code(s) {', '.join(bad)}"
    elif any(alias != alias.upper() for alias in _split(aliases)):
        problem = "aliases must be upper case"
    return problem


def parse_curated(
    lines: Iterable[str],
    source: str,
    taxonomy: Collection[str],
    countries: Collection[str],
    mccs: Collection[str] | None = None,
) -> tuple[CuratedMerchant, ...]:
    """Parse the curated table from ``lines``; ``source`` names it in errors.

    ``taxonomy`` holds the allowed Plaid DETAILED values, ``countries`` the
    ISO alpha-2 codes, ``mccs`` the known MCCs (None: check the format only).
    """
    out: list[CuratedMerchant] = []
    seen: dict[tuple[str, str], int] = {}
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if tuple(field.strip() for field in fields) == COLUMNS:
            continue
        problem = _check(fields, taxonomy, countries, mccs)
        if problem is not None:
            raise CuratedFileError(f"{source}:{lineno}: {problem}")
        name, website, detailed, mcc, codes, aliases = (field.strip() for field in fields)
        key = (name.casefold(), website)
        if key in seen:
            raise CuratedFileError(
                f"{source}:{lineno}: duplicate of line {seen[key]} ({name}, {website})"
            )
        seen[key] = lineno
        out.append(CuratedMerchant(name, website, detailed, mcc, _split(codes), _split(aliases)))
    return tuple(out)


def load_curated(
    path: Path,
    taxonomy: Collection[str],
    countries: Collection[str],
    mccs: Collection[str] | None = None,
) -> tuple[CuratedMerchant, ...]:
    """Read and validate the curated merchant TSV at ``path``."""
    with path.open(encoding="utf-8", newline="") as handle:
        return parse_curated(handle, str(path), taxonomy, countries, mccs)
