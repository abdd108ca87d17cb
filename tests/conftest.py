"""Fixtures: a real broker (Apache Kafka), Redis and Triton per session on free loopback ports."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.inference.repository import DEFAULT_REPOSITORY
from streams.settings import Settings
from streams.shell.kafka_admin import create_topics, wait_for_broker
from streams.shell.local_stack import LocalStack
from streams.shell.triton_server import TritonEndpoints
from streams.shell.worker import start_worker_process, stop_process
from tests.samples import leaks


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the whole session: no log any test's worker, CLI, broker, Redis or Triton wrote
    holds a test credential or the canary description (an error at teardown otherwise)."""
    yield
    found = leaks(tmp_path_factory.getbasetemp())
    assert not found, "secrets in logs:\n" + "\n".join(found)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack(tmp_path_factory.mktemp("stack")) as local:
        local.start_broker()
        local.start_redis()
        yield local


@pytest.fixture(scope="session")
def session_triton(stack: LocalStack) -> TritonEndpoints:
    return stack.start_triton(DEFAULT_REPOSITORY)


@pytest.fixture
def triton(stack: LocalStack, session_triton: TritonEndpoints) -> TritonEndpoints:
    """A real Triton (CPU, python backend) serving models/repository for the session.

    The Triton the pytriton wheel ships (2.51) can segfault when a client goes away with a
    request in flight: a race in its gRPC cancellation path (triton-inference-server/server
    #8034, fixed in 25.04). Tests that SIGKILL a worker may take the shared server down;
    the next test that needs it gets it restarted where clients expect it, with the crash
    printed, instead of failing for a fault that is not its own."""
    server = stack.process("triton")
    if server.process.poll() is not None:
        print(
            f"the session's Triton exited ({server.process.returncode}); restarting it. "
            f"Log tail:\n{server.log_tail(30)}"
        )
        stack.start_triton(DEFAULT_REPOSITORY, endpoints=session_triton)
    return session_triton


@pytest.fixture
def make_settings(
    stack: LocalStack, triton: TritonEndpoints, tmp_path: Path
) -> Callable[..., Settings]:
    """Settings on throwaway topics (unique per call) against the session's stack: the
    worker sends its batches to the session's Triton."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "triton_url": triton.grpc_url,
            "batch_size": 200,
            "batch_wait_seconds": 0.1,
        }
        settings = stack.scratch_settings("txenrich-test", tmp_path, **(values | overrides))
        wait_for_broker(settings)
        create_topics(settings)
        return settings

    return build


@pytest.fixture
def spawn_worker(tmp_path: Path) -> Iterator[Callable[[Settings], subprocess.Popen[bytes]]]:
    """Start `txenrich worker` child processes; all are stopped at teardown."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def spawn(settings: Settings) -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(started)}.log"
        process = start_worker_process(settings, log)
        started.append((process, log))
        return process

    yield spawn
    for process, log in started:
        stop_process(process)
        print(f"--- {log} (tail)\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:]))
