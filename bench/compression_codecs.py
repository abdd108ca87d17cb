"""What each compression codec costs the worker's producer, on the same broker and records.

    .venv/bin/python bench/compression_codecs.py [--records 20000] [--out FILE]

The records are the worker's own outputs (enriched records of the sample, msgpack). For
each codec (none, gzip, snappy, lz4, zstd): the producer's rate with acks=all and the
worker's linger, the CPU it spends (librdkafka's threads included), the bytes the broker
stored, and a consumer's rate reading them back. Rates are reported against `none`
measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition

from streams.core.merchant import MerchantCatalogue
from streams.demo.run import sample_raw_records
from streams.inference.predictor import LocalPredictor
from streams.settings import KafkaSettings, TopicNames
from streams.shell.kafka_admin import create_topics
from streams.shell.local_stack import LocalStack
from streams.shell.processor import BatchProcessor, OutboundRecord

ROOT = Path(__file__).resolve().parents[1]
CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


def _outputs(n: int) -> list[OutboundRecord]:
    processor = BatchProcessor(MerchantCatalogue.load(), LocalPredictor())
    messages = [r.as_inbound(i) for i, r in enumerate(sample_raw_records(n, seed=23))]

    async def run() -> list[OutboundRecord]:
        found: list[OutboundRecord] = []
        for start in range(0, len(messages), 500):
            found += (await processor.process(messages[start : start + 500])).enriched
        return found

    return asyncio.run(run())


def _produce(
    kafka: KafkaSettings, topic: str, records: list[OutboundRecord]
) -> tuple[float, float]:
    """Records/s, and CPU seconds of this process (librdkafka's threads included) per
    million records."""
    producer = Producer(kafka.producer_config())
    cpu = time.process_time()
    started = time.perf_counter()
    for record in records:
        while True:
            try:
                producer.produce(topic, record.value, record.key, headers=list(record.headers))
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    assert producer.flush(60) == 0
    elapsed = time.perf_counter() - started
    return len(records) / elapsed, (time.process_time() - cpu) * 1e6 / len(records)


def _consume(kafka: KafkaSettings, topic: str, expected: int) -> float:
    consumer = Consumer({**kafka.confluent_config(), "group.id": f"bench-{topic}"})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
    seen, started = 0, time.perf_counter()
    while seen < expected:
        seen += sum(1 for m in consumer.consume(1000, 1.0) if m.error() is None)
    rate = expected / (time.perf_counter() - started)
    consumer.close()
    return rate


def _stored_bytes(log_dir: Path, topic: str) -> int:
    return sum(f.stat().st_size for d in log_dir.glob(f"{topic}-*") for f in d.glob("*.log"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "compression_codecs.json"
    )
    args = parser.parse_args()
    records = _outputs(args.records)
    payload = sum(len(r.value) for r in records)
    results: dict[str, Any] = {
        "records": len(records),
        "payload_bytes": payload,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "codecs": {},
    }
    with LocalStack(ROOT / ".txenrich" / "bench" / "codecs") as stack:
        stack.start_broker()
        assert stack.broker is not None
        for codec in CODECS:
            topic = f"codec-{codec}-{int(time.time())}"
            kafka = stack.kafka_settings().model_copy(update={"compression": codec})
            settings = stack.settings(kafka=kafka, topics=TopicNames(raw=topic))
            create_topics(settings)
            produced, cpu = _produce(settings.kafka, topic, records)
            consumed = _consume(settings.kafka, topic, len(records))
            results["codecs"][codec] = {
                "produce_records_per_second": round(produced),
                "produce_cpu_seconds_per_million": round(cpu, 1),
                "consume_records_per_second": round(consumed),
                "stored_bytes": _stored_bytes(stack.broker.log_dir, topic),
            }
    base = results["codecs"]["none"]
    for figures in results["codecs"].values():
        figures["produce_vs_none"] = round(
            figures["produce_records_per_second"] / base["produce_records_per_second"], 2
        )
        figures["stored_vs_none"] = round(figures["stored_bytes"] / base["stored_bytes"], 3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
