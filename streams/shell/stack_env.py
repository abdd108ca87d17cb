"""Where a running `txenrich up` serves: published when the stack is up, read by `txenrich env`.

`up` writes ``up.env`` (shell ``export`` lines, its pid in the first line) into its work
folder once every service answers, and removes it when it stops; ``eval "$(txenrich env)"``
waits for that file, so a script can start the stack in the background and go on.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from streams.errors import LocalStackError

__all__ = ["ENV_FILE", "publish", "wait_for_exports", "withdraw"]

ENV_FILE: Final = "up.env"
_PID_PREFIX: Final = "# txenrich up, pid "


def publish(workdir: Path, exports: Mapping[str, str]) -> Path:
    """Write the export lines atomically; returns the file."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / ENV_FILE
    lines = [f"{_PID_PREFIX}{os.getpid()}"]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in exports.items()]
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.replace(path)
    return path


def withdraw(workdir: Path) -> None:
    """Remove the file if this process wrote it."""
    path = workdir / ENV_FILE
    if _writer(path) == os.getpid():
        path.unlink(missing_ok=True)


def wait_for_exports(workdir: Path, timeout: float) -> str:
    """The export lines of a live `txenrich up` under `workdir`, waiting for one to be up."""
    path = workdir / ENV_FILE
    deadline = time.monotonic() + timeout
    while True:
        pid = _writer(path)
        if pid is not None and _alive(pid):
            return path.read_text()
        if time.monotonic() >= deadline:
            raise LocalStackError(
                f"no running `txenrich up` published {path} within {timeout:.0f}s: start one "
                "first (`txenrich up &`), with the same --workdir"
            )
        time.sleep(0.2)


def _writer(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        first = path.read_text().split("\n", 1)[0]
        if first.startswith(_PID_PREFIX):
            return int(first.removeprefix(_PID_PREFIX))
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
