"""Settings, read once from environment variables (prefix TXENRICH_) and flags, then passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["BACKFILL_TOPOLOGY", "DEFAULT_TOPOLOGY", "KafkaSettings", "Settings", "TopicNames"]

DEFAULT_TOPOLOGY: Final = Path(__file__).resolve().parents[1] / "topologies" / "live.yaml"
BACKFILL_TOPOLOGY: Final = DEFAULT_TOPOLOGY.with_name("backfill.yaml")

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
Compression = Literal["none", "gzip", "snappy", "lz4", "zstd"]


class KafkaSettings(BaseSettings):
    """How to reach a Kafka cluster (env TXENRICH_KAFKA_*)."""

    model_config = SettingsConfigDict(env_prefix="TXENRICH_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    # The largest record a producer may write, and the topics' max.message.bytes when the
    # CLI creates them (Kafka's broker default is 1 MiB plus a batch header).
    max_message_bytes: int = Field(default=1_048_576, ge=1024, le=100 * 1_048_576)
    # The codec this project's producers compress their batches with (the worker's outputs,
    # `txenrich produce`). Every consumer here reads all of Kafka's codecs whatever this is.
    # zstd by measurement: as fast and as cheap in CPU as lz4 and snappy on the worker's
    # records, and half their bytes (README, Performance: compression).
    compression: Compression = "zstd"

    def confluent_config(self) -> dict[str, Any]:
        """librdkafka configuration for confluent-kafka clients."""
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol.lower(),
            "message.max.bytes": self.max_message_bytes,
        }
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_username is not None:
            conf["sasl.username"] = self.sasl_username
        if self.sasl_password is not None:
            conf["sasl.password"] = self.sasl_password.get_secret_value()
        if self.ssl_cafile:
            conf["ssl.ca.location"] = str(self.ssl_cafile)
        if self.ssl_certfile:
            conf["ssl.certificate.location"] = str(self.ssl_certfile)
        if self.ssl_keyfile:
            conf["ssl.key.location"] = str(self.ssl_keyfile)
        return conf

    def producer_config(self, linger_ms: int = 5) -> dict[str, Any]:
        """librdkafka configuration of every producer here: nothing acknowledged before all
        in-sync replicas have it, no duplicate on retry, Java clients' key hashing (so an
        account lands on the partition whoever produced it), and the codec setting."""
        return {
            **self.confluent_config(),
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": linger_ms,
            "compression.type": self.compression,
            "partitioner": "murmur2_random",
        }

    def consumer_config(self, group_id: str) -> dict[str, Any]:
        """librdkafka configuration of every consumer here: committed records only (never
        an aborted transaction's), batches checked against their CRC (a corrupt one is an
        error naming its offset, never garbage), and offsets committed by hand."""
        return {
            **self.confluent_config(),
            "group.id": group_id,
            "isolation.level": "read_committed",
            "check.crcs": True,
            "enable.auto.commit": False,
        }


class TopicNames(BaseSettings):
    """Topic names (env TXENRICH_TOPIC_*)."""

    model_config = SettingsConfigDict(env_prefix="TXENRICH_TOPIC_", extra="ignore")

    raw: str = "transactions.raw"
    enriched: str = "transactions.enriched"
    dead_letter: str = "transactions.dead-letter"
    # `txenrich backfill --split-to-topic` without a name: the backfill workers' input
    backfill_raw: str = "transactions.raw.backfill"
    # `txenrich backfill --to-topic` without a name (and the backfill workers' output), and
    # their dead letters
    backfill_enriched: str = "transactions.enriched.backfill"
    backfill_dead_letter: str = "transactions.dead-letter.backfill"


class Settings(BaseSettings):
    """Everything a worker or CLI command needs (env TXENRICH_*)."""

    model_config = SettingsConfigDict(env_prefix="TXENRICH_", extra="ignore")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicNames = Field(default_factory=TopicNames)
    app_id: str = "txenrich"
    # Topics the CLI and workers create (the state changelog too): production defaults that
    # survive one broker lost with no acknowledged write lost (acks=all); the local stack
    # uses 1 / 1.
    partitions: int = Field(default=3, ge=1, le=1024)
    replication_factor: int = Field(default=3, ge=1, le=16)
    min_insync_replicas: int = Field(default=2, ge=1, le=16)
    batch_size: int = Field(default=500, ge=1, le=100_000)
    # A batch is what has arrived when the worker is ready for it: it waits for the first
    # record, then takes up to batch_size already fetched, waiting at most this long for
    # more. 0 (the default): never hold records back to fill a batch; under load, batches
    # fill by themselves while the previous one is processed.
    batch_wait_seconds: float = Field(default=0.0, ge=0, le=60)
    # What one raw record may hold; larger or deeper ones are dead-lettered (record_too_large
    # before decoding, metadata_too_large, metadata_too_deep).
    max_record_bytes: int = Field(default=65_536, ge=1024, le=100 * 1_048_576)
    max_metadata_bytes: int = Field(default=16_384, ge=1, le=100 * 1_048_576)
    max_metadata_depth: int = Field(default=16, ge=1, le=1000)
    # The cache: redis:// or rediss:// (TLS), a password in the URL if the server wants one
    # (rediss://:<password>@host:port/0). A secret: no log or repr prints it. Unset: no cache.
    redis_url: SecretStr | None = SecretStr("redis://127.0.0.1:6379/0")
    # rediss://: the CA that signed the server's certificate (unset: the system's CAs), and a
    # client certificate and key for a server that asks for one.
    redis_ca_file: Path | None = None
    redis_cert_file: Path | None = None
    redis_key_file: Path | None = None
    cache_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=1)
    # A killed worker's partitions move to the others after this long; Kafka's
    # default (45-60 s) is too slow to notice a crash in a latency-sensitive stream.
    session_timeout_seconds: float = Field(default=10.0, ge=1, le=300)
    # Static group membership (Kafka's group.instance.id): a stable name per worker (a
    # StatefulSet pod's name). A worker restarted under the same name after a crash takes its
    # partitions back at once, with no rebalance and no wait for the dead session; a stopped
    # one that does not return keeps them until session_timeout_seconds. Unset: dynamic.
    group_instance_id: str | None = Field(default=None, min_length=1, max_length=249)
    # The HTTP port (/metrics, /health, /accounts/{id}/recurring) listens on web_host.
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=0, le=65535)
    # The address other workers forward account queries to (a pod IP or DNS name); unset:
    # web_host, which must then be one others can reach (not 0.0.0.0 or ::).
    web_advertised_host: str | None = None
    # A bearer token that /accounts/{id}/recurring requires (``Authorization: Bearer
    # <token>``, compared in constant time); unset: the query is open, as on the local
    # stack. /health and /metrics stay open for probes and scrapers.
    web_token: SecretStr | None = None
    data_dir: Path = Path(".txenrich")
    # The Triton model repository (models/repository in a checkout); the in-process runner
    # reads the same folder.
    model_repository: Path = Field(
        default_factory=lambda: Path(__file__).resolve().parents[1] / "models" / "repository"
    )
    # onnxruntime intra-op threads for the in-process runner (0: one per core; a backfill:
    # one per process).
    model_threads: int = Field(default=0, ge=0, le=256)
    # Triton's gRPC endpoint (host:port). Unset: the models run in process only. Set: each
    # batch goes to Triton, and to the in-process runner while Triton is down or slow.
    triton_url: str | None = None
    # gRPC over TLS to Triton (tritonserver --grpc-use-ssl): the server's certificate and host
    # name are verified against TXENRICH_TRITON_CA_FILE (unset: the system's CAs); a client
    # certificate and key for a server that asks for one (--grpc-use-ssl-mutual).
    triton_tls: bool = False
    triton_ca_file: Path | None = None
    triton_cert_file: Path | None = None
    triton_key_file: Path | None = None
    # The topology: model route (Triton priority, deadline, breaker) and pre-policies.
    topology: Path = DEFAULT_TOPOLOGY
    # `txenrich backfill`: its topology (Triton's lower-priority lane, longer deadline) and
    # the rows per account bucket it holds in memory at a time.
    backfill_topology: Path = BACKFILL_TOPOLOGY
    backfill_bucket_rows: int = Field(default=50_000, ge=100, le=5_000_000)
    # A backfill's batches (not latency-bound: bigger batches feed the models better), and
    # without Redis, how many model answers it keeps in memory by cache key (0: none).
    backfill_batch_size: int = Field(default=2000, ge=1, le=100_000)
    backfill_memo_entries: int = Field(default=200_000, ge=0, le=10_000_000)
    # How much a backfill yields the CPU to the processes beside it (nice(2) increment, 0-19):
    # live workers on the same host keep most of their latency while a backfill soaks up what
    # is idle (on 2 cores live p99 1.2-2.1x its value alone at 19; README, Backfills).
    backfill_nice: int = Field(default=19, ge=0, le=19)
    # Pause a backfill's processes while the live workers' records wait longer than this on
    # average (from the raw topic's offsets and the live group's commits), resume below 0.8
    # of it; raised to 1.5x the live path's own wait where that is longer. 0: never pause.
    # Only a backfill that reads or writes Kafka yields (README, Backfills).
    backfill_yield_ms: int = Field(default=200, ge=0, le=600_000)
    # Processes that enrich a backfill's buckets side by side (0: one per CPU it may use;
    # 1: all in the CLI's own process). Each holds the models and one bucket.
    backfill_processes: int = Field(default=0, ge=0, le=256)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # How enriched and dead-letter values are written (the content-type header names it):
    # msgpack is smaller and faster; json reads as text in kcat or Kafka's console consumer.
    output_format: Literal["msgpack", "json"] = "msgpack"

    @property
    def web_url(self) -> str:
        """The URL other workers reach this worker's HTTP port at."""
        host = self.web_advertised_host or self.web_host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.web_port}"

    @model_validator(mode="after")
    def _advertised_host_reachable(self) -> Settings:
        if self.web_advertised_host is None and self.web_host in ("0.0.0.0", "::", ""):
            raise ValueError(
                f"web_host {self.web_host!r} listens everywhere but is no address to forward "
                "to: set TXENRICH_WEB_ADVERTISED_HOST to this worker's address (a pod IP)"
            )
        return self

    @model_validator(mode="after")
    def _triton_tls_complete(self) -> Settings:
        files = (self.triton_ca_file, self.triton_cert_file, self.triton_key_file)
        if any(files) and not self.triton_tls:
            raise ValueError(
                "TXENRICH_TRITON_CA_FILE/_CERT_FILE/_KEY_FILE are set but TLS is off: "
                "set TXENRICH_TRITON_TLS=true"
            )
        if (self.triton_cert_file is None) != (self.triton_key_file is None):
            raise ValueError(
                "a Triton client certificate needs both TXENRICH_TRITON_CERT_FILE and "
                "TXENRICH_TRITON_KEY_FILE"
            )
        return self

    @model_validator(mode="after")
    def _replicas_fit(self) -> Settings:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"min_insync_replicas ({self.min_insync_replicas}) exceeds replication_factor "
                f"({self.replication_factor}): no write could ever be acknowledged"
            )
        return self
