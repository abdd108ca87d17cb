"""Merchant, category and recurrence figures on the bank sets (``build``), as a user gets
them: each set through ``txenrich backfill SET --out OUT.jsonl`` (models in process, no
Redis), then every enriched record scored against its label.

    .venv/bin/python -m models.evaluation.bank_sets.evaluate \
        [--out models/evaluation/bank_sets/results.json] [--keep DIR]

Figures per set (the issue's table):
- merchant top-1 on known brands: records labelled with a brand whose merchant id is one of
  the label's ids;
- left unknown: records of local shops, people and employers with no merchant;
- category primary: records whose primary category is one of the label's;
- recurrence precision / recall: the pipeline's series (recurrence group ids), each judged
  on its last record: a period claimed is right when most of the group's records belong to
  one labelled series of that period; recall is the labelled series some group gets right;
- next date within 3 days: of the series got right, the next expected date against the
  held-out next occurrence.
Breakdowns by country and by flow show where the misses are.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Final

from models.evaluation.bank_sets.build import write
from models.evaluation.bank_sets.cards import RESULTS, refresh

HERE: Final = Path(__file__).resolve().parent
TXENRICH: Final = str(Path(sys.executable).with_name("txenrich"))
GOALS: Final = {
    "merchant_top1_known_brands": 0.96,
    "left_unknown": 0.93,
    "category_primary": 0.94,
    "recurrence_precision": 0.96,
    "recurrence_recall": 0.96,
    "next_date_within_3d": 0.95,
}


def frozen_digests() -> dict[str, str]:
    """The sha256 of each set file as it was frozen (``sets.sha256``)."""
    lines = (HERE / "sets.sha256").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split() for line in lines)}


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def enrich(source: Path, out: Path, work: Path) -> None:
    """``txenrich backfill source --out out`` as the README runs it, models in process."""
    env = {
        **os.environ,
        "TXENRICH_DATA_DIR": str(work / "state"),
        "TXENRICH_TRITON_URL": "",
        "TXENRICH_REDIS_URL": "",
    }
    subprocess.run(
        [TXENRICH, "backfill", str(source), "--out", str(out)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _recurrence(
    enriched: dict[str, dict[str, Any]], labels: list[dict[str, Any]]
) -> dict[str, Any]:
    series = {(s["account_id"], s["series"]): s for s in labels if s.get("kind") == "series"}
    member = {
        r["transaction_id"]: (r["transaction_id"].rsplit("-", 1)[0], r["series"])
        for r in labels
        if r.get("kind") != "series"
    }
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in enriched.values():
        recurrence = record.get("recurrence") or {}
        if recurrence.get("group_id"):
            groups[recurrence["group_id"]].append(record)
    claimed = right = 0
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for records in groups.values():
        last = max(records, key=lambda r: (r["date"], r["transaction_id"]))
        period = last["recurrence"]["period"]
        if period is None:
            continue
        claimed += 1
        owners = Counter(member[r["transaction_id"]] for r in records)
        ((owner, count),) = owners.most_common(1)
        truth = series.get(owner) if owner[1] is not None else None
        if truth is not None and count * 2 > len(records) and truth["period"] == period:
            right += 1
            found[owner] = last["recurrence"]
    within = sum(
        1
        for key, recurrence in found.items()
        if recurrence["next_expected_date"] is not None
        and abs(
            (
                date.fromisoformat(recurrence["next_expected_date"])
                - date.fromisoformat(series[key]["next_date"])
            ).days
        )
        <= 3
    )
    missed = Counter(series[k]["series"].rstrip("0123456789") for k in series if k not in found)
    return {
        "recurrence_precision": _share(right, claimed),
        "recurrence_recall": _share(len(found), len(series)),
        "next_date_within_3d": _share(within, len(found)),
        "series": len(series),
        "series_claimed": claimed,
        "series_missed_by_kind": dict(sorted(missed.items())),
    }


def score(enriched_path: Path, labels_path: Path) -> dict[str, Any]:
    """The figures of one set."""
    enriched = {r["transaction_id"]: r for r in _read(enriched_path)}
    labels = _read(labels_path)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    misses: Counter[str] = Counter()
    for label in labels:
        if label.get("kind") == "series":
            continue
        tid = label["transaction_id"]
        record = enriched.get(tid)
        country = tid.split("-")[1].upper()
        got = (record or {}).get("merchant") or {}
        merchant_id = got.get("id")
        expected = label["merchant"]
        if expected:  # a brand
            ok = merchant_id in expected
            tally["brand"].update(total=1, hit=int(ok))
            tally[f"brand {country}"].update(total=1, hit=int(ok))
            if not ok:
                misses[f"{expected[0]} -> {merchant_id}"] += 1
        elif expected == []:  # must stay unknown
            ok = merchant_id is None
            tally["unknown"].update(total=1, hit=int(ok))
            tally[f"unknown {country}"].update(total=1, hit=int(ok))
            if not ok:
                misses[f"unknown -> {merchant_id}"] += 1
        primary = ((record or {}).get("category") or {}).get("primary")
        ok = primary in label["primary"]
        tally["category"].update(total=1, hit=int(ok))
        tally[f"category {country}"].update(total=1, hit=int(ok))
        tally[f"category {label['primary'][0]}"].update(total=1, hit=int(ok))
    figures = {
        "merchant_top1_known_brands": _share(tally["brand"]["hit"], tally["brand"]["total"]),
        "left_unknown": _share(tally["unknown"]["hit"], tally["unknown"]["total"]),
        "category_primary": _share(tally["category"]["hit"], tally["category"]["total"]),
        **_recurrence(enriched, labels),
    }
    breakdown = {
        key: {"share": _share(c["hit"], c["total"]), "records": c["total"]}
        for key, c in sorted(tally.items())
        if " " in key
    }
    return {
        "records": len(enriched),
        "figures": figures,
        "meets_goals": all(
            figures[name] is not None and figures[name] >= goal for name, goal in GOALS.items()
        ),
        "breakdown": breakdown,
        "most_common_misses": dict(misses.most_common(25)),
    }


def _enricher(enriched: Path) -> str | None:
    """The models and catalogue version the enriched records were stamped with."""
    with enriched.open(encoding="utf-8") as handle:
        first = handle.readline()
    versions = (json.loads(first).get("model_versions") or {}) if first else {}
    enricher = versions.get("enricher")
    return str(enricher) if enricher else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the sets, labels and enriched outputs in this folder (to read the misses)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bank-sets-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        digests = write(work / "sets")
        if digests != frozen_digests():
            raise SystemExit(
                "the bank sets differ from models/evaluation/bank_sets/sets.sha256: they are "
                "frozen; a changed set is a new set, not a better score"
            )
        results: dict[str, Any] = {"goals": GOALS, "enricher": None, "sets": {}}
        for region in ("us", "europe"):
            out = work / f"{region}.enriched.jsonl"
            enrich(work / "sets" / f"{region}.jsonl", out, work / region)
            results["enricher"] = results["enricher"] or _enricher(out)
            results["sets"][region] = {
                "sha256": digests[f"{region}.jsonl"],
                **score(out, work / "sets" / f"{region}.labels.jsonl"),
            }
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if args.out.resolve() == RESULTS:  # the committed run: the model cards show it too
        refresh()
    width = max(len(name) for name in GOALS)
    print(f"{'figure':<{width}}  {'us':>7}  {'europe':>7}  goal")
    for name, goal in GOALS.items():
        values = [results["sets"][r]["figures"][name] for r in ("us", "europe")]
        cells = "  ".join(f"{v:>7.3f}" if v is not None else "      -" for v in values)
        print(f"{name:<{width}}  {cells}  >= {goal}")


if __name__ == "__main__":
    main()
