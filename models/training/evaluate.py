"""Evaluate the ONNX models on the held-out split and on hand-written descriptors.

    python -m models.training.evaluate          (from the repo root, after train)

Writes models/training/eval_results.json and the two model cards
(models/repository/{merchant,category}/MODEL_CARD.md). Accuracy figures are deterministic;
latency figures are measured on the machine that runs this and vary a little run to run.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from typing import Any

import numpy as np
import onnxruntime as ort
import polars as pl
from sklearn.metrics import f1_score

from models.training.generate_data import ROOT, UNKNOWN, generate, taxonomy
from models.training.train import REPO
from streams.core.featurise import featurise

HERE = ROOT / "models" / "training"
THRESHOLDS = (0.0, 0.3, 0.5, 0.7)
LAT_ROWS = 2048


def session(name: str, threads: int = 2) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    providers = [
        p
        for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
        if p in ort.get_available_providers()
    ]
    return ort.InferenceSession(str(REPO / name / "1" / "model.onnx"), opts, providers=providers)


def labels(name: str, file: str = "labels.txt") -> list[str]:
    return (REPO / name / file).read_text(encoding="utf-8").split()


def predict(frame: pl.DataFrame, merchant: Any, category: Any) -> pl.DataFrame:
    """Predictions and confidences for each row of ``frame`` (batches of 1024)."""
    m_labels, d_labels = labels("merchant"), labels("category")
    c_labels = labels("category", "counterparty_labels.txt")
    to_primary = taxonomy()
    parts = []
    for start in range(0, frame.height, 1024):
        feats = featurise(frame.slice(start, 1024))
        (pm,) = merchant.run(None, feats)
        pd_, pc = category.run(None, feats)
        parts.append((pm.argmax(1), pm.max(1), pd_.argmax(1), pd_.max(1), pc.argmax(1)))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    detailed = [d_labels[i] for i in cols[2]]
    return frame.with_columns(
        pred_merchant=pl.Series([m_labels[i] for i in cols[0]]),
        merchant_conf=pl.Series(cols[1].astype(np.float64)),
        pred_detailed=pl.Series(detailed),
        category_conf=pl.Series(cols[3].astype(np.float64)),
        pred_primary=pl.Series([to_primary[d] for d in detailed]),
        pred_ctype=pl.Series([c_labels[i] for i in cols[4]]),
        primary=pl.col("category_detailed").replace_strict(to_primary, return_dtype=pl.String),
    )


def calibration(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> dict[str, Any]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    table, ece = [], 0.0
    for lo, hi in itertools.pairwise(edges):
        sel = (conf > lo) & (conf <= hi) if lo > 0 else (conf <= hi)
        if sel.sum() == 0:
            continue
        acc, mean = float(correct[sel].mean()), float(conf[sel].mean())
        ece += sel.mean() * abs(acc - mean)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(sel.sum()), "conf": mean, "acc": acc})
    return {"ece": float(ece), "bins": table}


def _rate(mask: pl.Series) -> float:
    return float(mask.mean()) if len(mask) else float("nan")


def metrics(pred: pl.DataFrame) -> dict[str, Any]:
    brand = pred.filter(pl.col("kind") == "brand")
    local = pred.filter(pl.col("kind") == "local")
    other = pred.filter(~pl.col("kind").is_in(["brand", "local"]))
    out: dict[str, Any] = {"rows": pred.height, "brand_rows": brand.height}
    out["local_rows"], out["flow_rows"] = local.height, other.height
    sweep = {}
    for tau in THRESHOLDS:
        name = (
            pl.when(pl.col("merchant_conf") >= tau).then("pred_merchant").otherwise(pl.lit(UNKNOWN))
        )
        p = pred.with_columns(m=name)
        b, lo = p.filter(pl.col("kind") == "brand"), p.filter(pl.col("kind") == "local")
        nonbrand = p.filter(pl.col("merchant_id") == UNKNOWN)
        sweep[str(tau)] = {
            "merchant_top1": _rate(b["m"] == b["merchant_id"]),
            "unknown_precision_local": _rate(lo["m"] == UNKNOWN),
            "unknown_precision_all_nonbrand": _rate(nonbrand["m"] == UNKNOWN),
            "brand_called_unknown": _rate(b["m"] == UNKNOWN),
            "all_rows_merchant_acc": _rate(p["m"] == p["merchant_id"]),
        }
    out["merchant"] = sweep["0.0"] | {"threshold_sweep": sweep}
    correct = (pred["pred_merchant"] == pred["merchant_id"]).to_numpy()
    out["merchant"]["calibration"] = calibration(pred["merchant_conf"].to_numpy(), correct)
    cat: dict[str, Any] = {}
    for level, truth, guess in (
        ("primary", "primary", "pred_primary"),
        ("detailed", "category_detailed", "pred_detailed"),
    ):
        t, g = pred[truth].to_list(), pred[guess].to_list()
        cat[level] = {
            "accuracy": _rate(pred[truth] == pred[guess]),
            "macro_f1": float(f1_score(t, g, labels=sorted(set(t)), average="macro")),
        }
        cat[level]["by_kind"] = {
            k: _rate(grp[truth] == grp[guess])
            for k, grp in sorted(
                pred.with_columns(
                    group=pl.when(pl.col("kind").is_in(["brand", "local"]))
                    .then("kind")
                    .otherwise(pl.lit("flows"))
                )
                .group_by("group", maintain_order=True)
                .__iter__(),
                key=lambda kv: str(kv[0]),
            )
            for k in [str(k[0]) if isinstance(k, tuple) else str(k)]
        }
    correct_d = (pred["pred_detailed"] == pred["category_detailed"]).to_numpy()
    cat["calibration_detailed"] = calibration(pred["category_conf"].to_numpy(), correct_d)
    out["category"] = cat
    out["counterparty_type"] = {
        "accuracy": _rate(pred["pred_ctype"] == pred["counterparty_type"]),
        "macro_f1": float(
            f1_score(
                pred["counterparty_type"].to_list(),
                pred["pred_ctype"].to_list(),
                labels=sorted(set(pred["counterparty_type"].to_list())),
                average="macro",
            )
        ),
    }
    return out


def failures(pred: pl.DataFrame, n: int = 8) -> dict[str, list[dict[str, Any]]]:
    cols = ["description", "direction", "mcc"]
    wrong_brand = pred.filter(
        (pl.col("kind") == "brand") & (pl.col("pred_merchant") != pl.col("merchant_id"))
    )
    local_fp = pred.filter((pl.col("kind") == "local") & (pl.col("pred_merchant") != UNKNOWN))
    wrong_cat = pred.filter(pl.col("pred_primary") != pl.col("primary"))
    pairs = Counter(
        zip(wrong_cat["primary"].to_list(), wrong_cat["pred_primary"].to_list(), strict=True)
    )
    return {
        "merchant_wrong": wrong_brand.head(n)
        .select(*cols, "merchant_id", "pred_merchant", "merchant_conf")
        .to_dicts(),
        "local_called_brand": local_fp.head(n)
        .select(*cols, "pred_merchant", "merchant_conf")
        .to_dicts(),
        "category_wrong": wrong_cat.head(n)
        .select(*cols, "category_detailed", "pred_detailed", "category_conf")
        .to_dicts(),
        "category_confusions": [
            {"truth": a, "pred": b, "n": c} for (a, b), c in pairs.most_common(8)
        ],
    }


def latency(frame: pl.DataFrame) -> dict[str, Any]:
    """ms per transaction, 1 thread: featurise + merchant + category, at batch 1/32/256."""
    merchant, category = session("merchant", 1), session("category", 1)
    rows = frame.head(LAT_ROWS)
    result = {}
    for batch in (1, 32, 256):
        count = 256 if batch == 1 else LAT_ROWS
        timings = {"featurise": 0.0, "merchant": 0.0, "category": 0.0}
        for start in range(0, count, batch):
            part = rows.slice(start, batch)
            t0 = time.perf_counter()
            feats = featurise(part)
            t1 = time.perf_counter()
            merchant.run(None, feats)
            t2 = time.perf_counter()
            category.run(None, feats)
            t3 = time.perf_counter()
            timings["featurise"] += t1 - t0
            timings["merchant"] += t2 - t1
            timings["category"] += t3 - t2
        per = {k: 1000 * v / count for k, v in timings.items()}
        per["total"] = sum(per.values())
        result[f"batch_{batch}"] = {k: round(v, 4) for k, v in per.items()}
    return result


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _table(cal: dict[str, Any]) -> str:
    lines = ["| confidence | rows | mean conf | accuracy |", "|---|---|---|---|"]
    lines += [f"| {b['bin']} | {b['n']} | {b['conf']:.3f} | {b['acc']:.3f} |" for b in cal["bins"]]
    return "\n".join(lines) + f"\n\nECE = {cal['ece']:.4f}"


def _examples(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    out = []
    for r in rows:
        fields = ", ".join(
            f"{k}={r[k]!r}" if not isinstance(r[k], float) else f"{k}={r[k]:.2f}" for k in keys
        )
        out.append(f"- `{r['description']}` ({r['direction']}) -> {fields}")
    return "\n".join(out) or "- (none)"


def write_cards(res: dict[str, Any]) -> None:
    t, h = res["test"], res["handwritten"]
    summary = json.loads((HERE / "train_summary.json").read_text())
    size = {
        m: (REPO / m / "1" / "model.onnx").stat().st_size / 1e6 for m in ("merchant", "category")
    }
    lat = res["latency_ms_per_txn"]
    lat_md = "\n".join(
        f"| {b} | {v['featurise']:.3f} | {v['merchant']:.3f} | {v['category']:.3f} | {v['total']:.3f} |"
        for b, v in lat.items()
    )
    common = f"""## Data
