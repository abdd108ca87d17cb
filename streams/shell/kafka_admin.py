"""Topic administration and broker reachability, with confluent-kafka."""

from __future__ import annotations

import logging
import time
from typing import Final

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from streams.errors import BrokerAuthenticationError, BrokerUnavailable, ConfigError
from streams.settings import Settings

__all__ = ["STATE_TABLES", "changelog_topics", "create_topics", "wait_for_broker"]

# The workers' state (see recurrence_state): one compacted changelog topic per kind.
STATE_TABLES: Final = ("recurrence",)
_COMPACTED: Final = {"cleanup.policy": "compact"}


# librdkafka logs every refused connection; while waiting for a broker that is noise,
# and the error we raise afterwards says what happened and what to do.
_QUIET = logging.getLogger("txenrich.librdkafka.admin")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


# Errors no retry can mend: the broker refused the credentials, or TLS could not be verified.
_REFUSALS = (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED, KafkaError._SSL)


def _admin(settings: Settings, errors: list[KafkaError] | None = None) -> AdminClient:
    config = settings.kafka.confluent_config()
    if errors is not None:
        config["error_cb"] = errors.append
    return AdminClient(config, logger=_QUIET)


def _refusal(settings: Settings, error: KafkaError) -> BrokerAuthenticationError:
    kafka = settings.kafka
    if error.code() == KafkaError._SSL:
        what = "TLS with the broker failed"
        fix = "check TXENRICH_KAFKA_SSL_CAFILE (the CA that signed the broker's certificate)"
    else:
        what = f"the broker refused {kafka.sasl_mechanism} login as {kafka.sasl_username!r}"
        fix = "check TXENRICH_KAFKA_SASL_USERNAME and TXENRICH_KAFKA_SASL_PASSWORD"
    # librdkafka's text names the mechanism and the reason, never the password
    reason = error.str().split(": ", 1)[-1]
    return BrokerAuthenticationError(
        f"{what} at {kafka.bootstrap_servers} ({kafka.security_protocol}): {reason}; {fix}"
    )


def wait_for_broker(settings: Settings, timeout: float = 30.0) -> None:
    """Return once the bootstrap servers answer a metadata request; refused credentials or
    an unverifiable certificate end the wait at once."""
    errors: list[KafkaError] = []
    admin = _admin(settings, errors)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin.list_topics(timeout=2)
            return
        except KafkaException as exc:
            last = exc
            admin.poll(0.2)  # serves the error callback: why the metadata request failed
            refused = [e for e in errors if e.code() in _REFUSALS]
            if refused:
                raise _refusal(settings, refused[-1]) from exc
    raise BrokerUnavailable(
        f"broker unreachable at {settings.kafka.bootstrap_servers} ({last}); "
        "start one with `txenrich up` or set TXENRICH_KAFKA_BOOTSTRAP_SERVERS"
    )


def changelog_topics(app_id: str) -> list[str]:
    """The compacted topics that back the workers' state, partitioned like the raw topic."""
    return [f"{app_id}-{table}-changelog" for table in STATE_TABLES]


def create_topics(settings: Settings) -> list[str]:
    """Create what is missing of the raw, enriched and dead-letter topics, the backfill's
    output topics and the state changelog; returns the names created. A changelog gets as
    many partitions as the raw topic has: each raw partition's state lives in the changelog
    partition of that number.
    """
    durable = {
        "min.insync.replicas": str(settings.min_insync_replicas),
        "max.message.bytes": str(settings.kafka.max_message_bytes),
    }
    topics = settings.topics
    wanted = dict.fromkeys(
        [
            topics.raw,
            topics.enriched,
            topics.dead_letter,
            topics.backfill_raw,
            topics.backfill_enriched,
            topics.backfill_dead_letter,
        ],
        durable,
    )
    changelogs = changelog_topics(settings.app_id)
    wanted |= dict.fromkeys(changelogs, durable | _COMPACTED)
    admin = _admin(settings)
    metadata = admin.list_topics(timeout=10)
    missing = [name for name in wanted if name not in metadata.topics]
    if not missing:
        return []
    described = metadata.topics.get(topics.raw)
    raw_partitions = len(described.partitions) if described is not None else settings.partitions
    brokers = len(metadata.brokers)
    if settings.replication_factor > brokers:
        raise ConfigError(
            f"replication factor {settings.replication_factor} needs as many brokers; "
            f"{settings.kafka.bootstrap_servers} has {brokers}: set TXENRICH_REPLICATION_FACTOR "
            f"and TXENRICH_MIN_INSYNC_REPLICAS to at most {brokers}"
        )
    futures = admin.create_topics(
        [
            NewTopic(
                name,
                raw_partitions if name in changelogs else settings.partitions,
                settings.replication_factor,
                config=wanted[name],
            )
            for name in missing
        ],
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
