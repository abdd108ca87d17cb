"""Apache Kafka for the local stack: one KRaft node (broker and controller in one JVM).

The jars come from Maven Central (`make setup` resolves ``deploy/local-kafka/pom.xml`` into
``.kafka/libs``); this module writes the node's ``server.properties`` and log4j2
configuration, formats its log directory once and builds the ``java`` command lines that
``LocalStack`` runs. The log directory is on disk: a node started again on the same
directory keeps its topics, offsets and consumer groups.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from streams.errors import LocalStackError

__all__ = [
    "JVM_OPTIONS",
    "KafkaNode",
    "ScramListener",
    "find_java",
    "find_kafka_libs",
    "new_cluster_id",
]

DEFAULT_LIBS: Final = Path(__file__).resolve().parents[2] / ".kafka" / "libs"
MIN_JAVA: Final = 17
# Sized for a 2-core machine that also runs Redis, Triton and the workers: the broker's
# resident set stays near 250-350 MB under the benchmarks with a 512 MB heap ceiling. G1 with
# short pauses, as Kafka's own start script; two GC threads, not one per core of a big host.
JVM_OPTIONS: Final = (
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:ParallelGCThreads=2",
    "-XX:ConcGCThreads=1",
    "-Djava.awt.headless=true",
)
SCRAM_MECHANISM: Final = "SCRAM-SHA-512"
# Everything the node logs goes to its stdout, which LocalStack writes to broker.log in the
# run folder; the per-request and state-change loggers stay quiet unless something is wrong.
_QUIET_LOGGERS: Final = (
    "kafka.request.logger",
    "state.change.logger",
    "kafka.log.LogCleaner",
    "org.apache.kafka.controller",
    "org.apache.kafka.storage.internals.log",
)
LOG4J2_CONFIG: Final = (
    "status = warn\n"
    "appender.stdout.type = Console\n"
    "appender.stdout.name = stdout\n"
    "appender.stdout.layout.type = PatternLayout\n"
    "appender.stdout.layout.pattern = [%d] %p %m (%c)%n\n"
    "rootLogger.level = info\n"
    "rootLogger.appenderRef.stdout.ref = stdout\n"
    + "".join(
        f"logger.q{i}.name = {name}\nlogger.q{i}.level = warn\n"
        for i, name in enumerate(_QUIET_LOGGERS)
    )
)


def find_kafka_libs() -> Path:
    """The folder of Kafka's jars: $TXENRICH_KAFKA_LIBS, else ``.kafka/libs`` in the checkout."""
    libs = Path(os.environ.get("TXENRICH_KAFKA_LIBS") or DEFAULT_LIBS)
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise LocalStackError(
            f"Apache Kafka's jars are not in {libs}: run `make setup` "
            "(it resolves them from Maven Central), or set TXENRICH_KAFKA_LIBS"
        )
    return libs


