"""The bank sets' figures in the model cards: one section, rewritten by each full run.

``make eval-bank-sets`` writes ``results.json`` and then this section into both
``models/repository/{merchant,category}/MODEL_CARD.md``; ``make train`` (which rewrites the
cards) copies the section from the committed ``results.json``. The section names the
models and catalogue it was measured with, so a card whose models moved since says so.
Standard library only: both the training and the serving venv import it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

__all__ = ["BEGIN", "END", "REPOSITORY", "RESULTS", "refresh", "section"]

RESULTS: Final = Path(__file__).resolve().with_name("results.json")
REPOSITORY: Final = Path(__file__).resolve().parents[2] / "repository"
BEGIN: Final = "<!-- bank-sets: written by models/evaluation/bank_sets (make eval-bank-sets) -->"
END: Final = "<!-- /bank-sets -->"
_ROWS: Final = (
    ("merchant top-1, known brands", "merchant_top1_known_brands", "pct"),
    ("local shops, people and employers left unknown", "left_unknown", "pct"),
    ("category primary", "category_primary", "pct"),
    ("recurrence precision", "recurrence_precision", "{:.3f}"),
    ("recurrence recall", "recurrence_recall", "{:.3f}"),
    ("next expected date within 3 days", "next_date_within_3d", "pct"),
)
_SETS: Final = (("us", "US set"), ("europe", "UK + euro set"))


def _format(value: float, fmt: str) -> str:
    return f"{100 * value:.1f} %" if fmt == "pct" else fmt.format(value)


def section(results: dict[str, Any]) -> str:
    """The cards' section for one run's ``results`` (as ``results.json`` holds them)."""
    sets = results["sets"]
    head = "| figure | " + " | ".join(
        f"{title} ({sets[k]['records']:,} records)" for k, title in _SETS
    )
    lines = [
        BEGIN,
        "## Independent bank sets",
        "",
        "Frozen US and UK + euro-area sets written apart from the recipe, run through "
        "`txenrich backfill` as a user would (`models/evaluation/bank_sets`, "
        "`make eval-bank-sets`; README, Models).",
        f"Measured with `{results.get('enricher') or 'unrecorded models'}`.",
        "",
        head + " | goal |",
        "|---|---|---|---|",
    ]
    for title, key, fmt in _ROWS:
        cells = []
        for region, _ in _SETS:
            value = sets[region]["figures"].get(key)
            cells.append("-" if value is None else _format(value, fmt))
        goal = _format(results["goals"][key], fmt)
        lines.append(f"| {title} | {' | '.join(cells)} | {goal} |")
    return "\n".join([*lines, END, ""])


def _replace(card: str, text: str) -> str:
    """``card`` with its section replaced by ``text`` (appended when it has none)."""
    if BEGIN in card:
        before, rest = card.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n") if END in rest else ""
        return before + text + after
    return card.rstrip("\n") + "\n\n" + text


def refresh(repository: Path = REPOSITORY, results_path: Path = RESULTS) -> None:
    """Rewrite the section of both model cards under ``repository`` from ``results_path``
    (nothing when it does not exist)."""
    if not results_path.is_file():
        return
    text = section(json.loads(results_path.read_text(encoding="utf-8")))
    for model in ("merchant", "category"):
        card = repository / model / "MODEL_CARD.md"
        card.write_text(_replace(card.read_text(encoding="utf-8"), text), encoding="utf-8")
