"""File backfill throughput and memory: generated transactions -> `txenrich backfill` ->
enriched Parquet, models in process, no cache (cold), on this machine.

    .venv/bin/python bench/backfill.py [--records 1000000] [--out bench/results/backfill.json]

Figures, from one run:
- baseline: the same JSONL file read, each line's JSON decoded and encoded again, and
  written (no validation, no models): the least a per-record replay in Python costs here;
- backfill: `txenrich backfill FILE --out DIR.parquet` end to end (spill into account
  buckets, validation, pre-policies, models, recurrence, Parquet parts), its records/s and
  the ratio to the baseline;
- memory: the backfill's peak RSS over a quarter of the file and over all of it: bounded
  memory means the two are close, whatever the file's size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from streams.core.merchant import DEFAULT_CATALOGUE
from streams.core.wire import decode_value
from streams.demo.sample import sample_transactions
from streams.demo.sample_brands import load_brands

ROOT = Path(__file__).resolve().parents[1]
TXENRICH = str(Path(sys.executable).with_name("txenrich"))
_CHUNK = 100_000


def generate(path: Path, records: int) -> None:
    """``records`` sample transactions as JSONL, written chunk by chunk (each chunk its own
    seed and accounts, over the same year)."""
    brands = load_brands(DEFAULT_CATALOGUE)
    with path.open("wb") as handle:
        for chunk, first in enumerate(range(0, records, _CHUNK)):
            payloads = sample_transactions(
                min(_CHUNK, records - first),
                seed=1000 + chunk,
                accounts=60,
                months=12,
                start=date(2025, 1, 1),
                brands=brands,
            )
            for payload in payloads:
                try:
                    document = decode_value(payload.value, payload.content_type)
                    if isinstance(document, dict) and isinstance(document.get("account_id"), str):
                        document["account_id"] = f"{document['account_id']}-{chunk}"
                    line = json.dumps(document).encode()
                except (ValueError, TypeError):
                    line = b"{broken"  # the sample's malformed records that JSON cannot hold
                handle.write(line + b"\n")


def baseline(source: Path, out: Path) -> float:
    """Seconds for the least a per-record replay does: read each line, decode its JSON,
    encode it again and write it (broken lines copied as they are)."""
    started = time.perf_counter()
    with source.open("rb") as lines, out.open("wb") as sink:
        for line in lines:
            try:
                sink.write(json.dumps(json.loads(line)).encode() + b"\n")
            except ValueError:
                sink.write(line)
    return time.perf_counter() - started


def backfill(source: Path, out: Path, workdir: Path, limit: int | None) -> dict[str, Any]:
    """Run `txenrich backfill`; its summary, wall time and peak RSS."""
    argv = [TXENRICH, "backfill", str(source), "--out", str(out)]
    if limit is not None:
        argv += ["--limit", str(limit)]
    env = {**os.environ, "TXENRICH_DATA_DIR": str(workdir / "state"), "TXENRICH_REDIS_URL": ""}
    env["TXENRICH_TRITON_URL"] = ""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"backfill failed: {output}")
    last = output.strip().splitlines()[-1]
    fields = dict(part.split("=", 1) for part in last.removeprefix("summary: ").split())
    rows = int(fields["in"])
    return {
        "records": rows,
        "enriched": int(fields["enriched"]),
        "dead_lettered": int(fields["dead_lettered"]),
        "seconds": round(seconds, 2),
        "records_per_second": round(rows / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".txenrich" / "bench-backfill")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "backfill.json")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = args.workdir / "raw.jsonl"
    if not source.exists() or sum(1 for _ in source.open("rb")) != args.records:
        print(f"generating {args.records} transactions -> {source}", flush=True)
        generate(source, args.records)
    base_seconds = baseline(source, args.workdir / "baseline.jsonl")
    quarter = backfill(source, args.workdir / "quarter.parquet", args.workdir, args.records // 4)
    whole = backfill(source, args.workdir / "whole.parquet", args.workdir, None)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "records": args.records,
        "baseline_json_decode_encode": {
            "seconds": round(base_seconds, 2),
            "records_per_second": round(args.records / base_seconds),
        },
        "backfill_quarter": quarter,
        "backfill": whole,
        "ratio_to_baseline": round(whole["records_per_second"] * base_seconds / args.records, 4),
        "peak_rss_growth_quarter_to_whole": round(whole["peak_rss_mb"] / quarter["peak_rss_mb"], 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
