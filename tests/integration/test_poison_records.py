"""Poison records inside a stream of good ones, through the real worker: every record comes
out once (enriched or dead-lettered with a reason), and the worker keeps running."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.request
from collections.abc import Callable

import jsonschema
import pytest
from confluent_kafka import Producer

from streams.core.contracts import DEAD_LETTER_SCHEMA, load_schema
from streams.core.merchant import MerchantCatalogue
from streams.core.validation import InputLimits
from streams.core.wire import JSON
from streams.demo.run import sample_raw_records
from streams.inference.predictor import LocalPredictor
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.processor import BatchProcessor
from streams.shell.produce import OutgoingRaw, produce_records
from streams.shell.worker import wait_until_ready

pytestmark = pytest.mark.integration

NAN = float("nan")
GOOD = {
    "account_id": "acc_poison",
    "amount": "12.50",
    "currency": "USD",
    "direction": "debit",
    "description": "BLUE BOTTLE COFFEE SF CA",
    "date": "2026-11-30",
}


def _json(tx: str, **fields: object) -> OutgoingRaw:
    document = {**GOOD, "transaction_id": tx, **fields}
    return OutgoingRaw(b"acc_poison", json.dumps(document).encode(), JSON)


def _poison(max_bytes: int) -> dict[str, OutgoingRaw]:
    surrogate = _json("tx-surrogate", description="PLACEHOLDER")
    nested = b'{"transaction_id": "tx-nested", "metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    big = "x" * (max_bytes - 600)
    deep: object = {"leaf": 1}
    for _ in range(40):
        deep = {"n": deep}
    return {
        # a lone UTF-16 surrogate: legal JSON escape, not Unicode text
        "surrogate": OutgoingRaw(
            surrogate.key, surrogate.value.replace(b"PLACEHOLDER", b"CAFE \\ud800 X"), JSON
        ),
        "bigint": _json("tx-bigint", metadata={"n": 10**30}),
        "nested": OutgoingRaw(b"acc_poison", nested, JSON),
        # NaN: Python's JSON reads it; the JSON output must not carry it
        "nan": OutgoingRaw(
            b"acc_poison",
            json.dumps(
                {**GOOD, "transaction_id": "tx-nan", "metadata": {"x": float("nan")}}
            ).encode(),
            JSON,
        ),
        # fits the topic and the record limit, but enriched it would not
        "huge": _json("tx-huge", metadata={"note": big}),
        # fits the topic, not the record limit (max_bytes - 300 below): never decoded
        "oversize": _json("tx-oversize", metadata={"note": "x" * (max_bytes - 400)}),
        # metadata nested 41 deep: more than the default 16
        "deep": _json("tx-deep", metadata=deep),
    }


def _enriched_size(record: OutgoingRaw, max_bytes: int) -> int:
    """How large its enriched record would be, were there no limit."""
    processor = BatchProcessor(
        MerchantCatalogue.load(),
        LocalPredictor(),
        content_type=JSON,
        max_record_bytes=10 * max_bytes,
        limits=InputLimits(record_bytes=10 * max_bytes, metadata_bytes=10 * max_bytes),
    )
    output = asyncio.run(processor.process([record.as_inbound(0)]))
    return len(output.enriched[0].value) if output.enriched else 0


def test_poison_records_are_dead_lettered_and_the_rest_flows(
    make_settings: Callable[..., Settings],
    spawn_worker: Callable[[Settings], subprocess.Popen[bytes]],
) -> None:
    max_bytes = 1_048_576  # the broker's and producers' max.message.bytes
    settings = make_settings(
        output_format="json",
        partitions=1,
        max_record_bytes=max_bytes - 300,
        max_metadata_bytes=max_bytes,
    )
    assert settings.kafka.max_message_bytes == max_bytes
    poison = _poison(max_bytes)
    assert _enriched_size(poison["huge"], max_bytes) > max_bytes  # the case is real

    good = list(sample_raw_records(400, seed=41))
    stream = [*good[:100], poison["surrogate"], poison["bigint"], *good[100:250]]
    stream += [poison["nested"], poison["nan"], *good[250:], poison["huge"]]
    stream += [poison["oversize"], poison["deep"]]
    with_null_header = _json("tx-null-header")
    worker = spawn_worker(settings)
    wait_until_ready(settings, worker)
    produce_records(settings, stream)
    # a header whose value is null: kept, and the record enriched as usual
    produce_records_with_headers(settings, with_null_header, [("x-null", None)])

    expected = len(stream) + 1
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    outputs = list(follow(settings, topics, max_records=expected, idle_timeout=60))
    assert len(outputs) == expected
    assert not list(follow(settings, topics, idle_timeout=3))[expected:]  # nothing twice
    assert worker.poll() is None, "the worker stopped"

    # one partition: a record's offset is its place in the stream
    dead = {o.value["offset"]: o.value for o in outputs if o.topic == settings.topics.dead_letter}
    validator = jsonschema.Draft202012Validator(load_schema(DEAD_LETTER_SCHEMA))
    for letter in dead.values():
        validator.validate(letter)
    at = {name: stream.index(record) for name, record in poison.items()}
    assert dead[at["surrogate"]]["reason"] == "undecodable"
    assert "surrogate" in dead[at["surrogate"]]["error"]
    assert dead[at["bigint"]]["reason"] == "invalid_metadata"
    assert dead[at["nested"]]["reason"] == "undecodable"
    assert dead[at["nan"]]["reason"] == "processing_error"
    assert dead[at["nan"]]["error"].startswith("ValueError")
    assert dead[at["huge"]]["reason"] == "output_too_large"
    assert dead[at["huge"]]["original_truncated"] is True
    assert dead[at["oversize"]]["reason"] == "record_too_large"
    assert dead[at["deep"]]["reason"] == "metadata_too_deep"

    enriched = {
        o.value["transaction_id"]: o for o in outputs if o.topic == settings.topics.enriched
    }
    assert "tx-null-header" in enriched
    assert enriched["tx-null-header"].headers["x-null"] is None
    health_url = f"http://{settings.web_host}:{settings.web_port}/health"
    with urllib.request.urlopen(health_url, timeout=5) as response:
        assert json.loads(response.read())["status"] == "ok"


def produce_records_with_headers(
    settings: Settings, record: OutgoingRaw, extra: list[tuple[str, bytes | None]]
) -> None:
    producer = Producer(settings.kafka.producer_config())
    headers = [*record.headers(), *extra]
    producer.produce(settings.topics.raw, record.value, record.key, headers=headers)
    assert producer.flush(30) == 0
