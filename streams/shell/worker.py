"""Run a worker in this process (blocking), or start and stop one as a child process."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from streams.errors import LocalStackError
from streams.settings import Settings
from streams.shell.enricher import build_processor
from streams.shell.kafka_admin import create_topics, wait_for_broker
from streams.shell.local_stack import die_with_parent
from streams.shell.stream_worker import StreamWorker
from streams.topology import load_topology

__all__ = [
    "run_worker",
    "settings_env",
    "start_worker_process",
    "stop_process",
    "wait_until_ready",
]

_LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"


def run_worker(settings: Settings) -> None:
    """Run a worker until SIGTERM/SIGINT; an infrastructure failure raises (exit 1)."""
    logging.basicConfig(level=settings.log_level.upper(), format=_LOG_FORMAT)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    load_topology(settings.topology)  # a bad topology is one line, before any connection
    # Unreachable brokers and refused credentials end here in one line; the topics, the
    # state changelog among them, exist before the first batch.
    wait_for_broker(settings)
    create_topics(settings)
    asyncio.run(_serve(settings))


async def _serve(settings: Settings) -> None:
    # built on the running loop: the Triton and Redis clients bind to it
    await StreamWorker(settings, build_processor(settings)).run()


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables that reproduce `settings` in a child process."""
    env = {
        "TXENRICH_KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "TXENRICH_KAFKA_SECURITY_PROTOCOL": settings.kafka.security_protocol,
        "TXENRICH_KAFKA_MAX_MESSAGE_BYTES": str(settings.kafka.max_message_bytes),
        "TXENRICH_KAFKA_COMPRESSION": settings.kafka.compression,
        "TXENRICH_OUTPUT_FORMAT": settings.output_format,
        "TXENRICH_TOPIC_RAW": settings.topics.raw,
        "TXENRICH_TOPIC_ENRICHED": settings.topics.enriched,
        "TXENRICH_TOPIC_DEAD_LETTER": settings.topics.dead_letter,
        "TXENRICH_TOPIC_BACKFILL_RAW": settings.topics.backfill_raw,
        "TXENRICH_TOPIC_BACKFILL_ENRICHED": settings.topics.backfill_enriched,
        "TXENRICH_TOPIC_BACKFILL_DEAD_LETTER": settings.topics.backfill_dead_letter,
        "TXENRICH_BACKFILL_TOPOLOGY": str(settings.backfill_topology),
        "TXENRICH_BACKFILL_BUCKET_ROWS": str(settings.backfill_bucket_rows),
        "TXENRICH_BACKFILL_BATCH_SIZE": str(settings.backfill_batch_size),
        "TXENRICH_BACKFILL_MEMO_ENTRIES": str(settings.backfill_memo_entries),
        "TXENRICH_BACKFILL_NICE": str(settings.backfill_nice),
        "TXENRICH_BACKFILL_PROCESSES": str(settings.backfill_processes),
        "TXENRICH_BACKFILL_YIELD_MS": str(settings.backfill_yield_ms),
        "TXENRICH_APP_ID": settings.app_id,
        "TXENRICH_PARTITIONS": str(settings.partitions),
        "TXENRICH_REPLICATION_FACTOR": str(settings.replication_factor),
        "TXENRICH_MIN_INSYNC_REPLICAS": str(settings.min_insync_replicas),
        "TXENRICH_BATCH_SIZE": str(settings.batch_size),
        "TXENRICH_BATCH_WAIT_SECONDS": str(settings.batch_wait_seconds),
        "TXENRICH_MAX_RECORD_BYTES": str(settings.max_record_bytes),
        "TXENRICH_MAX_METADATA_BYTES": str(settings.max_metadata_bytes),
        "TXENRICH_MAX_METADATA_DEPTH": str(settings.max_metadata_depth),
        "TXENRICH_WEB_HOST": settings.web_host,
        "TXENRICH_WEB_PORT": str(settings.web_port),
        "TXENRICH_DATA_DIR": str(settings.data_dir),
        "TXENRICH_LOG_LEVEL": settings.log_level,
        "TXENRICH_SESSION_TIMEOUT_SECONDS": str(settings.session_timeout_seconds),
        "TXENRICH_CACHE_TTL_SECONDS": str(settings.cache_ttl_seconds),
        "TXENRICH_MODEL_THREADS": str(settings.model_threads),
    }
    kafka = settings.kafka
    optional = {
        "TXENRICH_KAFKA_SASL_MECHANISM": kafka.sasl_mechanism,
        "TXENRICH_KAFKA_SASL_USERNAME": kafka.sasl_username,
        "TXENRICH_KAFKA_SASL_PASSWORD": (
            kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
        ),
        "TXENRICH_KAFKA_SSL_CAFILE": kafka.ssl_cafile,
        "TXENRICH_KAFKA_SSL_CERTFILE": kafka.ssl_certfile,
        "TXENRICH_KAFKA_SSL_KEYFILE": kafka.ssl_keyfile,
        "TXENRICH_WEB_ADVERTISED_HOST": settings.web_advertised_host,
        "TXENRICH_GROUP_INSTANCE_ID": settings.group_instance_id,
        "TXENRICH_REDIS_CA_FILE": settings.redis_ca_file,
        "TXENRICH_REDIS_CERT_FILE": settings.redis_cert_file,
        "TXENRICH_REDIS_KEY_FILE": settings.redis_key_file,
        "TXENRICH_TRITON_CA_FILE": settings.triton_ca_file,
        "TXENRICH_TRITON_CERT_FILE": settings.triton_cert_file,
        "TXENRICH_TRITON_KEY_FILE": settings.triton_key_file,
        "TXENRICH_WEB_TOKEN": settings.web_token.get_secret_value() if settings.web_token else None,
    }
    env |= {name: str(value) for name, value in optional.items() if value is not None}
    # empty: run without a cache
    env["TXENRICH_REDIS_URL"] = settings.redis_url.get_secret_value() if settings.redis_url else ""
    env["TXENRICH_TRITON_URL"] = settings.triton_url or ""  # empty: models in process only
    env["TXENRICH_TRITON_TLS"] = "true" if settings.triton_tls else "false"
    env["TXENRICH_TOPOLOGY"] = str(settings.topology)
    env["TXENRICH_MODEL_REPOSITORY"] = str(settings.model_repository)
    return env


def start_worker_process(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    """`txenrich worker` as a child process, logging to `log_path`."""
    env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "streams", "worker"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - only prctl, before exec
        )


def stop_process(process: subprocess.Popen[bytes], grace_seconds: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after the grace period."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace_seconds)


def peak_rss_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise LocalStackError(f"process {pid} reports no VmHWM")


def wait_until_ready(
    settings: Settings, process: subprocess.Popen[bytes], timeout: float = 90.0
) -> None:
    """Block until the worker's /health says it owns raw partitions."""
    url = f"http://{settings.web_host}:{settings.web_port}/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalStackError(f"worker exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if json.loads(response.read()).get("ready"):
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.2)
    raise LocalStackError(f"worker not ready after {timeout:.0f}s ({url})")
