"""Live latency with a topic backfill running beside it, against the same live stream alone.

    .venv/bin/python bench/backfill_beside_live.py [--rate 250] [--seconds 120]
        [--history 300000] [--processes N] [--yield-ms 200]
        [--out bench/results/backfill_beside_live.json]

One Apache Kafka and a CPU Triton on loopback, no cache; a history topic of generated
transactions is written first. Then, each phase with a fresh live worker (live topology:
Triton priority 1) and fresh live records:
- alone: the paced live stream, timed from the producer to its enriched record;
- beside: the same, while `txenrich backfill --from-topic HISTORY --since … --to-topic …`
  replays the history through the same broker at ``--nice`` (default
  TXENRICH_BACKFILL_NICE), its models in its own processes (``--backfill-models
  in-process``, the default) or on the same Triton's priority-2 lane (``triton``); the
  stream starts once the backfill writes enriched records, and the backfill's rate over
  the window is noted. The backfill yields to the live worker at ``--yield-ms`` (200 by
  default, as TXENRICH_BACKFILL_YIELD_MS; 0: it does not).
Reported: each phase's p50/p95/p99/max, the ratio of the p99s (goal: at most 1.5), and the
backfill's records/s while the live stream ran. One machine hosts it all, so the backfill
and the live worker share its cores as they would share a node.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from live_load import timed_stream

from streams.demo.run import sample_raw_records
from streams.inference.repository import DEFAULT_REPOSITORY
from streams.settings import Settings
from streams.shell.backfill_sources import TopicRange, topic_row_count
from streams.shell.kafka_admin import create_topics, wait_for_broker
from streams.shell.local_stack import LocalStack
from streams.shell.produce import produce_records
from streams.shell.worker import settings_env, start_worker_process, stop_process, wait_until_ready

ROOT = Path(__file__).resolve().parents[1]
TXENRICH = str(Path(sys.executable).with_name("txenrich"))


def _written(settings: Settings, topic: str) -> int:
    """Records in ``topic`` now."""
    return topic_row_count(settings, TopicRange(topic, datetime.fromtimestamp(0, tz=UTC)))


def _live(settings: Settings, rate: int, seconds: float, seed: int, log: Path) -> dict[str, Any]:
    records = sample_raw_records(int(rate * seconds), seed=seed)
    worker = start_worker_process(settings, log)
    try:
        wait_until_ready(settings, worker)
        run = timed_stream(settings, records, rate)
    finally:
        stop_process(worker)
    if not run.latencies_ms:
        raise SystemExit(f"no enriched record arrived; see {log}")
    return run.figures()


def _start_backfill(
    settings: Settings,
    history: str,
    out_topic: str,
    log: Path,
    models: str,
    nice: int,
    processes: int,
    yield_ms: int,
) -> subprocess.Popen[bytes]:
    argv = [TXENRICH, "backfill", "--from-topic", history, "--since", "2000-01-01T00:00:00Z"]
    argv += ["--to-topic", out_topic]
    with log.open("ab") as handle:
        process = subprocess.Popen(
            argv,
            env={
                **os.environ,
                **settings_env(settings),
                # its own models (niced with it), or Triton's low-priority lane
                **({"TXENRICH_TRITON_URL": ""} if models == "in-process" else {}),
                "TXENRICH_BACKFILL_NICE": str(nice),
                "TXENRICH_BACKFILL_PROCESSES": str(processes),
                "TXENRICH_BACKFILL_YIELD_MS": str(yield_ms),
            },
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=log.parent,
        )
    deadline = time.monotonic() + 300
    while _written(settings, out_topic) == 0:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the backfill wrote nothing; see {log}")
        time.sleep(1)
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=250, help="live records/s")
    parser.add_argument("--seconds", type=float, default=120.0, help="of live stream per phase")
    parser.add_argument("--history", type=int, default=300_000, help="records to backfill")
    parser.add_argument(
        "--backfill-models",
        choices=("in-process", "triton"),
        default="in-process",
        help="where the backfill's models run: its own processes (at its nice level) or the "
        "live worker's Triton (priority 2, request_rows)",
    )
    parser.add_argument(
        "--nice", type=int, default=Settings().backfill_nice, help="the backfill's nice level"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=Settings().backfill_processes,
        help="the backfill's pool (TXENRICH_BACKFILL_PROCESSES; 0: one per CPU)",
    )
    parser.add_argument(
        "--yield-ms",
        type=int,
        default=200,
        help="pause the backfill while live records wait longer than this on average "
        "(TXENRICH_BACKFILL_YIELD_MS; 0: never)",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "backfill_beside_live.json"
    )
    args = parser.parse_args()
    logging.getLogger("streams").setLevel(logging.ERROR)
    workdir = ROOT / ".txenrich" / "bench-beside-live"
    workdir.mkdir(parents=True, exist_ok=True)
    with LocalStack(workdir / "stack") as stack:
        stack.start_broker()
        triton = stack.start_triton(DEFAULT_REPOSITORY)
        # No cache: every live row goes to a model in both phases (with one, the backfill
        # would warm it for the live stream and flatter the second phase).
        settings = stack.scratch_settings(
            "beside", workdir, triton_url=triton.grpc_url, redis_url=None
        )
        wait_for_broker(settings)
        create_topics(settings)
        history = stack.scratch_settings("history", workdir)
        create_topics(history)
        produce_records(history, sample_raw_records(args.history, seed=90))
        print(f"history: {args.history} records in {history.topics.raw}", flush=True)

        alone = _live(settings, args.rate, args.seconds, 91, workdir / "live-alone.log")
        print("alone:", json.dumps(alone), flush=True)

        out_topic = settings.topics.backfill_enriched
        backfill = _start_backfill(
            settings,
            history.topics.raw,
            out_topic,
            workdir / "bf.log",
            args.backfill_models,
            args.nice,
            args.processes,
            args.yield_ms,
        )
        try:
            before, started = _written(settings, out_topic), time.monotonic()
            beside = _live(settings, args.rate, args.seconds, 92, workdir / "live-beside.log")
            backfilled = _written(settings, out_topic) - before
            window = time.monotonic() - started
            still_running = backfill.poll() is None
        finally:
            backfill.terminate()
            backfill.wait(30)
        print("beside:", json.dumps(beside), flush=True)

    result = {
        "when": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "live_records_per_second": args.rate,
        "seconds": args.seconds,
        "backfill_nice": args.nice,
        "backfill_processes": args.processes,
        "backfill_yield_ms": args.yield_ms,
        "backfill_models": args.backfill_models,
        "alone": alone,
        "beside_backfill": beside,
        "p99_ratio": round(beside["p99_ms"] / alone["p99_ms"], 2),
        "backfill_records_per_second_during": round(backfilled / window),
        # the backfill ran through the whole live window (else the ratio flatters it)
        "backfill_overlapped_window": still_running,
    }
    print(json.dumps(result, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
