"""A paced live stream and the latency of each record, from the moment its raw record is handed
to the producer to the arrival of its enriched record or dead letter (shared by the benches
that time the live path)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import msgpack
from confluent_kafka import Producer

from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.produce import OutgoingRaw


def _transaction_id(record: OutgoingRaw) -> str | None:
    try:
        value = msgpack.unpackb(record.value, raw=False)
    except Exception:  # the sample's broken records: not timed
        return None
    if isinstance(value, dict) and isinstance(value.get("transaction_id"), str):
        return str(value["transaction_id"])
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class LiveRun:
    """What one paced stream measured."""

    offered: int
    offered_seconds: float
    sent: int  # records with a transaction id, hence timed
    latencies_ms: list[float]

    def figures(self) -> dict[str, Any]:
        lat = self.latencies_ms
        return {
            "achieved_offer_records_per_second": round(self.offered / self.offered_seconds),
            "timed_records": len(lat),
            # sent, but dead-lettered without their id (an unknown schema header, say)
            "unmatched": self.sent - len(lat),
            "p50_ms": round(percentile(lat, 0.50), 1),
            "p95_ms": round(percentile(lat, 0.95), 1),
            "p99_ms": round(percentile(lat, 0.99), 1),
            "max_ms": round(max(lat), 1),
        }


def timed_stream(settings: Settings, records: list[OutgoingRaw], rate: int) -> LiveRun:
    """Offer ``records`` to the raw topic at ``rate``/s (every few ms, the records due by
    then) while a consumer of the enriched and dead-letter topics notes each arrival; back
    once every timed record arrived or nothing did for 15 s."""
    arrived: dict[str, float] = {}
    sent: dict[str, float] = {}
    done = threading.Event()

    def consume() -> None:
        topics = [settings.topics.enriched, settings.topics.dead_letter]
        for record in follow(settings, topics, idle_timeout=15):
            if isinstance(record.value, dict) and record.value.get("transaction_id"):
                arrived.setdefault(record.value["transaction_id"], time.time())
            if done.is_set() and len(arrived) >= len(sent):
                return

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    time.sleep(2)  # the reader is assigned before the first record
    producer = Producer(settings.kafka.producer_config())
    started = time.monotonic()
    index = 0
    while index < len(records):
        due = min(len(records), int((time.monotonic() - started) * rate) + 1)
        for record in records[index:due]:
            tid = _transaction_id(record)
            if tid is not None:
                sent[tid] = time.time()
            while True:
                try:
                    producer.produce(
                        settings.topics.raw,
                        record.value,
                        record.key,
                        headers=list(record.headers()),
                    )
                    break
                except BufferError:
                    producer.poll(0.01)
        index = due
        producer.poll(0)
        time.sleep(0.005)
    producer.flush(30)
    offered_seconds = time.monotonic() - started
    done.set()
    reader.join(timeout=120)
    latencies = [(arrived[t] - sent[t]) * 1000 for t in sent if t in arrived]
    return LiveRun(len(records), offered_seconds, len(sent), latencies)
