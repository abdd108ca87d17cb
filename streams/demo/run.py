"""`txenrich demo`: the whole local stack end to end, then a summary. Stops all it started."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from streams.core.merchant import DEFAULT_CATALOGUE
from streams.demo.sample import sample_transactions
from streams.demo.sample_brands import load_brands
from streams.errors import LocalStackError
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.kafka_admin import create_topics, wait_for_broker
from streams.shell.local_stack import LocalStack, free_port
from streams.shell.produce import OutgoingRaw, produce_records
from streams.shell.worker import start_worker_process, stop_process, wait_until_ready

__all__ = ["DemoSummary", "run_demo", "sample_raw_records"]

SAMPLE_START = date(2025, 1, 1)


@dataclass
class DemoSummary:
    produced: int = 0
    enriched: int = 0
    dead_lettered: int = 0
    seconds: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    recurring: list[str] = field(default_factory=list)
    accounts: Counter[str] = field(default_factory=Counter)
    paths: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        """The machine-readable last line."""
        return (
            f"summary: in={self.produced} enriched={self.enriched} "
            f"dead_lettered={self.dead_lettered} seconds={self.seconds:.2f}"
        )


def sample_raw_records(n: int, seed: int = 7) -> list[OutgoingRaw]:
    """The demo's sample: realistic accounts over six months, about 3 % malformed."""
    payloads = sample_transactions(
        n, seed=seed, start=SAMPLE_START, brands=load_brands(DEFAULT_CATALOGUE)
    )
    return [OutgoingRaw(p.key, p.value, p.content_type) for p in payloads]


def _collect(
    settings: Settings,
    summary: DemoSummary,
    show: int,
    echo: Callable[[str], None],
    timeout: float,
    render: Callable[[dict[str, Any]], str],
) -> None:
    deadline = time.monotonic() + timeout
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    for record in follow(settings, topics, idle_timeout=timeout):
        if record.topic == settings.topics.enriched:
            summary.enriched += 1
            summary.latencies_ms.append(float(record.value.get("latency_ms", 0.0)))
            summary.accounts[str(record.value.get("account_id"))] += 1
            summary.paths[str(record.value.get("inference_path"))] += 1
            if summary.enriched <= show:
                echo(render(record.value))
        else:
            summary.dead_lettered += 1
            summary.reasons[str(record.value.get("reason"))] += 1
        if summary.enriched + summary.dead_lettered >= summary.produced:
            return
        if time.monotonic() > deadline:
            return


def _recurring_lines(settings: Settings, account: str) -> list[str]:
    """The worker's answer to GET /accounts/{account}/recurring, as a few lines."""
    url = f"http://{settings.web_host}:{settings.web_port}/accounts/{account}/recurring"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.loads(response.read())
    except (OSError, ValueError) as exc:
        return [f"GET {url} failed: {exc}"]
    lines = [f"GET {url} -> {len(body['series'])} active recurring series:"]
    for series in body["series"][:8]:
        lines.append(
            f"  {series['period']:<12} {series['direction']:<6} {series['expected_amount']:>9}  "
            f"next {series['next_expected_date']}  x{series['occurrences']} {series['status']:<7}"
            f"  {series['counterparty'][:40]}"
        )
    return lines


def run_demo(
    workdir: Path,
    sample_size: int,
    show: int,
    echo: Callable[[str], None],
    render: Callable[[dict[str, Any]], str],
    timeout: float = 300.0,
    triton: bool = True,
) -> DemoSummary:
    """Start broker, Redis, Triton and a worker; produce the sample; count what comes out."""
    run_dir = workdir / time.strftime("demo-%Y%m%d-%H%M%S")
    summary = DemoSummary()
    worker: subprocess.Popen[bytes] | None = None
    with LocalStack(run_dir) as stack:
        bootstrap = stack.start_broker()
        redis_url = stack.start_redis()
        echo(f"broker  {bootstrap}   (Apache Kafka, KRaft, log {run_dir / 'broker.log'})")
        echo(f"redis   {redis_url}   (log {run_dir / 'redis.log'})")
        settings = stack.settings(
            redis_url=redis_url,
            triton_url=None,  # set below once Triton is up; never from the environment
            app_id="txenrich-demo",
            web_port=free_port(),
            data_dir=run_dir / "worker",
        )
        if triton:  # the worker's own repository, so Triton and its fallback read one folder
            triton_url = stack.start_triton(settings.model_repository).grpc_url
            settings = settings.model_copy(update={"triton_url": triton_url})
            echo(f"triton  {triton_url}   (gRPC, CPU, log {run_dir / 'triton.log'})")
        wait_for_broker(settings)
        create_topics(settings)
        try:
            worker = start_worker_process(settings, run_dir / "worker.log")
            echo(
                f"worker  pid {worker.pid}, metrics http://{settings.web_host}:"
                f"{settings.web_port}/metrics (log {run_dir / 'worker.log'})"
            )
            records = sample_raw_records(sample_size)
            wait_until_ready(settings, worker)
            started = time.monotonic()
            summary.produced = produce_records(settings, records).sent
            echo(f"produced {summary.produced} raw transactions to {settings.topics.raw}")
            _collect(settings, summary, show, echo, timeout, render)
            summary.seconds = time.monotonic() - started
            if summary.accounts:
                account = summary.accounts.most_common(1)[0][0]
                summary.recurring = _recurring_lines(settings, account)
            if worker.poll() is not None:
                raise LocalStackError(f"worker exited with {worker.returncode}; see its log")
        finally:
            if worker is not None:
                stop_process(worker)
    return summary