Generated by `models/training/generate_data.py` (seeded): bank-style descriptors for the
catalogue merchants in `streams/reference/merchants.csv` (well-known brands drawn more
often), made-up local businesses (merchant `unknown`, category from their trade), and
non-merchant flows (payroll, P2P, own-account transfers, ATM, fees, interest, tax refunds
and payments, benefits, rent, mortgage/card/car/personal loan payments, deposits, checks).
Training rows: {summary["train_rows"]}. **Held-out test split** ({t["rows"]} rows): every noise
dimension draws only from pools training never saw - bank wrappers (e.g. `VISA DDA PUR`,
`DBT CRD`, `RECURRING PAYMENT AUTHORIZED ON`, `CONTACTLESS PAYMENT`), processor prefixes
(`CLV*`, `IZ *`, `ZTL*`), ACH layouts, truncation widths (19/23 instead of 22/25), typo
operations, cities, store-number styles, spaceless / `&`-`AND` brand forms, flow templates,
and the words of local-business, employer and person names. Brand names themselves are
necessarily shared. A second check uses {h["rows"]} hand-written descriptors
(`models/training/handwritten.jsonl`, US + UK styles).

## Inputs (from `streams.core.featurise.featurise`, version in the ONNX metadata)
`tokens` int64 [N, {summary.get("seq_len", 316)}], `mask` float32 [N, {summary.get("seq_len", 316)}], `mcc` int64 [N, 1], `dense` float32 [N, 2].

