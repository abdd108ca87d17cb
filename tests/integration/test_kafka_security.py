"""SASL_SSL with SCRAM-SHA-512 and verified TLS, end to end: worker, `produce`, `consume`.

The broker gets a SASL_SSL listener with a certificate from a CA made here; every client
verifies it and logs in with credentials from settings (the environment, as in production).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from streams.settings import KafkaSettings, Settings
from streams.shell.kafka_broker import ScramListener
from streams.shell.local_stack import LocalStack, free_port
from streams.shell.worker import settings_env, wait_until_ready
from tests.samples import SCRAM_PASSWORD, issue_certificate

pytestmark = pytest.mark.integration

TXENRICH = str(Path(sys.executable).with_name("txenrich"))
USER = "enricher"
Spawn = Callable[[Settings], subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, Path]]:
    """A broker with a SASL_SSL listener (SCRAM-SHA-512 user, certificate for 127.0.0.1)."""
    folder = tmp_path_factory.mktemp("secured")
    chain, key, ca_file = issue_certificate(folder)
    with LocalStack(folder / "stack") as stack:
        stack.start_broker(scram=ScramListener(free_port(), chain, key, {USER: SCRAM_PASSWORD}))
        yield stack, ca_file


def _sasl(stack: LocalStack, ca_file: Path, password: str) -> KafkaSettings:
    assert stack.broker is not None and stack.broker.scram is not None
    return KafkaSettings(
        bootstrap_servers=f"127.0.0.1:{stack.broker.scram.port}",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username=USER,
        sasl_password=password,
        ssl_cafile=ca_file,
    )


def _cli(settings: Settings, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run(
        [TXENRICH, *argv], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_worker_produce_and_consume_log_in_over_verified_tls(
    secured: tuple[LocalStack, Path],
    make_settings: Callable[..., Settings],
    spawn_worker: Spawn,
    tmp_path: Path,
) -> None:
    stack, ca_file = secured
    plain = make_settings()  # unique topic names, the session's Redis and Triton
    settings = stack.settings(
        kafka=_sasl(stack, ca_file, SCRAM_PASSWORD),
        topics=plain.topics,
        app_id=plain.app_id,
        redis_url=plain.redis_url,
        triton_url=plain.triton_url,
        web_port=free_port(),
        data_dir=tmp_path / "worker",
    )
    created = _cli(settings, "topics", "create")
    assert created.returncode == 0, created.stderr
    worker = spawn_worker(settings)
    wait_until_ready(settings, worker)
    produced = _cli(settings, "produce", "--sample", "300")
    assert produced.returncode == 0, produced.stderr
    consumed = _cli(
        settings, "consume", "--format", "jsonl", "--max", "250", "--idle-timeout", "60"
    )
    assert consumed.returncode == 0, consumed.stderr
    assert len(consumed.stdout.splitlines()) == 250
    # no password in anything a person or a log collector reads
    worker_log = (tmp_path / "worker-0.log").read_text(errors="replace")
    for text in (worker_log, created.stdout + created.stderr, produced.stdout + produced.stderr):
        assert SCRAM_PASSWORD not in text
    assert SCRAM_PASSWORD not in (stack.workdir / "broker.log").read_text(errors="replace")


@pytest.mark.parametrize("command", [["topics", "create"], ["worker", "--no-triton"]])
def test_a_wrong_password_is_one_clear_line_not_a_hang(
    secured: tuple[LocalStack, Path], command: list[str], tmp_path: Path
) -> None:
    stack, ca_file = secured
    settings = stack.settings(
        kafka=_sasl(stack, ca_file, "not-the-password"),
        web_port=free_port(),
        data_dir=tmp_path,
        redis_url=None,
    )
    started = time.monotonic()
    result = _cli(settings, *command, timeout=90)
    assert result.returncode == 1, result.stdout + result.stderr
    assert time.monotonic() - started < 60
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "refused SCRAM-SHA-512 login as 'enricher'" in lines[0]
    assert "TXENRICH_KAFKA_SASL_PASSWORD" in lines[0]
    assert "not-the-password" not in result.stdout + result.stderr


def test_an_untrusted_certificate_is_one_clear_line(
    secured: tuple[LocalStack, Path], tmp_path: Path
) -> None:
    stack, _ = secured
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    settings = stack.settings(kafka=_sasl(stack, other_ca, SCRAM_PASSWORD))
    result = _cli(settings, "topics", "create", timeout=90)
    assert result.returncode == 1
    assert "TLS with the broker failed" in result.stderr
    assert "TXENRICH_KAFKA_SSL_CAFILE" in result.stderr
