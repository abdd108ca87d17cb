"""A real Triton Inference Server on CPU, for the local stack, tests and benchmarks.

The ``tritonserver`` binary comes from the ``nvidia-pytriton`` wheel (Triton 2.51, python
backend only), installed in its own venv (``.venv-triton``: it pins numpy<2) by
``make setup``. It serves ``models/repository`` with ``--model-config-name=cpu``: the python
backend runs the same ``model.onnx`` files with onnxruntime (production runs the
``config.pbtxt`` variants, onnxruntime backend on GPU, in the official image).

The python backend's stub embeds the interpreter: it ignores PYTHONPATH and finds its
packages from the first ``python3`` on PATH (a venv is detected by its ``pyvenv.cfg``), and
it must load the same libpython as that interpreter. Its C++ side reads tensors through
numpy's 1.x ABI (numpy 2 garbles string tensors), so the models run in the Triton venv
itself: ``make setup`` installs polars, onnxruntime-gpu and this project (no deps) there,
beside numpy<2. The server starts with that venv first on PATH and the interpreter's
libpython directory on LD_LIBRARY_PATH.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from streams.errors import LocalStackError

__all__ = [
    "PYTRITON_VERSION",
    "TritonEndpoints",
    "find_tritonserver",
    "prepare_backends",
    "triton_argv",
    "triton_environment",
    "wait_until_ready",
]

PYTRITON_VERSION: Final = "0.7.0"
_REPO_ROOT: Final = Path(__file__).resolve().parents[2]
_PYTHON_TAG: Final = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class TritonEndpoints:
    """Where a started Triton listens."""

    host: str
    grpc_port: int
    http_port: int
    metrics_port: int

    @property
    def grpc_url(self) -> str:
        return f"{self.host}:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.host}:{self.metrics_port}/metrics"


def find_tritonserver() -> Path:
    """The ``tritonserver`` folder of nvidia-pytriton (``bin/``, ``backends/``, stubs).

    $TXENRICH_TRITON_HOME, else the project's ``.venv-triton``, else a pytriton installed
    beside this interpreter.
    """
    override = os.environ.get("TXENRICH_TRITON_HOME")
    candidates = [Path(override)] if override else []
    candidates += sorted(
        (_REPO_ROOT / ".venv-triton" / "lib").glob("python3.*/site-packages/pytriton/tritonserver")
    )
    spec = importlib.util.find_spec("pytriton")  # None when not installed here
    if spec is not None and spec.origin is not None:
        candidates.append(Path(spec.origin).parent / "tritonserver")
    for home in candidates:
        if (home / "bin" / "tritonserver").is_file():
            return home
    raise LocalStackError(
        "no tritonserver found: run `make setup` (it installs nvidia-pytriton=="
        f"{PYTRITON_VERSION} into .venv-triton) or set TXENRICH_TRITON_HOME"
    )


def prepare_backends(home: Path, workdir: Path) -> Path:
    """A ``--backend-directory`` whose python backend carries the stub for this Python.

    The wheel ships one stub per Python version beside the backend; Triton looks for it in
    ``<backends>/python/``. Links, not copies: the wheel's files stay as installed.
    """
    stub = home / "python_backend_stubs" / _PYTHON_TAG / "triton_python_backend_stub"
    if not stub.is_file():
        raise LocalStackError(f"{home} has no python backend stub for Python {_PYTHON_TAG}")
    backends = workdir / "triton-backends"
    python = backends / "python"
    python.mkdir(parents=True, exist_ok=True)
    sources = {p.name: p for p in (home / "backends" / "python").iterdir() if p.is_file()}
    sources[stub.name] = stub
    for name, source in sources.items():
        link = python / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source)
    return backends


def _venv_of(home: Path) -> Path:
    """The venv that holds the pytriton at ``home`` (``<venv>/lib/pythonX.Y/site-packages/
    pytriton/tritonserver``), else this interpreter's."""
    venv = home.parents[4] if len(home.parents) > 4 else home
    if (venv / "pyvenv.cfg").is_file() and (venv / "bin" / "python3").exists():
        return venv
    return Path(sys.executable).parent.parent


def triton_environment(home: Path, base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with the Triton venv first on PATH and its libpython findable."""
    env = dict(base)
    env["PATH"] = os.pathsep.join([str(_venv_of(home) / "bin"), env.get("PATH", "")])
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (libdir, env.get("LD_LIBRARY_PATH", "")) if p
    )
    return env


def triton_argv(
    home: Path,
    backends: Path,
    repository: Path,
    endpoints: TritonEndpoints,
    config_name: str = "cpu",
) -> list[str]:
    """The command line of a loopback-only Triton serving ``repository``."""
    host = endpoints.host
    return [
        str(home / "bin" / "tritonserver"),
        f"--model-repository={repository}",
        f"--model-config-name={config_name}",
        f"--backend-directory={backends}",
        f"--grpc-address={host}",
        f"--grpc-port={endpoints.grpc_port}",
        f"--http-address={host}",
        f"--http-port={endpoints.http_port}",
        f"--metrics-address={host}",
        f"--metrics-port={endpoints.metrics_port}",
        "--allow-gpu-metrics=false",
        # The configs are complete: no auto-complete pass (it starts every stub twice).
        "--disable-auto-complete-config",
        "--exit-on-error=true",
        "--strict-readiness=true",
        # SIGTERM waits this long for in-flight requests, then exits.
        "--exit-timeout-secs=5",
        "--log-verbose=0",
        # Each python-backend instance talks to its stub through a shared-memory region that
        # starts at 1 MiB and grows 1 MiB at a time: a 1024-row batch of tokens (2.6 MB) would
        # grow it on the hot path. tmpfs pages are used only when written.
        "--backend-config=python,shm-default-byte-size=16777216",
        "--backend-config=python,shm-growth-byte-size=8388608",
    ]


def wait_until_ready(
    endpoints: TritonEndpoints, alive: Callable[[], str | None], timeout: float
) -> None:
    """Poll /v2/health/ready until 200; ``alive`` returns an error text once the process died."""
    deadline = time.monotonic() + timeout
    url = f"{endpoints.http_url}/v2/health/ready"
    while time.monotonic() < deadline:
        failure = alive()
        if failure is not None:
            raise LocalStackError(failure)
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise LocalStackError(f"Triton not ready at {url} after {timeout:.0f}s")