## Latency (ms per transaction, onnxruntime CPU, 1 thread, this machine)
| batch | featurise | merchant | category | total |
|---|---|---|---|---|
{lat_md}

Training time (whole recipe incl. data generation): {summary["train_seconds"]} s on 2 CPU cores.
"""
    m = t["merchant"]
    sweep = "\n".join(
        f"| {tau} | {_pct(v['merchant_top1'])} | {_pct(v['unknown_precision_local'])} | "
        f"{_pct(v['unknown_precision_all_nonbrand'])} | {_pct(v['brand_called_unknown'])} |"
        for tau, v in m["threshold_sweep"].items()
    )
    merchant_card = f"""# Merchant model

Raw description (+ direction, MCC) -> catalogue merchant id or `unknown`, with a confidence.

## Architecture
fastText-style: hashed character 3/4/5-grams and word uni/bigrams (2^18 buckets) -> 48-d
embeddings (float16 in the file), masked mean, concatenated with an 8-d MCC embedding and
the direction flags -> one linear layer -> softmax over {len(labels("merchant"))} labels
(`labels.txt`; index 0 is `unknown`). File: {size["merchant"]:.1f} MB. Output
`merchant_probs` float32 [N, {len(labels("merchant"))}].

Merchants sharing a descriptor alias (e.g. AT&T US / AT&T Mexico both print `AT&T`) cannot
be told apart by text; such an alias is labelled with the catalogue's main entry (the plain
slug, i.e. the shortest id), so the other ids are never predicted for that text.

## Figures on the held-out split
- **Merchant top-1 accuracy** (rows whose truth is a catalogue merchant, n={t["brand_rows"]}): **{_pct(m["merchant_top1"])}**
- **Unknown-merchant precision** (local-business rows, n={t["local_rows"]}: share whose
  prediction is `unknown`, i.e. NOT mislabelled as any brand): **{_pct(m["unknown_precision_local"])}**
- Same over every non-brand row (local businesses + flows): {_pct(m["unknown_precision_all_nonbrand"])}
- Brand rows called `unknown`: {_pct(m["brand_called_unknown"])}

Confidence threshold (predict `unknown` when the top probability is below it):

| threshold | merchant top-1 | unknown precision (local) | unknown precision (all non-brand) | brands lost to unknown |
|---|---|---|---|---|
{sweep}

### Calibration (all test rows, top-1 confidence vs correctness)
{_table(m["calibration"])}

## Hand-written descriptors (n={h["rows"]})
- merchant top-1 {_pct(h["merchant"]["merchant_top1"])} (n={h["brand_rows"]}), unknown precision (local) {_pct(h["merchant"]["unknown_precision_local"])} (n={h["local_rows"]})

