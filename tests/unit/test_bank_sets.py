"""The bank evaluation sets stay as they were frozen, and their scorer counts as documented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.evaluation.bank_sets.build import write
from models.evaluation.bank_sets.cards import BEGIN, REPOSITORY, RESULTS, refresh, section
from models.evaluation.bank_sets.evaluate import frozen_digests, score

pytestmark = pytest.mark.unit


def test_the_sets_are_what_was_frozen(tmp_path: Path) -> None:
    assert write(tmp_path) == frozen_digests()


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _enriched(
    tid: str,
    day: str,
    merchant: str | None,
    primary: str,
    group: str,
    period: str | None,
    next_date: str | None = None,
) -> dict[str, Any]:
    return {
        "transaction_id": tid,
        "date": day,
        "merchant": {"id": merchant},
        "category": {"primary": primary},
        "recurrence": {"group_id": group, "period": period, "next_expected_date": next_date},
    }


def test_the_scorer_counts_brands_unknowns_categories_and_series(tmp_path: Path) -> None:
    def label(n: int, merchant: list[str] | None, primary: str, series: str | None) -> Any:
        tid = f"a-us-001-{n:04d}"
        return {"transaction_id": tid, "merchant": merchant, "primary": [primary], "series": series}

    labels = [
        label(0, ["m_x"], "FOOD_AND_DRINK", "sub0"),
        label(1, ["m_x"], "FOOD_AND_DRINK", "sub0"),
        label(2, [], "INCOME", None),
        label(3, None, "BANK_FEES", None),
        {"kind": "series", "account_id": "a-us-001", "series": "sub0", "period": "monthly",
         "next_date": "2025-03-05"},
    ]  # fmt: skip
    enriched = [
        _enriched("a-us-001-0000", "2025-01-05", "m_x", "FOOD_AND_DRINK", "g1", None),
        _enriched("a-us-001-0001", "2025-02-05", "m_y", "FOOD_AND_DRINK", "g1", "monthly",
                  "2025-03-07"),
        _enriched("a-us-001-0002", "2025-02-10", "m_z", "TRANSFER_IN", "g2", "weekly"),
        _enriched("a-us-001-0003", "2025-02-11", "m_bank", "BANK_FEES", "g3", None),
    ]  # fmt: skip
    result = score(
        _jsonl(tmp_path / "enriched.jsonl", enriched), _jsonl(tmp_path / "labels.jsonl", labels)
    )
    figures = result["figures"]
    assert figures["merchant_top1_known_brands"] == 0.5  # m_x once, m_y once
    assert figures["left_unknown"] == 0.0  # the employer was named m_z
    assert figures["category_primary"] == 0.75  # INCOME came out TRANSFER_IN
    assert figures["recurrence_precision"] == 0.5  # g1 right, g2 a one-off called weekly
    assert figures["recurrence_recall"] == 1.0
    assert figures["next_date_within_3d"] == 1.0  # 2 days off
    assert result["most_common_misses"] == {"m_x -> m_y": 1, "unknown -> m_z": 1}


def test_the_model_cards_show_the_committed_run(tmp_path: Path) -> None:
    """Each card holds one bank-set section, from results.json, replaced in place."""
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    for model in ("merchant", "category"):
        (tmp_path / model).mkdir()
        (tmp_path / model / "MODEL_CARD.md").write_text("# Card\n\nBody.\n", encoding="utf-8")
    refresh(tmp_path)
    refresh(tmp_path)  # twice: still one section
    card = (tmp_path / "merchant" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.startswith("# Card\n\nBody.\n") and card.count(BEGIN) == 1
    assert card.endswith(section(results))
    us = results["sets"]["us"]["figures"]["merchant_top1_known_brands"]
    assert f"| merchant top-1, known brands | {100 * us:.1f} % |" in card
    # the committed cards carry the committed run
    for model in ("merchant", "category"):
        committed = (REPOSITORY / model / "MODEL_CARD.md").read_text(encoding="utf-8")
        assert section(results) in committed, model
