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

from models.training.brands import load_brands
from models.training.generate_data import ROOT, UNKNOWN, generate, taxonomy
from models.training.model_cards import write_cards
from models.training.train import REPO
from streams.core.enrichment import enrich
from streams.core.featurise import featurise
from streams.core.merchant import MIN_MERCHANT_CONFIDENCE, MerchantCatalogue
from streams.core.model_steps import TOP_K, postprocess, request_tensors
from streams.inference.local import onnx_session, onnx_step
from streams.inference.predictor import LocalPredictor
from streams.inference.repository import ModelRepository

HERE = ROOT / "models" / "training"
CATALOGUE = MerchantCatalogue.load()
THRESHOLDS = tuple(sorted({0.0, 0.3, MIN_MERCHANT_CONFIDENCE, 0.7}))
LAT_ROWS = 2048


def session(name: str, threads: int = 2) -> ort.InferenceSession:
    return onnx_session(str(REPO / name / "1" / "model.onnx"), threads=threads)


def open_aliases() -> list[str]:
    return [a for b in load_brands()[0] for a in b.aliases]


def labels(name: str, file: str = "labels.txt") -> list[str]:
    return (REPO / name / file).read_text(encoding="utf-8").split()


def predict(frame: pl.DataFrame, predictor: LocalPredictor) -> pl.DataFrame:
    """What the worker would say for each row: the ensemble, then the worker's own pure steps
    (``streams.core.enrichment.enrich``: counterparty cleaning, catalogue join, category).

    ``pred_merchant``/``merchant_conf`` are the merchant model's own answer (the threshold
    sweep and calibration read them); ``pred_*`` category columns are the pipeline's."""
    inputs = frame.select("description", "direction", "mcc")
    model = pl.concat(
        [predictor.predict_now(inputs.slice(s, 1024)) for s in range(0, frame.height, 1024)]
    )
    final = enrich(inputs, model, CATALOGUE)
    return frame.with_columns(
        pred_merchant=model["model_merchant_id"],
        final_merchant=final["merchant_id"].fill_null(UNKNOWN),
        merchant_conf=model["model_merchant_confidence"],
        pred_detailed=final["category_detailed"],
        category_conf=final["category_confidence"],
        pred_primary=final["category_primary"],
        pred_ctype=final["counterparty_type"],
        model_detailed=model["model_category_detailed"],
        primary=pl.col("category_detailed").replace_strict(taxonomy(), return_dtype=pl.String),
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
    # the headline is what the pipeline reports: the model's answer above the threshold
    out["merchant"] = sweep[str(MIN_MERCHANT_CONFIDENCE)] | {"threshold_sweep": sweep}
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
    model_primary = pred["model_detailed"].replace_strict(taxonomy(), return_dtype=pl.String)
    cat["model_only_primary"] = _rate(model_primary == pred["primary"])
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
        (pl.col("kind") == "brand") & (pl.col("final_merchant") != pl.col("merchant_id"))
    )
    local_fp = pred.filter((pl.col("kind") == "local") & (pl.col("final_merchant") != UNKNOWN))
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
    """ms per transaction, 1 thread: featurise + merchant + category + postprocess (labels
    and alias evidence), at batch 1/32/256."""
    merchant = onnx_step(session("merchant", 1))
    category = onnx_step(session("category", 1))
    labels = ModelRepository(REPO).labels()
    rows = frame.head(LAT_ROWS)
    result = {}
    for batch in (1, 32, 256):
        count = 256 if batch == 1 else LAT_ROWS
        timings = {"featurise": 0.0, "merchant": 0.0, "category": 0.0, "postprocess": 0.0}
        for start in range(0, count, batch):
            part = rows.slice(start, batch)
            description = request_tensors(part)["description"]  # as the request carries it
            t0 = time.perf_counter()
            feats: dict[str, Any] = featurise(part)
            t1 = time.perf_counter()
            found = merchant(feats)
            t2 = time.perf_counter()
            found |= category(feats)
            t3 = time.perf_counter()
            postprocess(found | {"description": description}, labels)
            t4 = time.perf_counter()
            timings["featurise"] += t1 - t0
            timings["merchant"] += t2 - t1
            timings["category"] += t3 - t2
            timings["postprocess"] += t4 - t3
        per = {k: 1000 * v / count for k, v in timings.items()}
        per["total"] = sum(per.values())
        result[f"batch_{batch}"] = {k: round(v, 4) for k, v in per.items()}
    return result


def main() -> None:
    predictor = LocalPredictor(ModelRepository(REPO), threads=2)
    test = generate("test")
    pred = predict(test, predictor)
    hand = pl.read_ndjson(HERE / "handwritten.jsonl", schema_overrides={"mcc": pl.String})
    hand_pred = predict(hand, predictor)
    res: dict[str, Any] = {
        "test": metrics(pred),
        "redraw": metrics(predict(generate("redraw"), predictor)),
        "handwritten": metrics(hand_pred),
        "failures": failures(pred),
        "failures_handwritten": failures(hand_pred, n=20),
        "latency_ms_per_txn": latency(test),
        "n_aliases": sum(1 for _ in open_aliases()),
        "top_k": TOP_K,
        "merchant_threshold": MIN_MERCHANT_CONFIDENCE,
    }
    (HERE / "eval_results.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    write_cards(res, labels)
    t = res["test"]
    print(
        json.dumps(
            {
                "merchant_top1": t["merchant"]["merchant_top1"],
                "unknown_precision_local": t["merchant"]["unknown_precision_local"],
                "redraw_merchant": res["redraw"]["merchant"]["merchant_top1"],
                "redraw_unknown": res["redraw"]["merchant"]["unknown_precision_local"],
                "redraw_primary": res["redraw"]["category"]["primary"]["accuracy"],
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