## Where it fails (held-out examples)
Brands it gets wrong:
{_examples(res["failures"]["merchant_wrong"], ("merchant_id", "pred_merchant", "merchant_conf"))}

Local businesses called a brand:
{_examples(res["failures"]["local_called_brand"], ("pred_merchant", "merchant_conf"))}

Hand-written misses:
{_examples(res["failures_handwritten"]["merchant_wrong"] + res["failures_handwritten"]["local_called_brand"], ("pred_merchant", "merchant_conf"))}

Typical causes: catalogue names that are common words or places (`NAMUR`, `LUMEN`), very
short aliases, truncation that cuts a long name to a prefix shared with another brand,
and local names containing a word that is also a brand.

{common}"""
    c = t["category"]
    category_card = f"""# Category model

Raw description (+ direction, MCC) -> detailed category of the taxonomy
(`schemas/personal_finance_categories.csv`; primary is derived from detailed) and
counterparty type (merchant / person / employer / bank / government / unknown).

## Architecture
Hashed n-gram features as the merchant model, 24-d float16 embeddings, masked mean +
16-d MCC embedding + direction flags -> 128-unit ReLU layer -> two softmax heads:
`category_probs` float32 [N, {len(labels("category"))}] (`labels.txt`) and `counterparty_probs`
float32 [N, 6] (`counterparty_labels.txt`). File: {size["category"]:.1f} MB.

## Figures on the held-out split (n={t["rows"]})
| level | accuracy | macro-F1 |
|---|---|---|
| primary | **{_pct(c["primary"]["accuracy"])}** | {c["primary"]["macro_f1"]:.3f} |
| detailed | {_pct(c["detailed"]["accuracy"])} | {c["detailed"]["macro_f1"]:.3f} |
| counterparty type | {_pct(t["counterparty_type"]["accuracy"])} | {t["counterparty_type"]["macro_f1"]:.3f} |

Primary accuracy by row kind: {", ".join(f"{k} {_pct(v)}" for k, v in c["primary"]["by_kind"].items())}.

Brand rows are labelled with the catalogue's default category for the brand, so the
category model partly re-learns the catalogue; for an identified merchant the catalogue's
category is an alternative.

### Calibration (detailed category)
{_table(c["calibration_detailed"])}

## Hand-written descriptors (n={h["rows"]})
primary {_pct(h["category"]["primary"]["accuracy"])}, detailed {_pct(h["category"]["detailed"]["accuracy"])}, counterparty type {_pct(h["counterparty_type"]["accuracy"])}

## Where it fails
Most frequent primary confusions (truth -> predicted, held-out):
{chr(10).join(f"- {x['truth']} -> {x['pred']}: {x['n']}" for x in res["failures"]["category_confusions"])}

Examples:
{_examples(res["failures"]["category_wrong"], ("category_detailed", "pred_detailed", "category_conf"))}

Hand-written misses:
{_examples(res["failures_handwritten"]["category_wrong"], ("category_detailed", "pred_detailed", "category_conf"))}

{common}"""
    (REPO / "merchant" / "MODEL_CARD.md").write_text(merchant_card, encoding="utf-8")
    (REPO / "category" / "MODEL_CARD.md").write_text(category_card, encoding="utf-8")


def main() -> None:
    merchant, category = session("merchant"), session("category")
    print("providers:", merchant.get_providers())
    test = generate("test")
    pred = predict(test, merchant, category)
    hand = pl.read_ndjson(HERE / "handwritten.jsonl", schema_overrides={"mcc": pl.String})
    hand_pred = predict(hand, merchant, category)
    res: dict[str, Any] = {
        "test": metrics(pred),
        "handwritten": metrics(hand_pred),
        "failures": failures(pred),
        "failures_handwritten": failures(hand_pred, n=20),
        "latency_ms_per_txn": latency(test),
    }
    (HERE / "eval_results.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    write_cards(res)
    t = res["test"]
    print(
        json.dumps(
            {
                "merchant_top1": t["merchant"]["merchant_top1"],
                "unknown_precision_local": t["merchant"]["unknown_precision_local"],
                "category_primary": t["category"]["primary"]["accuracy"],
                "category_detailed": t["category"]["detailed"]["accuracy"],
                "counterparty": t["counterparty_type"]["accuracy"],
                "handwritten_merchant": res["handwritten"]["merchant"]["merchant_top1"],
                "handwritten_unknown": res["handwritten"]["merchant"]["unknown_precision_local"],
                "handwritten_primary": res["handwritten"]["category"]["primary"]["accuracy"],
                "latency": res["latency_ms_per_txn"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
