"""The sample generator's brands, read from the merchant catalogue CSV (the file I/O the
pure generator in streams.demo.sample leaves to the shell)."""

from __future__ import annotations

import csv
from pathlib import Path

from streams.demo import sample_vocab as vocab
from streams.demo.sample import Brand

__all__ = ["load_brands"]


def load_brands(csv_path: Path, limit: int = 400) -> list[Brand]:
    """Brands from the merchant catalogue CSV: those trading where sample accounts live,
    most aliases (a proxy for well-known) first, ties by name - a stable subset."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    brands = [
        Brand(
            r["name"],
            tuple(a for a in r["aliases"].split("|") if a),
            r["category_primary"],
            r["mcc"],
            tuple(c for c in r["countries"].split("|") if c),
        )
        for r in rows
    ]
    brands = [
        b
        for b in brands
        if b.aliases and (not b.countries or set(b.countries) & set(vocab.CURRENCIES))
    ]
    brands.sort(key=lambda b: (-len(b.aliases), b.name.casefold(), b.name))
    return brands[:limit]
