"""The cache over verified TLS with a password (``rediss://``), against a redis-server that
listens on TLS only and requires the password: the worker caches through it, the keys
reveal no description, the password reaches no log; an untrusted certificate only costs the
cache (one clear line), never a record."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import trustme

from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.local_stack import LocalStack, ServerTls
from streams.shell.produce import produce_records
from streams.shell.worker import wait_until_ready
from tests.samples import REDIS_PASSWORD, decoded, issue_certificate

pytestmark = pytest.mark.integration

Spawn = Callable[[Settings], subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A redis-server on TLS only, with a password; its URL and the CA that signed it."""
    folder = tmp_path_factory.mktemp("redis-tls")
    chain, key, ca_file = issue_certificate(folder)
    with LocalStack(folder / "stack") as stack:
        url = stack.start_redis(tls=ServerTls(chain, key, ca_file), password=REDIS_PASSWORD)
        yield url, ca_file


def _run(settings: Settings, spawn_worker: Spawn, n: int, seed: int) -> int:
    records = sample_raw_records(n, seed=seed)
    wait_until_ready(settings, spawn_worker(settings))
    produce_records(settings, records)
    topics = [settings.topics.enriched, settings.topics.dead_letter]
    return len(list(follow(settings, topics, max_records=n, idle_timeout=60)))


def test_the_cache_over_verified_tls_with_a_password(
    tls_redis: tuple[str, Path],
    make_settings: Callable[..., Settings],
    spawn_worker: Spawn,
    tmp_path: Path,
) -> None:
    url, ca_file = tls_redis
    assert url.startswith("rediss://")
    settings = make_settings(redis_url=url, redis_ca_file=ca_file, triton_url=None)
    assert _run(settings, spawn_worker, 300, seed=61) == 300

    client = redis.Redis.from_url(url, ssl_ca_certs=str(ca_file), ssl_cert_reqs="required")
    keys = [k.decode() for k in client.scan_iter(match="txenrich:model:*", count=1000)]
    assert keys, "the worker cached nothing over TLS"
    words = {
        word
        for record in sample_raw_records(300, seed=61)
        if isinstance(value := decoded(record), dict) and isinstance(value.get("description"), str)
        for word in value["description"].upper().split()
        if len(word) >= 5 and word.isalpha()
    }
    assert not [k for k in keys if any(w in k.upper() for w in words)]  # hashed, not readable
    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(url.replace(REDIS_PASSWORD, "wrong"), ssl_ca_certs=str(ca_file)).ping()
    for log in tmp_path.glob("worker-*.log"):
        assert REDIS_PASSWORD not in log.read_text(errors="replace"), log


def test_an_untrusted_redis_certificate_costs_the_cache_not_a_record(
    tls_redis: tuple[str, Path],
    make_settings: Callable[..., Settings],
    spawn_worker: Spawn,
    tmp_path: Path,
) -> None:
    url, _ = tls_redis
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    settings = make_settings(redis_url=url, redis_ca_file=stranger, triton_url=None)
    assert _run(settings, spawn_worker, 200, seed=62) == 200
    time.sleep(0.5)
    text = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("worker-*.log"))
    assert "cache unavailable" in text and "CERTIFICATE_VERIFY_FAILED" in text.upper()
    assert REDIS_PASSWORD not in text
