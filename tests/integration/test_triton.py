"""A real Triton (nvidia-pytriton's tritonserver, CPU) against the in-process runner."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from streams.core.merchant import MerchantCatalogue
from streams.core.types import InboundMessage
from streams.core.validation import validate_batch
from streams.core.wire import decode_value
from streams.demo.run import sample_raw_records
from streams.inference.breaker import BreakerPolicy, BreakerState, CircuitBreaker
from streams.inference.fallback import FallbackPredictor
from streams.inference.predictor import LocalPredictor
from streams.inference.repository import ModelRepository
from streams.inference.triton_client import TritonPredictor
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.local_stack import LocalStack, free_port
from streams.shell.processor import BatchProcessor
from streams.shell.produce import produce_records
from streams.shell.triton_server import TritonEndpoints
from tests.samples import metric

HAND_WRITTEN = Path(__file__).resolve().parents[2] / "models" / "training" / "handwritten.jsonl"

pytestmark = pytest.mark.integration

Spawn = Callable[[Settings], subprocess.Popen[bytes]]


def _messages(n: int, seed: int) -> list[InboundMessage]:
    return [r.as_inbound(i) for i, r in enumerate(sample_raw_records(n, seed=seed))]


def _frame(n: int, seed: int) -> pl.DataFrame:
    valid = validate_batch(_messages(n, seed)).valid
    columns = ["description", "direction", "mcc"]
    extra = pl.read_ndjson(HAND_WRITTEN).select(pl.col(columns).cast(pl.String))
    return pl.concat([valid.select(columns), extra])


def test_triton_answers_exactly_what_the_in_process_runner_answers(
    triton: TritonEndpoints,
) -> None:
    frame = _frame(2500, seed=21)  # more rows than max_batch_size: the client splits
    local = LocalPredictor()
    remote = TritonPredictor(triton.grpc_url, ModelRepository(), timeout_seconds=60)

    async def run() -> pl.DataFrame:
        try:
            answer = await remote.predict(frame)
            assert answer.path == "triton"
            return answer.frame
        finally:
            await remote.close()

    via_triton = asyncio.run(run())
    in_process = local.predict_now(frame)
    assert via_triton.height == frame.height
    assert via_triton.equals(in_process)
    assert remote.version == local.version


def test_enriched_records_are_the_same_with_and_without_triton(triton: TritonEndpoints) -> None:
    messages = _messages(1500, seed=22)
    catalogue = MerchantCatalogue.load()
    repository = ModelRepository()

    async def records(processor: BatchProcessor) -> list[dict[str, object]]:
        output = await processor.process(messages)
        return [decode_value(r.value, None) for r in output.enriched]

    remote = TritonPredictor(triton.grpc_url, repository, timeout_seconds=60)
    with_triton = asyncio.run(records(BatchProcessor(catalogue, remote, clock=lambda: 0.0)))
    without = asyncio.run(
        records(BatchProcessor(catalogue, LocalPredictor(repository), clock=lambda: 0.0))
    )
    assert [r.pop("inference_path") for r in with_triton] == ["triton"] * len(with_triton)
    assert [r.pop("inference_path") for r in without] == ["local"] * len(without)
    assert with_triton == without


def test_unreachable_triton_opens_the_breaker_and_the_batch_runs_in_process() -> None:
    frame = _frame(300, seed=23)
    repository = ModelRepository()
    local = LocalPredictor(repository)
    dead = TritonPredictor(f"127.0.0.1:{free_port()}", repository, timeout_seconds=2)
    breaker = CircuitBreaker(
        BreakerPolicy(failure_threshold=1, open_seconds=60, max_open_seconds=60)
    )
    predictor = FallbackPredictor(dead, local, breaker)

    async def twice() -> list[str]:
        paths = []
        for _ in range(2):
            answer = await predictor.predict(frame)
            assert answer.frame.equals(local.predict_now(frame))
            paths.append(answer.path)
        await predictor.close()
        return paths

    assert asyncio.run(twice()) == ["local", "local"]
    assert breaker.state is BreakerState.OPEN


def test_killing_triton_mid_stream_loses_nothing_and_the_breaker_recovers(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    # A quick breaker, so the test sees recovery within seconds of Triton's return.
    topology = tmp_path / "topology.yaml"
    topology.write_text(
        "name: test\nroute:\n  timeout_seconds: 2.0\n"
        "  breaker: {failure_threshold: 1, open_seconds: 0.5, max_open_seconds: 1.0}\n"
    )
    repository = ModelRepository().root
    with LocalStack(tmp_path / "triton") as own:
        endpoints = own.start_triton(repository)
        settings = make_settings(
            triton_url=endpoints.grpc_url,
            topology=topology,
            redis_url=None,  # every row goes to a model: the path is the server's or ours
            batch_size=100,
            batch_wait_seconds=0.05,
        )
        topics = [settings.topics.enriched, settings.topics.dead_letter]
        spawn_worker(settings)
        wave = sample_raw_records(3000, seed=24)
        produce_records(settings, wave)
        outputs = []
        for output in follow(settings, topics, max_records=len(wave), idle_timeout=120):
            outputs.append(output)
            if len(outputs) == 400:  # part-way through: Triton dies with batches in flight
                own.process("triton").kill()
        assert len(outputs) == len(wave)
        before = [o.value for o in outputs if o.topic == settings.topics.enriched]
        paths = Counter(v["inference_path"] for v in before)
        assert paths["triton"] > 0 and paths["local"] > 0, paths
        assert metric(settings, "txenrich_model_server_breaker_transitions_total", "open") >= 1

        # Triton comes back where the worker expects it; half-open probes bring traffic back.
        own.start_triton(repository, endpoints=endpoints)
        after: list[dict[str, object]] = []
        deadline = time.monotonic() + 90
        seed = 100
        while time.monotonic() < deadline and not any(
            v["inference_path"] == "triton" for v in after[-50:]
        ):
            more = sample_raw_records(200, seed=seed)
            seed += 1
            produce_records(settings, more)
            got = list(follow(settings, topics, max_records=len(outputs) + 200, idle_timeout=60))
            # a new read interleaves partitions anew: what is fresh is what was not seen
            seen = {(o.topic, o.partition, o.offset) for o in outputs}
            fresh = [o for o in got if (o.topic, o.partition, o.offset) not in seen]
            outputs = got
            after += [o.value for o in fresh if o.topic == settings.topics.enriched]
        assert any(v["inference_path"] == "triton" for v in after), "breaker never closed"
        assert metric(settings, "txenrich_model_server_breaker_transitions_total", "closed") >= 1

    ids = [v["transaction_id"] for v in before + after]
    assert len(ids) == len(set(ids)), "a switch duplicated a record"
