"""Worker throughput against a baseline measured in the same run, on the same broker.

    .venv/bin/python bench/throughput.py [--records 20000] [--out bench/results/throughput.json]

Figures, each over the same pre-produced sample:
- plain loop: confluent-kafka `consume(batch)` -> `produce`, bytes untouched, one flush at the
  end (the broker's and client's ceiling), and the same with a flush and a synchronous commit
  per batch (the ceiling for a loop that commits only what the broker acknowledged);
- faust passthrough: a faust-streaming agent forwarding raw bytes (what the framework the
  worker no longer runs on could move, at best);
- worker: the real `txenrich worker` (validation, enrichment, Redis cache, outputs), with
  the models in process, and with the models on a local Triton (CPU) over gRPC;
- core: the pure pipeline in process (validate + enrich + encode), no Kafka; and its cost
  per batch at sizes 10 to 500 (the fixed part per batch is what small batches pay).
The speed that matters is the ratio worker / plain loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import redis
from confluent_kafka import Consumer, Producer

from streams.core.merchant import MerchantCatalogue
from streams.demo.run import sample_raw_records
from streams.inference.predictor import LocalPredictor
from streams.inference.repository import ModelRepository
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.kafka_admin import create_topics, wait_for_broker
from streams.shell.local_stack import LocalStack
from streams.shell.processor import BatchProcessor
from streams.shell.produce import OutgoingRaw, produce_records
from streams.shell.worker import settings_env, stop_process, wait_until_ready

ROOT = Path(__file__).resolve().parents[1]


def _settings(
    stack: LocalStack, workdir: Path, batch_size: int, triton_url: str | None = None
) -> Settings:
    return stack.scratch_settings("bench", workdir, batch_size=batch_size, triton_url=triton_url)


def _pre_produce(settings: Settings, records: list[OutgoingRaw]) -> None:
    """The backlog every path reads: uncompressed, the one codec faust's client reads here."""
    plain = settings.kafka.model_copy(update={"compression": "none"})
    produce_records(settings.model_copy(update={"kafka": plain}), records)


def _run_worker(
    argv: list[str], settings: Settings, records: list[OutgoingRaw], log: Path
) -> float:
    """Records/s from worker readiness to the last output, over a pre-produced backlog."""
    wait_for_broker(settings)
    create_topics(settings)
    _pre_produce(settings, records)
    env = {**os.environ, **settings_env(settings)}
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(settings, process)
        started = time.perf_counter()
        topics = [settings.topics.enriched, settings.topics.dead_letter]
        seen = sum(
            1
            for _ in follow(
                settings, topics, max_records=len(records), idle_timeout=60, decode=False
            )
        )
        elapsed = time.perf_counter() - started
    finally:
        stop_process(process)
    if seen != len(records):
        raise SystemExit(f"only {seen} of {len(records)} outputs; see {log}")
    return len(records) / elapsed


def _plain_loop(
    settings: Settings, records: list[OutgoingRaw], *, commit_each_batch: bool
) -> float:
    """Records/s of a bare confluent-kafka consume -> produce loop over a pre-produced backlog."""
    wait_for_broker(settings)
    create_topics(settings)
    _pre_produce(settings, records)
    consumer = Consumer(
        {**settings.kafka.consumer_config(settings.app_id), "auto.offset.reset": "earliest"}
    )
    producer = Producer(settings.kafka.producer_config())
    consumer.subscribe([settings.topics.raw])
    seen = 0
    started = 0.0
    try:
        while seen < len(records):
            batch = consumer.consume(settings.batch_size, timeout=1.0)
            if batch and not started:
                started = time.perf_counter()
            for message in batch:
                if message.error() is None:
                    producer.produce(settings.topics.enriched, message.value(), message.key())
                    seen += 1
                producer.poll(0)
            if commit_each_batch and batch:
                producer.flush()
                consumer.commit(asynchronous=False)
        producer.flush()
        return len(records) / (time.perf_counter() - started)
    finally:
        consumer.close()


def _core_rate(records: list[OutgoingRaw], batch_size: int) -> float:
    catalogue, predictor = MerchantCatalogue.load(), LocalPredictor()
    now_ms = int(time.time() * 1000)
    messages = [r.as_inbound(i, timestamp_ms=now_ms) for i, r in enumerate(records)]

    async def run(processor: BatchProcessor) -> None:
        for start in range(0, len(messages), batch_size):
            await processor.process(messages[start : start + batch_size])

    asyncio.run(run(BatchProcessor(catalogue, predictor)))  # warm-up: the model's first calls
    # a processor that remembers no description yet, as a worker just started
    processor = BatchProcessor(catalogue, predictor)
    started = time.perf_counter()
    asyncio.run(run(processor))
    return len(messages) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "throughput.json")
    args = parser.parse_args()

    logging.getLogger("streams").setLevel(logging.ERROR)  # the sample's dead letters
    records = sample_raw_records(args.records, seed=21)
    workdir = ROOT / ".txenrich" / "bench"
    results: dict[str, Any] = {
        "records": args.records,
        "batch_size": args.batch_size,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    with LocalStack(workdir / "stack") as stack:
        stack.start_broker()
        stack.start_redis()
        triton = stack.start_triton(ModelRepository().root).grpc_url
        py = sys.executable
        plain = _plain_loop(
            _settings(stack, workdir, args.batch_size), records, commit_each_batch=False
        )
        plain_committed = _plain_loop(
            _settings(stack, workdir, args.batch_size), records, commit_each_batch=True
        )
        passthrough = _run_worker(
            [py, str(ROOT / "bench" / "passthrough_worker.py")],
            _settings(stack, workdir, args.batch_size),
            records,
            workdir / "passthrough.log",
        )
        worker_cold = _run_worker(
            [py, "-m", "streams", "worker"],
            _settings(stack, workdir, args.batch_size),
            records,
            workdir / "worker-cold.log",
        )
        worker_warm = _run_worker(
            [py, "-m", "streams", "worker"],
            _settings(stack, workdir, args.batch_size),
            records,
            workdir / "worker-warm.log",
        )
        redis.Redis.from_url(str(stack.redis_url)).flushdb()  # the Triton run starts cold
        worker_triton = _run_worker(
            [py, "-m", "streams", "worker"],
            _settings(stack, workdir, args.batch_size, triton),
            records,
            workdir / "worker-triton-cold.log",
        )
    results["records_per_second"] = {
        "plain_loop": round(plain),
        "plain_loop_commit_each_batch": round(plain_committed),
        "faust_passthrough": round(passthrough),
        "worker_cache_cold": round(worker_cold),
        "worker_cache_warm": round(worker_warm),
        "worker_triton_cache_cold": round(worker_triton),
        "core_in_process": round(_core_rate(records, args.batch_size)),
    }
    results["ratio_vs_plain_loop"] = {
        "plain_loop_commit_each_batch": round(plain_committed / plain, 3),
        "faust_passthrough": round(passthrough / plain, 3),
        "worker_cache_cold": round(worker_cold / plain, 3),
        "worker_cache_warm": round(worker_warm / plain, 3),
        "worker_triton_cache_cold": round(worker_triton / plain, 3),
    }
    # what a batch costs the core by its size: the fixed part is what a small batch (low
    # latency at a modest rate) pays for every record
    results["core_ms_per_batch"] = {
        str(size): round(size / _core_rate(records[:3000], size) * 1000, 1)
        for size in (10, 50, 200, 500)
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
