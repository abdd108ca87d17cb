"""Chaos: two workers in one group on Apache Kafka, Redis and Triton (all on loopback), a steady
load, and a seeded schedule of faults (worker SIGKILLs, a broker restart, Redis killed and
restarted, Triton killed and restarted, Triton hung with SIGSTOP). Afterwards an audit reads
every output topic and reports, as JSON: records in, enriched, dead-lettered, missing,
duplicates, recurrence compared with a clean offline run of the same input, latency before
the faults, each fault with its time to recover, and the verdict.

    python -m tests.chaos.run --out bench/results/chaos.json      # make chaos: the full run
    python -m tests.chaos.run --rate 400 --duration 75 --kills 3  # what the test suite runs

A worker that exits, killed or not, is started again after a second on the same state
directory and group instance id, as a StatefulSet would. The run is bounded: the load stops
after ``--duration``; the audit waits at most ``--drain`` seconds of silence.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from streams.core.wire import decode_value
from streams.demo.run import sample_raw_records
from streams.inference.repository import DEFAULT_REPOSITORY
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.kafka_admin import create_topics, wait_for_broker
from streams.shell.local_stack import LocalStack, free_port
from streams.shell.produce import OutgoingRaw
from streams.shell.worker import start_worker_process, stop_process, wait_until_ready
from tests.chaos.plan import (
    Fault,
    FaultRecord,
    latency_percentiles,
    recovery_seconds,
    schedule,
)
from tests.samples import offline_recurrence

__all__ = ["ChaosConfig", "run_chaos"]


@dataclass(frozen=True)
class ChaosConfig:
    rate: int = 1000  # records/s: what two workers beside Triton on CPU keep up with on 2 cores
    duration: float = 300.0  # seconds of load
    kills: int = 20
    seed: int = 20261202
    partitions: int = 6
    batch_size: int = 200
    hang_seconds: float = 8.0
    latency_limit: float = 2.0  # a record later than this counts as not kept up
    drain: float = 120.0  # seconds of silence after which the audit stops waiting


class Supervisor:
    """The two workers: kills one on request, starts any that exited again after a second."""

    def __init__(self, settings: list[Settings], logs: Path) -> None:
        self.settings, self.logs = settings, logs
        self.processes = [self._start(i) for i in range(len(settings))]
        self.restarts = [0] * len(settings)
        self.own_exits: list[dict[str, Any]] = []  # exits no kill caused: worker, code, when
        self._killing: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self.t0 = time.monotonic()  # reset when the load starts

    def _start(self, i: int) -> subprocess.Popen[bytes]:
        return start_worker_process(self.settings[i], self.logs / f"worker-{i}.log")

    def wait_ready(self) -> None:
        for settings, process in zip(self.settings, self.processes, strict=True):
            wait_until_ready(settings, process, timeout=120)
        self._thread.start()

    def kill(self, i: int) -> None:
        """SIGKILL worker ``i``; one that is down (being restarted) is killed once it is back."""
        deadline = time.monotonic() + 15
        while self.processes[i].poll() is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        with self._lock:
            self._killing.add(i)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.processes[i].pid, signal.SIGKILL)
            self.processes[i].wait(10)

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            for i, process in enumerate(self.processes):
                code = process.poll()
                if code is None:
                    continue
                with self._lock:
                    if i not in self._killing:
                        self.own_exits.append(
                            {
                                "worker": i,
                                "code": code,
                                "at_s": round(time.monotonic() - self.t0, 1),
                            }
                        )
                    self._killing.discard(i)
                time.sleep(1.0)  # a restart policy's pause
                self.processes[i] = self._start(i)
                self.restarts[i] += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        for process in self.processes:
            stop_process(process)


class Injector:
    """Injects each scheduled fault at its time and records when it began and ended. Kills
    run at once; server faults run one at a time on ``servers``, a thread that outlives the
    servers it starts (the stack's children die with the thread that started them), so a
    restart that blocks delays no kill."""

    def __init__(
        self, stack: LocalStack, workers: Supervisor, servers: ThreadPoolExecutor, t0: float
    ) -> None:
        self.stack, self.workers, self.servers, self.t0 = stack, workers, servers, t0
        self.records: list[FaultRecord] = []
        self.errors: list[str] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    def run(self, faults: list[Fault]) -> None:
        pending = []
        for fault in faults:
            delay = fault.at - self.now()
            if delay > 0:
                time.sleep(delay)
            if fault.kind == "kill_worker":
                self._inject(fault)
            else:
                pending.append(self.servers.submit(self._inject, fault))
        wait(pending, timeout=600)

    def _inject(self, fault: Fault) -> None:
        started = self.now()
        try:
            if fault.kind == "kill_worker":
                assert fault.target is not None
                self.workers.kill(fault.target)
            else:
                self._server_fault(fault)
        except Exception as exc:  # reported, and the run fails: the fault did not happen
            self.errors.append(f"{fault.kind} at {started:.1f}s: {type(exc).__name__}: {exc}")
            return
        self.records.append(FaultRecord(fault.kind, fault.target, started, self.now()))

    def _server_fault(self, fault: Fault) -> None:
        stack = self.stack
        if fault.kind == "restart_broker":
            stack.restart_broker()
        elif fault.kind == "restart_redis":
            port = urllib.parse.urlsplit(stack.redis_url or "").port
            stack.process("redis").kill()
            stack.start_redis(port=port)
        elif fault.kind == "restart_triton":
            stack.process("triton").kill()
            stack.start_triton(DEFAULT_REPOSITORY, endpoints=stack.triton)
        elif fault.kind == "hang_triton":
            group = stack.process("triton").process.pid  # the server and its model stubs
            os.killpg(group, signal.SIGSTOP)
            try:
                time.sleep(fault.hold)
            finally:
                os.killpg(group, signal.SIGCONT)
        else:
            raise ValueError(f"unknown fault {fault.kind!r}")


class Load:
    """Produces the records at a steady rate, keyed by account, noting each one's send time."""

    def __init__(self, settings: Settings, records: list[OutgoingRaw], rate: int) -> None:
        self.settings, self.records, self.rate = settings, records, rate
        self.sent_at: list[float] = [0.0] * len(records)
        self.failed: list[str] = []

    def run(self, t0: float) -> None:
        # librdkafka's connection errors while the broker restarts are expected: not printed
        quiet = logging.getLogger("chaos.load")
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False
        producer = Producer(self.settings.kafka.producer_config(linger_ms=5), logger=quiet)

        def delivered(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                self.failed.append(str(err))

        tick = 0.01
        per_tick = self.rate * tick
        for i, record in enumerate(self.records):
            due = t0 + (i // per_tick) * tick
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.sent_at[i] = time.time()
            while True:
                try:
                    producer.produce(
                        self.settings.topics.raw,
                        key=record.key,
                        value=record.value,
                        headers=list(record.headers()),
                        on_delivery=delivered,
                    )
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
        left = producer.flush(300)
        if left:
            self.failed.append(f"{left} records never acknowledged")


def audit(
    config: ChaosConfig,
    settings: Settings,
    records: list[OutgoingRaw],
    sent_at: list[float],
    t0_wall: float,
    expected: dict[str, dict[str, Any]],
    faults: list[FaultRecord],
) -> dict[str, Any]:
    """Reads both output topics from the start; the report (see the module's docstring)."""
    index: dict[str, int] = {}
    for i, record in enumerate(records):
        try:
            document = decode_value(record.value, record.content_type)
        except ValueError:
            continue
        if isinstance(document, dict) and isinstance(document.get("transaction_id"), str):
            index.setdefault(document["transaction_id"], i)
    enriched: dict[str, list[tuple[Any, int | None]]] = {}
    dead: dict[tuple[int, int], int] = {}
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    for output in follow(settings, topics, idle_timeout=config.drain):
        value = output.value
        if output.topic == settings.topics.enriched:
            enriched.setdefault(value["transaction_id"], []).append(
                (value["recurrence"], output.timestamp_ms)
            )
        else:
            key = (value["partition"], value["offset"])
            dead[key] = dead.get(key, 0) + 1
        if len(enriched) + len(dead) == len(records):
            break
    covered = len(enriched) + len(dead)
    duplicates = sum(len(v) - 1 for v in enriched.values()) + sum(n - 1 for n in dead.values())
    mismatched = sorted(
        tx for tx, outs in enriched.items() if any(r != expected.get(tx) for r, _ in outs)
    )
    missing_ids = sorted(set(expected) - set(enriched))
    latencies: list[tuple[float, float | None]] = []
    for tx, i in sorted(index.items(), key=lambda item: item[1]):
        if tx not in expected:
            continue
        outs = enriched.get(tx)
        stamp = outs[0][1] if outs else None
        sent = sent_at[i]
        latency = None if stamp is None else max(0.0, stamp / 1000 - sent)
        latencies.append((sent - t0_wall, latency))
    first_fault = min((f.started for f in faults), default=config.duration)
    calm = [lat for sent, lat in latencies if sent < first_fault and lat is not None]
    for fault in faults:
        fault.recovery = recovery_seconds(
            latencies, fault.started, fault.ended, config.latency_limit
        )
    crashes = sum(f.kind in ("kill_worker", "restart_broker") for f in faults)
    bound = crashes * config.batch_size
    report = {
        "config": asdict(config),
        "records_in": len(records),
        "enriched": len(enriched),
        "dead_lettered": len(dead),
        "missing": len(records) - covered,
        "missing_transaction_ids": missing_ids[:10],
        "duplicates": duplicates,
        "duplicates_bound": bound,
        "recurrence_compared": len(enriched),
        "recurrence_mismatches": len(mismatched),
        "recurrence_mismatch_examples": mismatched[:5],
        "latency_before_faults": latency_percentiles(calm),
        "latency_all": latency_percentiles([lat for _, lat in latencies if lat is not None]),
        "faults": [f.as_json() for f in sorted(faults, key=lambda f: f.started)],
    }
    return report


def run_chaos(config: ChaosConfig, workdir: Path) -> dict[str, Any]:
    """One chaos run in ``workdir`` (servers, logs, state); returns the report."""
    records = sample_raw_records(int(config.rate * config.duration), seed=config.seed)
    expected = offline_recurrence(records, workdir)
    plan = schedule(config.seed, config.duration, config.kills, hang_seconds=config.hang_seconds)
    servers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chaos-servers")
    with servers, LocalStack(workdir / "stack") as stack:
        stack.start_broker()
        stack.start_redis()
        stack.start_triton(DEFAULT_REPOSITORY)
        assert stack.triton is not None
        first = stack.scratch_settings(
            "chaos",
            workdir,
            triton_url=stack.triton.grpc_url,
            partitions=config.partitions,
            batch_size=config.batch_size,
            batch_wait_seconds=0.05,
            group_instance_id="worker-0",
            session_timeout_seconds=10.0,
        )
        second = first.model_copy(
            update={
                "web_port": free_port(),
                "data_dir": first.data_dir / "worker-1",
                "group_instance_id": "worker-1",
            }
        )
        wait_for_broker(first)
        create_topics(first)
        workers = Supervisor([first, second], workdir)
        try:
            workers.wait_ready()
            load = Load(first, records, config.rate)
            t0, t0_wall = time.monotonic(), time.time()
            workers.t0 = t0
            injector = Injector(stack, workers, servers, t0)
            producing = threading.Thread(target=load.run, args=(t0,), daemon=True)
            producing.start()
            injector.run(plan)
            producing.join(config.duration + 600)
            report = audit(
                config, first, records, load.sent_at, t0_wall, expected, injector.records
            )
        finally:
            workers.stop()
    report["fault_errors"] = injector.errors
    report["produce_failures"] = load.failed[:5]
    report["worker_restarts"] = workers.restarts
    # a worker exits by itself when it cannot commit for longer than its session (the group
    # dropped it after a broker restart): reported, and restarted like a killed one
    report["worker_exits_on_their_own"] = workers.own_exits
    unrecovered = [f for f in report["faults"] if f["recovery_s"] is None]
    report["passed"] = (
        report["missing"] == 0
        and report["recurrence_mismatches"] == 0
        and report["duplicates"] <= report["duplicates_bound"]
        and not unrecovered
        and not injector.errors
        and not load.failed
        and len(report["faults"]) == len(plan)
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make chaos", description=__doc__.split("\n\n")[0])
    defaults = ChaosConfig()
    parser.add_argument("--rate", type=int, default=defaults.rate, help="records/s")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds")
    parser.add_argument("--kills", type=int, default=defaults.kills, help="worker SIGKILLs")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--workdir", type=Path, default=Path(".txenrich/chaos"))
    parser.add_argument("--out", type=Path, help="write the report here too")
    args = parser.parse_args(argv)
    if args.rate < 1 or args.duration < 10 or args.kills < 0:
        parser.error("need --rate >= 1, --duration >= 10 and --kills >= 0")
    config = ChaosConfig(rate=args.rate, duration=args.duration, kills=args.kills, seed=args.seed)
    shutil.rmtree(args.workdir, ignore_errors=True)  # the last run's servers' data
    args.workdir.mkdir(parents=True)
    report = run_chaos(config, args.workdir.resolve())
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