def find_java() -> Path:
    """A ``java`` of version 17 or newer: $JAVA_HOME/bin/java, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    java = Path(home) / "bin" / "java" if home else None
    if java is None or not java.is_file():
        found = shutil.which("java")
        java = Path(found) if found else None
    if java is None:
        raise LocalStackError(
            f"the local Kafka broker needs Java {MIN_JAVA}+: install it "
            "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
    printed = subprocess.run(
        [str(java), "-version"], capture_output=True, text=True, check=False, timeout=30
    ).stderr
    match = re.search(r'version "(?:1\.)?(\d+)', printed)
    if match is None or int(match.group(1)) < MIN_JAVA:
        raise LocalStackError(
            f"{java} is not Java {MIN_JAVA}+ ({printed.splitlines()[:1]}); "
            "install openjdk-17-jre-headless or point JAVA_HOME at a newer JDK"
        )
    return java


def new_cluster_id() -> str:
    """16 random bytes, URL-safe base64 without padding, never starting with '-' (which
    Kafka's tools would read as an option)."""
    while True:
        text = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not text.startswith("-"):
            return text


@dataclass(frozen=True)
class ScramListener:
    """A SASL_SSL listener whose clients log in with SCRAM-SHA-512 over verified TLS."""

    port: int
    # PEM files: the broker's certificate chain, and its private key in PKCS#8 (unencrypted)
    certificate_chain: Path
    private_key: Path
    users: Mapping[str, str] = field(default_factory=dict)  # name -> password


@dataclass(frozen=True)
class KafkaNode:
    """One KRaft node on loopback: its ports, log directory and optional SASL_SSL listener."""

    host: str
    port: int
    controller_port: int
    log_dir: Path
    partitions: int = 3
    scram: ScramListener | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def properties(self) -> dict[str, str]:
        """``server.properties`` for this node, sized for a small machine."""
        listeners = {
            "PLAINTEXT": self.port,
            "CONTROLLER": self.controller_port,
        }
        if self.scram is not None:
            listeners["SASL_SSL"] = self.scram.port
        advertised = {name: port for name, port in listeners.items() if name != "CONTROLLER"}
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{self.host}:{self.controller_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listeners": ",".join(f"{n}://{self.host}:{p}" for n, p in listeners.items()),
            "advertised.listeners": ",".join(
                f"{n}://{self.host}:{p}" for n, p in advertised.items()
            ),
            # listener name -> security protocol: the controller's is plain, the rest as named
            "listener.security.protocol.map": ",".join(
                f"{n}:{'PLAINTEXT' if n == 'CONTROLLER' else n}" for n in listeners
            ),
            "log.dirs": str(self.log_dir),
            "num.partitions": str(self.partitions),
            # One node: every internal topic has one replica, and few partitions (the
            # defaults, 50 each, cost a second of start-up and memory for nothing here).
            "offsets.topic.num.partitions": "3",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.num.partitions": "3",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.num.partitions": "3",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # A consumer group forms at once instead of waiting 3 s for more members.
            "group.initial.rebalance.delay.ms": "0",
            # The compaction buffer is allocated on the heap: 128 MiB by default.
            "log.cleaner.dedupe.buffer.size": str(2 * 1024 * 1024),
            "num.network.threads": "2",
            "num.io.threads": "2",
            "background.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
        }
        if self.scram is not None:
            prefix = "listener.name.sasl_ssl"
            props |= {
                "sasl.enabled.mechanisms": SCRAM_MECHANISM,
                f"{prefix}.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": (
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;"
                ),
                f"{prefix}.ssl.keystore.type": "PEM",
                f"{prefix}.ssl.keystore.location": str(self._keystore()),
            }
        return props

    def _keystore(self) -> Path:
        return self.log_dir.parent / "broker-keystore.pem"

    def write_config(self, folder: Path) -> tuple[Path, Path]:
        """Write ``server.properties`` and the log4j2 file into ``folder``; returns both."""
        folder.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.scram is not None:
            # Kafka's PEM key store is one file: the private key, then the certificate chain.
            self._keystore().write_text(
                self.scram.private_key.read_text() + self.scram.certificate_chain.read_text()
            )
            self._keystore().chmod(0o600)
        properties = folder / "server.properties"
        properties.write_text("".join(f"{k}={v}\n" for k, v in self.properties().items()))
        log_config = folder / "log4j2.properties"
        log_config.write_text(LOG4J2_CONFIG)
        return properties, log_config

    @property
    def formatted(self) -> bool:
        """Whether the log directory was formatted before (then it keeps its data)."""
        return (self.log_dir / "meta.properties").is_file()

    def cluster_id(self) -> str:
        """The id the log directory was formatted with, or a new one for an empty directory."""
        meta = self.log_dir / "meta.properties"
        if meta.is_file():
            for line in meta.read_text().splitlines():
                if line.startswith("cluster.id="):
                    return line.split("=", 1)[1].strip()
        return new_cluster_id()

    def format_argv(self, java: Path, libs: Path, properties: Path) -> list[str]:
        """``StorageTool format``, once per log directory (``-g``: one formatted is kept).
        SCRAM users are created here, before the node first starts."""
        argv = [
            str(java),
            "-Xmx256m",
            "-cp",
            f"{libs}/*",
            "kafka.tools.StorageTool",
            "format",
            "-t",
            self.cluster_id(),
            "-c",
            str(properties),
            "-g",
        ]
        for name, password in self.scram.users.items() if self.scram else ():
            argv += ["-S", f"{SCRAM_MECHANISM}=[name={name},password={password}]"]
        return argv

    def server_argv(self, java: Path, libs: Path, properties: Path, log_config: Path) -> list[str]:
        """The node itself, as ``bin/kafka-server-start.sh`` would run it."""
        return [
            str(java),
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={log_config}",
            "-cp",
            f"{libs}/*",
            "kafka.Kafka",
            str(properties),
        ]
