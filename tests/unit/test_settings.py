"""Settings that cannot work are refused when they are read, in one line that says what to set."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from streams.settings import KafkaSettings, Settings, TopicNames
from streams.shell.worker import settings_env

pytestmark = pytest.mark.unit


def test_a_wildcard_bind_needs_an_advertised_address() -> None:
    with pytest.raises(ValidationError, match="TXENRICH_WEB_ADVERTISED_HOST"):
        Settings(web_host="0.0.0.0")
    settings = Settings(web_host="0.0.0.0", web_advertised_host="10.1.2.3", web_port=7000)
    assert settings.web_url == "http://10.1.2.3:7000"
    assert Settings(web_advertised_host="fd00::7", web_port=7000).web_url == "http://[fd00::7]:7000"
    assert Settings(web_port=7000).web_url == "http://127.0.0.1:7000"


def test_replicas_that_never_acknowledge_are_refused() -> None:
    with pytest.raises(ValidationError, match="min_insync_replicas"):
        Settings(replication_factor=1, min_insync_replicas=2)


def test_the_web_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TXENRICH_WEB_TOKEN", "hunter2-token")
    settings = Settings()
    assert settings.web_token is not None
    assert settings.web_token.get_secret_value() == "hunter2-token"
    assert "hunter2-token" not in repr(settings) and "hunter2-token" not in str(settings)


def test_a_child_process_gets_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """settings_env carries every setting to a worker process: a new setting that it
    forgets fails here, not as a worker silently running on a default."""
    kafka = KafkaSettings(
        bootstrap_servers="127.0.0.1:1",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="u",
        sasl_password="p",  # type: ignore[arg-type]
        ssl_cafile="/ca.pem",
        ssl_certfile="/cert.pem",
        ssl_keyfile="/key.pem",
        compression="lz4",
        max_message_bytes=2_000_000,
    )
    values = {
        name: field.default
        for name, field in Settings.model_fields.items()
        if name not in ("kafka", "topics")
    }
    original = Settings(
        kafka=kafka,
        topics=TopicNames(raw="r", enriched="e", dead_letter="d"),
        app_id="a",
        partitions=5,
        replication_factor=2,
        min_insync_replicas=1,
        batch_size=77,
        batch_wait_seconds=0.25,
        max_record_bytes=5000,
        max_metadata_bytes=600,
        max_metadata_depth=3,
        redis_url="rediss://:pw@127.0.0.1:1/2",  # type: ignore[arg-type]
        redis_ca_file="/redis-ca.pem",  # type: ignore[arg-type]
        redis_cert_file="/redis-cert.pem",  # type: ignore[arg-type]
        redis_key_file="/redis-key.pem",  # type: ignore[arg-type]
        cache_ttl_seconds=60,
        session_timeout_seconds=7.0,
        group_instance_id="worker-3",
        web_host="127.0.0.2",
        web_port=7001,
        web_advertised_host="worker-0",
        web_token="tok",  # type: ignore[arg-type]
        model_threads=3,
        triton_url="127.0.0.1:8001",
        triton_tls=True,
        triton_ca_file="/triton-ca.pem",  # type: ignore[arg-type]
        triton_cert_file="/triton-cert.pem",  # type: ignore[arg-type]
        triton_key_file="/triton-key.pem",  # type: ignore[arg-type]
        log_level="warning",
        output_format="json",
        backfill_bucket_rows=1234,
        backfill_batch_size=321,
        backfill_memo_entries=99,
        backfill_nice=3,
        backfill_processes=3,
        backfill_yield_ms=250,
    )
    changed = {n for n in values if getattr(original, n) != values[n]}
    untouched = (
        set(values) - changed - {"data_dir", "model_repository", "topology", "backfill_topology"}
    )
    assert not untouched, f"give these a non-default value here: {sorted(untouched)}"
    for name in list(os.environ):
        if name.startswith("TXENRICH_"):
            monkeypatch.delenv(name)
    for name, value in settings_env(original).items():
        monkeypatch.setenv(name, value)
    again = Settings()

    def plain(settings: Settings) -> str:
        return settings.model_dump_json(
            context=None,
            round_trip=True,
            exclude={"kafka": {"sasl_password"}, "web_token": True, "redis_url": True},
        )

    assert plain(again) == plain(original)
    assert again.kafka.sasl_password is not None and again.web_token is not None
    assert again.kafka.sasl_password.get_secret_value() == "p"
    assert again.web_token.get_secret_value() == "tok"
    assert again.redis_url is not None
    assert again.redis_url.get_secret_value() == "rediss://:pw@127.0.0.1:1/2"
    assert "pw@" not in repr(again)
