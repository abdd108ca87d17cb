"""Triton as a bank would run it: gRPC over mutual TLS, and a worker that uses Triton only while
Triton says it loaded the worker's own model files (tritonserver from nvidia-pytriton, CPU)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from streams.demo.run import sample_raw_records
from streams.errors import ModelServerError
from streams.inference.repository import ModelRepository
from streams.inference.triton_client import TritonPredictor, TritonTls
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.local_stack import LocalStack, ServerTls
from streams.shell.produce import produce_records
from streams.shell.triton_server import TritonEndpoints
from streams.shell.worker import wait_until_ready
from tests.samples import Certificates, issue_certificates, metric

pytestmark = pytest.mark.integration

Spawn = Callable[[Settings], subprocess.Popen[bytes]]


def _paths(settings: Settings, spawn_worker: Spawn, n: int, seed: int) -> Counter[str]:
    """Run a worker over ``n`` sample records; where each enriched record's models ran."""
    wait_until_ready(settings, spawn_worker(settings))
    records = sample_raw_records(n, seed=seed)
    produce_records(settings, records)
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    outputs = list(follow(settings, topics, max_records=n, idle_timeout=90))
    assert len(outputs) == n
    return Counter(
        str(o.value["inference_path"]) for o in outputs if o.topic == settings.topics.enriched
    )


def _mismatch(url: str, tls: TritonTls | None = None) -> str | None:
    predictor = TritonPredictor(url, ModelRepository(), timeout_seconds=10, tls=tls)

    async def ask() -> str | None:
        try:
            return await predictor.served_mismatch()
        finally:
            await predictor.close()

    return asyncio.run(ask())


@pytest.fixture(scope="module")
def tls_triton(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TritonEndpoints, Certificates]]:
    """Triton whose gRPC port takes TLS only and a client certificate from the test's CA."""
    folder = tmp_path_factory.mktemp("triton-tls")
    pki = issue_certificates(folder)
    with LocalStack(folder / "stack") as stack:
        endpoints = stack.start_triton(
            ModelRepository().root, grpc_tls=ServerTls(pki.chain, pki.key, pki.ca)
        )
        yield endpoints, pki


def test_the_worker_reaches_triton_over_mutual_tls(
    tls_triton: tuple[TritonEndpoints, Certificates],
    make_settings: Callable[..., Settings],
    spawn_worker: Spawn,
) -> None:
    endpoints, pki = tls_triton
    settings = make_settings(
        triton_url=endpoints.grpc_url,
        triton_tls=True,
        triton_ca_file=pki.ca,
        triton_cert_file=pki.client_chain,
        triton_key_file=pki.client_key,
        redis_url=None,  # every row goes to a model
    )
    paths = _paths(settings, spawn_worker, 600, seed=81)
    assert paths["triton"] > 500 and paths["local"] == 0, paths  # the rest: pre-policies


def test_triton_over_tls_turns_away_clients_it_should(
    tls_triton: tuple[TritonEndpoints, Certificates], tmp_path: Path
) -> None:
    endpoints, pki = tls_triton
    complete = TritonTls(pki.ca, pki.client_chain, pki.client_key)
    assert _mismatch(endpoints.grpc_url, complete) is None
    stranger = tmp_path / "stranger.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    refused = {
        "plaintext client": None,
        "no client certificate": TritonTls(pki.ca),
        "server certificate from an unknown CA": TritonTls(
            stranger, pki.client_chain, pki.client_key
        ),
    }
    for case, tls in refused.items():
        with pytest.raises(ModelServerError):
            _mismatch(endpoints.grpc_url, tls)
            pytest.fail(f"{case}: Triton answered")


def test_triton_says_it_loaded_this_workers_model_files(triton: TritonEndpoints) -> None:
    assert _mismatch(triton.grpc_url) is None


def test_a_triton_serving_other_model_files_is_refused(
    make_settings: Callable[..., Settings], spawn_worker: Spawn, tmp_path: Path
) -> None:
    # The same models with one config changed (a retrain or an edit not yet rolled out to
    # the workers): its answers could differ, so the worker must not use it.
    other = tmp_path / "repository"
    shutil.copytree(ModelRepository().root, other, ignore=shutil.ignore_patterns("__pycache__"))
    config = other / "merchant" / "configs" / "cpu.pbtxt"
    config.write_text(config.read_text() + "# edited on the server only\n")
    with LocalStack(tmp_path / "stack") as own:
        endpoints = own.start_triton(other)
        problem = _mismatch(endpoints.grpc_url)
        assert problem is not None and ModelRepository().version in problem
        assert ModelRepository(other).version in problem

        settings = make_settings(triton_url=endpoints.grpc_url, redis_url=None)
        paths = _paths(settings, spawn_worker, 600, seed=82)
        assert paths["local"] > 500 and paths["triton"] == 0, paths
        assert metric(settings, "txenrich_model_server_refused", "") == 1.0
        assert metric(settings, "txenrich_model_server_refusals_total", "") >= 1.0
