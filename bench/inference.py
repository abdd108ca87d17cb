"""In-process onnxruntime vs a real Triton (CPU), the Redis cache, and the breaker's switch.

    .venv/bin/python bench/inference.py [--out bench/results/inference.json] [--seconds 3]

All figures come from one run on one machine, each path measured on the same rows:
- latency: per-batch wall time (p50, p95) and rows/s of the ``enrich`` ensemble at batch 1,
  32, 256 and 1024, in process (LocalPredictor) and through Triton over gRPC
  (TritonPredictor); the ratio Triton / in-process is the cost of the hop;
- cache: a 500-row micro-batch through BatchProcessor (Triton + Redis) at 0, 50, 90 and
  100 % cache hits;
- queue delay: Triton's max_queue_delay_microseconds (2000 in the repository) set to 0,
  2000 and 20000 on a copy of the repository, with 4 concurrent clients sending 32-row
  batches (many small workers) and 1 client sending 256-row batches (one busy worker):
  what the dynamic batcher's wait buys in throughput and costs in latency;
- breaker: batches of 256 flow through FallbackPredictor while Triton is SIGKILLed, then
  restarted on the same ports: time from the kill to the first batch answered in process,
  the slowest batch around the switch, and time from Triton ready to the first batch it
  answers again.
Each cell runs for a bounded time (--seconds); the whole run takes about two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
import redis

from streams.core.merchant import MerchantCatalogue
from streams.core.types import InboundMessage
from streams.core.validation import validate_batch
from streams.demo.run import sample_raw_records
from streams.inference.breaker import BreakerPolicy, CircuitBreaker
from streams.inference.fallback import FallbackPredictor
from streams.inference.predictor import LocalPredictor, Predictor
from streams.inference.repository import ModelRepository
from streams.inference.triton_client import TritonPredictor
from streams.shell.cache import EnrichmentCache
from streams.shell.local_stack import LocalStack
from streams.shell.processor import BatchProcessor

ROOT = Path(__file__).resolve().parents[1]
BATCHES = (1, 32, 256, 1024)


def _messages(n: int, seed: int) -> list[InboundMessage]:
    return [r.as_inbound(i) for i, r in enumerate(sample_raw_records(n, seed=seed))]


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def _latency(
    predictor: Predictor, frame: pl.DataFrame, batch: int, seconds: float
) -> dict[str, float]:
    for start in range(0, 3 * batch, batch):  # warm-up at this size
        await predictor.predict(frame.slice(start % (frame.height - batch + 1), batch))
    times: list[float] = []
    began = time.perf_counter()
    while time.perf_counter() - began < seconds or len(times) < 5:
        start = (len(times) * batch) % (frame.height - batch + 1)
        tick = time.perf_counter()
        await predictor.predict(frame.slice(start, batch))
        times.append(time.perf_counter() - tick)
    return {
        "p50_ms": _ms(times, 0.5),
        "p95_ms": _ms(times, 0.95),
        "rows_per_s": round(batch * len(times) / sum(times), 1),
        "batches": len(times),
    }


async def _latencies(
    local: LocalPredictor, triton: TritonPredictor, frame: pl.DataFrame, seconds: float
) -> list[dict[str, Any]]:
    rows = []
    for batch in BATCHES:
        here = await _latency(local, frame, batch, seconds)
        there = await _latency(triton, frame, batch, seconds)
        rows.append(
            {
                "batch": batch,
                "in_process": here,
                "triton": there,
                "triton_over_in_process_p50": round(there["p50_ms"] / here["p50_ms"], 2),
            }
        )
        print(
            f"batch {batch:>5}: in process {here['p50_ms']:>8} ms, triton {there['p50_ms']:>8} ms",
            flush=True,
        )
    return rows


async def _cache_effect(
    triton: TritonPredictor, redis_url: str, seconds: float
) -> list[dict[str, Any]]:
    catalogue = MerchantCatalogue.load()
    rows = []
    for ratio in (0.0, 0.5, 0.9, 1.0):
        cache = EnrichmentCache(redis_url, ttl_seconds=600)
        redis.Redis.from_url(redis_url).flushdb()  # a clean slate per cell
        processor = BatchProcessor(catalogue, triton, cache)
        seen = _messages(500, seed=900)
        await processor.process(seen)  # these descriptions are now cached
        times: list[float] = []
        hits: list[int] = []
        began = time.perf_counter()
        seed = 1000
        while time.perf_counter() - began < seconds or len(times) < 3:
            fresh = _messages(500, seed=seed)
            seed += 1
            known = int(500 * ratio)
            batch = seen[:known] + fresh[: 500 - known]
            tick = time.perf_counter()
            output = await processor.process(batch)
            times.append(time.perf_counter() - tick)
            hits.append(output.cache_hits)
        await cache.close()
        rows.append(
            {
                "target_hit_ratio": ratio,
                "measured_hit_ratio": round(statistics.mean(hits) / 500, 3),
                "batch_p50_ms": _ms(times, 0.5),
                "rows_per_s": round(500 * len(times) / sum(times), 1),
            }
        )
        print(f"cache {ratio:.0%}: {rows[-1]['batch_p50_ms']} ms per 500-row batch", flush=True)
    return rows


async def _concurrent(
    url: str,
    repository: ModelRepository,
    frame: pl.DataFrame,
    clients: int,
    batch: int,
    seconds: float,
) -> dict[str, float]:
    predictors = [TritonPredictor(url, repository, timeout_seconds=60) for _ in range(clients)]
    times: list[float] = []

    async def client(k: int, predictor: TritonPredictor, until: float) -> None:
        n = 0
        while time.perf_counter() < until:
            start = ((k * 997 + n) * batch) % (frame.height - batch)
            tick = time.perf_counter()
            await predictor.predict(frame.slice(start, batch))
            times.append(time.perf_counter() - tick)
            n += 1

    warm = time.perf_counter() + 1
    await asyncio.gather(*(client(k, p, warm) for k, p in enumerate(predictors)))
    times.clear()
    began = time.perf_counter()
    await asyncio.gather(*(client(k, p, began + seconds) for k, p in enumerate(predictors)))
    elapsed = time.perf_counter() - began
    for predictor in predictors:
        await predictor.close()
    return {
        "p50_ms": _ms(times, 0.5),
        "p95_ms": _ms(times, 0.95),
        "rows_per_s": round(batch * len(times) / elapsed, 1),
    }


def _with_queue_delay(source: Path, target: Path, microseconds: int) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    for config in target.glob("*/configs/cpu.pbtxt"):
        text = config.read_text()
        config.write_text(
            re.sub(
                r"max_queue_delay_microseconds: \d+",
                f"max_queue_delay_microseconds: {microseconds}",
                text,
            )
        )
    return target


def _queue_delay_tradeoff(
    workdir: Path, frame: pl.DataFrame, seconds: float
) -> list[dict[str, Any]]:
    repository = ModelRepository()
    rows = []
    for delay in (0, 2000, 20000):
        with (
            tempfile.TemporaryDirectory() as scratch,
            LocalStack(workdir / f"queue-delay-{delay}") as stack,
        ):
            copy = _with_queue_delay(repository.root, Path(scratch) / "repository", delay)
            url = stack.start_triton(copy).grpc_url
            many = asyncio.run(_concurrent(url, repository, frame, 4, 32, seconds))
            one = asyncio.run(_concurrent(url, repository, frame, 1, 256, seconds))
        rows.append(
            {"max_queue_delay_us": delay, "4_clients_batch_32": many, "1_client_batch_256": one}
        )
        print(f"queue delay {delay} us: 4x32 {many}, 1x256 {one}", flush=True)
    return rows


async def _breaker(
    stack: LocalStack, repository: ModelRepository, frame: pl.DataFrame
) -> dict[str, Any]:
    endpoints = stack.triton
    assert endpoints is not None
    remote = TritonPredictor(endpoints.grpc_url, repository, timeout_seconds=1.0)
    policy = BreakerPolicy(failure_threshold=1, open_seconds=0.5, max_open_seconds=2.0)
    predictor = FallbackPredictor(remote, LocalPredictor(repository), CircuitBreaker(policy))
    events: list[tuple[float, str, float]] = []  # (finished at, path, batch seconds)

    async def flow(until: float) -> None:
        k = 0
        while time.perf_counter() < until:
            tick = time.perf_counter()
            answer = await predictor.predict(frame.slice((k * 256) % (frame.height - 256), 256))
            events.append((time.perf_counter(), answer.path, time.perf_counter() - tick))
            k += 1

    await flow(time.perf_counter() + 2)
    killed = time.perf_counter()
    stack.process("triton").kill()
    await flow(killed + 3)
    first_local = next(t for t, path, _ in events if t > killed and path == "local")
    around = [s for t, _, s in events if killed - 0.5 < t < first_local + 0.5]
    await asyncio.to_thread(stack.start_triton, repository.root, "cpu", 120.0, endpoints)
    ready = time.perf_counter()
    await flow(ready + 6)
    back = [t for t, path, _ in events if t > ready and path == "triton"]
    await predictor.close()
    result = {
        "kill_to_first_in_process_batch_ms": round(1000 * (first_local - killed), 1),
        "slowest_batch_around_switch_ms": round(1000 * max(around), 1),
        "triton_ready_to_first_triton_batch_ms": round(1000 * (back[0] - ready), 1)
        if back
        else None,
        "breaker": {
            "open_seconds": policy.open_seconds,
            "max_open_seconds": policy.max_open_seconds,
        },
    }
    print(f"breaker: {result}", flush=True)
    return result


async def _run(stack: LocalStack, seconds: float) -> dict[str, Any]:
    repository = ModelRepository()
    frame = validate_batch(_messages(4096, seed=77)).valid.select("description", "direction", "mcc")
    local = LocalPredictor(repository)
    assert stack.triton is not None and stack.redis_url is not None
    triton = TritonPredictor(stack.triton.grpc_url, repository, timeout_seconds=60)
    try:
        latency = await _latencies(local, triton, frame, seconds)
        cache = await _cache_effect(triton, stack.redis_url, seconds)
    finally:
        await triton.close()
    breaker = await _breaker(stack, repository, frame)
    return {"latency_by_batch": latency, "cache": cache, "breaker_switch": breaker}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "inference.json")
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measured cell")
    args = parser.parse_args()
    workdir = ROOT / ".txenrich" / "bench-inference"
    with LocalStack(workdir) as stack:
        stack.start_redis()
        stack.start_triton(ModelRepository().root)
        figures = asyncio.run(_run(stack, args.seconds))
    frame = validate_batch(_messages(4096, seed=78)).valid.select("description", "direction", "mcc")
    figures["queue_delay"] = _queue_delay_tradeoff(workdir, frame, args.seconds)
    results = {
        "when": time.strftime("%Y-%m-%d"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "gpu": False},
        **figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
