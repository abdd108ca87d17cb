"""Topic administration and broker reachability, with confluent-kafka."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from streams.errors import BrokerUnavailable
from streams.settings import Settings

__all__ = ["create_topics", "wait_for_broker"]


# librdkafka logs every refused connection; while waiting for a broker that is noise,
# and the error we raise afterwards says what happened and what to do.
_QUIET = logging.getLogger("txenrich.librdkafka.admin")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def _admin(settings: Settings) -> AdminClient:
    return AdminClient(settings.kafka.confluent_config(), logger=_QUIET)


def wait_for_broker(settings: Settings, timeout: float = 30.0) -> None:
    """Return once the bootstrap servers answer a metadata request."""
    admin = _admin(settings)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin.list_topics(timeout=2)
            return
        except KafkaException as exc:
            last = exc
            time.sleep(0.2)
    raise BrokerUnavailable(
        f"broker unreachable at {settings.kafka.bootstrap_servers} ({last}); "
        "start one with `txenrich up` or set TXENRICH_KAFKA_BOOTSTRAP_SERVERS"
    )


def create_topics(settings: Settings, names: Iterable[str] | None = None) -> list[str]:
    """Create the raw, enriched and dead-letter topics (or `names`); returns those created."""
    wanted = (
        list(names)
        if names is not None
        else [
            settings.topics.raw,
            settings.topics.enriched,
            settings.topics.dead_letter,
        ]
    )
    admin = _admin(settings)
    existing = set(admin.list_topics(timeout=10).topics)
    missing = [name for name in wanted if name not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [NewTopic(name, settings.partitions, settings.replication_factor) for name in missing],
        operation_timeout=10,
    )
    created: list[str] = []
    for name, future in futures.items():
        try:
            future.result()
            created.append(name)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise BrokerUnavailable(f"cannot create topic {name!r}: {exc}") from exc
    return created
