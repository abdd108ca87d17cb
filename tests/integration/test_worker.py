"""The worker against a real broker (Apache Kafka) and Redis: nothing lost, nothing invented."""

from __future__ import annotations

import base64
import subprocess
from collections import Counter
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import redis

from streams.core.contracts import DEAD_LETTER_SCHEMA, ENRICHED_SCHEMA, load_schema
from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.consume import ConsumedRecord, follow
from streams.shell.local_stack import free_port
from streams.shell.produce import OutgoingRaw, produce_records
from tests.samples import decoded, metric

pytestmark = pytest.mark.integration

Spawn = Callable[[Settings], subprocess.Popen[bytes]]
N = 3000


def _outputs(settings: Settings, expected: int, timeout: float = 120) -> list[ConsumedRecord]:
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    out = list(follow(settings, topics, max_records=expected, idle_timeout=timeout))
    assert len(out) == expected, f"{len(out)} of {expected} outputs arrived"
    return out


def _valid_ids(records: list[OutgoingRaw]) -> set[str]:
    ids: set[str] = set()
    for value in map(decoded, records):
        if isinstance(value, dict) and isinstance(value.get("transaction_id"), str):
            ids.add(value["transaction_id"])
    return ids


def _enrichment(record: dict[str, Any]) -> dict[str, Any]:
    ignored = ("latency_ms", "model_versions", "inference_path")
    return {k: v for k, v in record.items() if k not in ignored}


def test_every_record_comes_out_exactly_once(
    make_settings: Callable[..., Settings], spawn_worker: Spawn
) -> None:
    settings = make_settings()
    records = sample_raw_records(N, seed=11)
    spawn_worker(settings)
    produce_records(settings, records)
    outputs = _outputs(settings, N)

    enriched = [o for o in outputs if o.topic == settings.topics.enriched]
    dead = [o for o in outputs if o.topic == settings.topics.dead_letter]
    assert len(enriched) + len(dead) == N
    assert 0 < len(dead) < N * 0.1
    ids = [o.value["transaction_id"] for o in enriched]
    assert len(ids) == len(set(ids)), "an enriched record was produced twice"
    # every dead letter carries a known reason and the original bytes
    originals = {r.value for r in records}
    dl_validator = jsonschema.Draft202012Validator(load_schema(DEAD_LETTER_SCHEMA))
    for letter in dead:
        dl_validator.validate(letter.value)
        assert base64.b64decode(letter.value["original_base64"]) in originals
    # keyed by account, schema-valid, with merchants found for a good share
    enriched_validator = jsonschema.Draft202012Validator(load_schema(ENRICHED_SCHEMA))
    for output in enriched:
        enriched_validator.validate(output.value)
        assert output.key == output.value["account_id"].encode()
        assert output.value["latency_ms"] >= 0
        # enriched by the trained models, which say their versions
        assert output.value["model_versions"]["merchant"] == "1"
    named = sum(1 for o in enriched if o.value["merchant"]["name"])
    assert named > len(enriched) * 0.3
    reasons = Counter(o.value["reason"] for o in dead)
    assert "undecodable" in reasons
    assert metric(settings, "txenrich_records_total", 'outcome="dead_lettered"') == len(dead)
    # the batches went to the session's Triton (the cache answers repeats, the topology's
    # pre-policies own-account transfers)
    paths = Counter(o.value["inference_path"] for o in enriched)
    assert paths["triton"] > 0 and paths["policy"] > 0, paths
    assert set(paths) <= {"triton", "local", "cache", "policy"}
    assert metric(settings, "txenrich_inference_duration_seconds_count", 'path="triton"') > 0
    assert metric(settings, "txenrich_inference_rows_total", 'path="triton"') == paths["triton"]
    assert metric(settings, "txenrich_policy_skips_total", "reason=") == paths["policy"]


def test_cache_serves_repeats_and_changes_nothing(
    make_settings: Callable[..., Settings], spawn_worker: Spawn
) -> None:
    records = sample_raw_records(1500, seed=12)
    cached = make_settings()
    spawn_worker(cached)
    produce_records(cached, records)
    with_cache = _outputs(cached, len(records))
    assert metric(cached, "txenrich_cache_lookups_total", 'outcome="hit"') > 0
    assert redis.Redis.from_url(cached.redis_url.get_secret_value()).dbsize() > 0

    uncached = make_settings(redis_url=None)
    spawn_worker(uncached)
    produce_records(uncached, records)
    without_cache = _outputs(uncached, len(records))

    def by_id(outputs: list[ConsumedRecord]) -> dict[str, dict[str, Any]]:
        return {
            o.value["transaction_id"]: _enrichment(o.value)
            for o in outputs
            if o.topic.startswith("enriched")
        }

    assert by_id(with_cache) == by_id(without_cache)


def test_redis_down_means_no_cache_not_no_output(
    make_settings: Callable[..., Settings], spawn_worker: Spawn
) -> None:
    settings = make_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    records = sample_raw_records(500, seed=13)
    spawn_worker(settings)
    produce_records(settings, records)
    _outputs(settings, len(records))
    assert metric(settings, "txenrich_cache_errors_total", 'operation="get"') > 0
