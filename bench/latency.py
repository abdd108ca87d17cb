"""Latency from produce to enriched at a steady offered rate, and the worker's memory.

    .venv/bin/python bench/latency.py [--rates 250 500 1000 5000] [--seconds 20] [--out FILE]

For each rate: a fresh `txenrich worker` (models in process, Redis cache, the default
batch settings) on the local Apache Kafka; a paced producer offers the sample at that rate
(every few ms, the records due by then) for the given seconds; a consumer of the enriched
and dead-letter topics notes when each record arrives. Latency = arrival of its output -
the moment its raw record was handed to the producer, so it includes the producer's
linger, both broker hops, the worker's batch wait and its processing. Reported:
p50/p95/p99/max ms, the rate achieved, and the worker's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from pathlib import Path
from typing import Any

from live_load import timed_stream

from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.kafka_admin import create_topics, wait_for_broker
from streams.shell.local_stack import LocalStack
from streams.shell.worker import (
    peak_rss_mb,
    start_worker_process,
    stop_process,
    wait_until_ready,
)

ROOT = Path(__file__).resolve().parents[1]


def _run(settings: Settings, rate: int, seconds: float, log: Path) -> dict[str, Any]:
    wait_for_broker(settings)
    create_topics(settings)
    records = list(sample_raw_records(int(rate * seconds), seed=rate))
    worker = start_worker_process(settings, log)
    try:
        wait_until_ready(settings, worker)
        run = timed_stream(settings, records, rate)
        rss = peak_rss_mb(worker.pid)
    finally:
        stop_process(worker)
    if not run.latencies_ms:
        raise SystemExit(f"no enriched record arrived at {rate}/s; see {log}")
    return {"offered_records_per_second": rate, **run.figures(), "worker_peak_rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[250, 500, 1000, 5000])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--batch-wait-seconds", type=float, default=0.0, help="the worker's setting (default 0)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latency.json")
    args = parser.parse_args()
    logging.getLogger("streams").setLevel(logging.ERROR)
    workdir = ROOT / ".txenrich" / "bench-latency"
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": args.seconds,
        "batch_wait_seconds": args.batch_wait_seconds,
        "runs": [],
    }
    with LocalStack(workdir / "stack") as stack:
        stack.start_broker()
        stack.start_redis()
        for rate in args.rates:
            settings = stack.scratch_settings(
                "latency", workdir, batch_wait_seconds=args.batch_wait_seconds
            )
            run = _run(settings, rate, args.seconds, workdir / f"worker-{rate}.log")
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
