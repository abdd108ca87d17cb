"""Records as producers outside this project write them, into a running worker's raw topic.

kcat (librdkafka, Debian's package) writes batches in every codec Kafka defines, with its
default batching, plus tombstones, records with no key and records with extra headers; a
Java kafka-clients producer (run from the jars set-up resolved) commits one transaction and
aborts another. Every committed record comes out once, aborted ones nowhere.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from streams.core.contracts import ENRICHED_SCHEMA, load_schema
from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.consume import ConsumedRecord, follow
from streams.shell.kafka_broker import find_java, find_kafka_libs
from streams.shell.worker import wait_until_ready
from tests.samples import decoded

pytestmark = pytest.mark.integration

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
PER_GROUP = 200
JAVA_PRODUCER = Path(__file__).with_name("java") / "TransactionalProducer.java"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _kcat() -> str:
    found = shutil.which("kcat")
    assert found, "kcat is missing: `make setup` installs it as root (apt-get install kcat)"
    return found


def _documents(seed: int) -> list[dict[str, Any]]:
    """Held-out-style raw transactions as JSON documents (the sample's broken ones too, when
    they are still JSON objects with an account)."""
    found = []
    for record in sample_raw_records(PER_GROUP, seed=seed):
        value = decoded(record)
        if isinstance(value, dict) and isinstance(value.get("account_id"), str):
            found.append(value)
    return found


def _lines(documents: list[dict[str, Any]]) -> str:
    return "".join(f"{d['account_id']}\t{json.dumps(d)}\n" for d in documents)


def _kcat_produce(settings: Settings, text: str, *flags: str) -> None:
    argv = [_kcat(), "-P", "-b", settings.kafka.bootstrap_servers, "-t", settings.topics.raw]
    subprocess.run([*argv, *flags], input=text.encode(), check=True, timeout=60)


def _java_transaction(settings: Settings, text: str, outcome: str, tmp_path: Path) -> None:
    source = tmp_path / f"{outcome}.tsv"
    source.write_text(text)
    classpath = f"{find_kafka_libs()}/*"
    result = subprocess.run(
        [
            str(find_java()),
            "-cp",
            classpath,
            str(JAVA_PRODUCER),
            settings.kafka.bootstrap_servers,
            settings.topics.raw,
            outcome,
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _outputs(settings: Settings, expected: int) -> list[ConsumedRecord]:
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    return list(follow(settings, topics, max_records=expected, idle_timeout=60))


def test_every_codec_transactions_tombstones_and_headers(
    make_settings: Callable[..., Settings],
    spawn_worker: Callable[[Settings], subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    settings = make_settings()
    wait_until_ready(settings, spawn_worker(settings))
    groups: dict[str, list[dict[str, Any]]] = {}
    for seed, codec in enumerate(CODECS, start=100):
        groups[codec] = _documents(seed)
        _kcat_produce(settings, _lines(groups[codec]), "-K", "\t", "-z", codec)
    groups["headers"] = _documents(110)
    _kcat_produce(
        settings,
        _lines(groups["headers"]),
        "-K",
        "\t",
        "-H",
        f"traceparent={TRACEPARENT}",
        "-H",
        "x-origin=core-banking",
    )
    groups["no-key"] = _documents(111)
    _kcat_produce(settings, "".join(json.dumps(d) + "\n" for d in groups["no-key"]))
    tombstones = [f"acc_{i:04d}" for i in range(7)]
    _kcat_produce(settings, "".join(f"{k}\t\n" for k in tombstones), "-K", "\t", "-Z")
    groups["committed"] = _documents(112)
    _java_transaction(settings, _lines(groups["committed"]), "commit", tmp_path)
    aborted = _documents(113)
    _java_transaction(settings, _lines(aborted), "abort", tmp_path)

    expected = sum(len(g) for g in groups.values()) + len(tombstones)
    outputs = _outputs(settings, expected)
    assert len(outputs) == expected, f"{len(outputs)} of {expected} records came out"
    # nothing more arrives: no duplicate, no aborted record
    extra = list(
        follow(settings, [settings.topics.enriched, settings.topics.dead_letter], idle_timeout=5)
    )
    assert len(extra) == expected

    enriched = [o for o in outputs if o.topic == settings.topics.enriched]
    dead = [o for o in outputs if o.topic == settings.topics.dead_letter]
    tids = Counter(o.value["transaction_id"] for o in enriched)
    assert max(tids.values()) == 1, "an enriched record came out twice"
    assert not {d["transaction_id"] for d in aborted} & tids.keys()
    reasons = Counter(o.value["reason"] for o in dead)
    assert reasons["tombstone"] == len(tombstones)
    validator = jsonschema.Draft202012Validator(load_schema(ENRICHED_SCHEMA))
    for output in enriched:
        validator.validate(output.value)
        assert output.key == output.value["account_id"].encode()  # whatever the input's key
    produced_as = {d["transaction_id"]: name for name, g in groups.items() for d in g}
    by_group = Counter(produced_as[tid] for tid in tids)
    for name, documents in groups.items():
        assert by_group[name] > len(documents) * 0.8, (name, by_group)
    with_headers = [o for o in enriched if produced_as[o.value["transaction_id"]] == "headers"]
    for output in with_headers:
        assert output.headers["traceparent"] == TRACEPARENT.encode()
        assert output.headers["x-origin"] == b"core-banking"
        assert output.headers["content-type"] == b"application/msgpack"
