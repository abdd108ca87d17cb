"""A backfill's buckets enriched by a pool of processes.

Most of a backfill's work is Python (validation, the model steps' pre and post code,
recurrence, record building) and holds the GIL, so one process uses about one core however
many the host has. Buckets share no account, so they can be enriched anywhere in any order:
each pool process builds the pipeline once (models, cache client or in-process memo) and
enriches whole buckets, one at a time, sending back the bucket's outputs (in its order) and
its accounts' final recurrence states. The parent writes them to the sink and commits the
bucket, as a one-process run does, so sinks, the manifest and resume do not change.

Processes are spawned, not forked: the parent holds threads (librdkafka, onnxruntime) that a
fork would copy in whatever state they were.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import math
import multiprocessing
import os
import signal
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from streams.core.recurrence import SeriesState
from streams.core.types import InboundMessage
from streams.errors import ProcessingFailure, TxEnrichError
from streams.settings import Settings
from streams.shell.backfill_spill import RunFolder
from streams.shell.isolation import process_isolating
from streams.shell.processor import BatchOutput, BatchProcessor

__all__ = [
    "BucketPool",
    "BucketResult",
    "available_cpus",
    "bucket_batches",
    "cgroup_cpu_quota",
    "pool_size",
]


def cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs' worth of time the container may use (a Kubernetes CPU limit), None if unlimited:
    cgroup v2 ``cpu.max`` ("200000 100000"), else v1 ``cpu.cfs_quota_us`` / ``_period_us``."""
    try:
        quota, period = (root / "cpu.max").read_text().split()
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    if quota in ("max", "-1") or int(period) <= 0:
        return None
    return int(quota) / int(period)


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask (a cpuset), capped by a CPU quota (a
    container's limit, rounded up)."""
    cpus = len(os.sched_getaffinity(0))
    quota = cgroup_cpu_quota()
    return cpus if quota is None else max(1, min(cpus, math.ceil(quota)))


def pool_size(settings: Settings) -> int:
    """Processes for a backfill: ``backfill_processes``, or one per available CPU (0)."""
    return settings.backfill_processes or available_cpus()


async def bucket_batches(
    processor: BatchProcessor,
    messages: Sequence[InboundMessage],
    batch_size: int,
    states: dict[str, SeriesState],
) -> AsyncGenerator[tuple[int, BatchOutput], None]:
    """A bucket's records (in recurrence order) through the pipeline batch by batch: each
    batch's size and outputs; ``states`` holds the bucket's recurrence states as they go.
    Poison records are isolated as in the live worker (``process_isolating``)."""

    def lookup(group_ids: Iterable[str]) -> dict[str, SeriesState]:
        return {g: states[g] for g in group_ids if g in states}

    for start in range(0, len(messages), batch_size):
        chunk = messages[start : start + batch_size]
        output = await process_isolating(processor.process, processor.reject, chunk, lookup)
        for update in output.series_updates:
            states[update.state.group_id] = update.state
        yield len(chunk), output


# What a sink writes, made from a bucket's outputs in the pool process (``Sink.encode``):
# the parent receives and writes that, not the records (pickling records and their state
# updates back cost the parent more than writing them).
Encoder = Callable[[Sequence[BatchOutput]], Any]


@dataclass(frozen=True)
class BucketResult:
    """A bucket enriched in a pool process."""

    bucket: int
    rows: int
    enriched: int
    dead_lettered: int
    encoded: Any  # the bucket's outputs as the sink's ``encode`` made them
    states: dict[str, SeriesState]  # its accounts' final recurrence states, if asked for


_PR_SET_PDEATHSIG: Final = 1  # linux/prctl.h

# One pipeline per pool process, built by its initialiser, with the event loop it runs on (or
# the error that kept it from being built).
_pipeline: tuple[asyncio.AbstractEventLoop, BatchProcessor] | TxEnrichError | None = None


def _die_with(parent: int) -> None:
    """Have the kernel SIGKILL this process when ``parent`` (the CLI) dies: a backfill killed
    with SIGKILL must not leave its pool running (Linux's PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _start_process(settings: Settings, parent: int) -> None:
    from streams.shell.enricher import build_processor  # noqa: PLC0415 - loads the models

    _die_with(parent)
    global _pipeline  # noqa: PLW0603 - the process's one pipeline
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        _pipeline = (loop, build_processor(settings, memo_entries=settings.backfill_memo_entries))
    except TxEnrichError as exc:  # raised by its first bucket: the CLI prints it as one line
        _pipeline = exc


def _started() -> None:
    """Nothing: submitted once per process so that the pool starts them at once."""


def _enrich_bucket(
    root: Path, bucket: int, batch_size: int, encode: Encoder, keep_states: bool
) -> BucketResult:
    if not isinstance(_pipeline, tuple):
        raise _pipeline or RuntimeError("a backfill pool process ran a bucket before its start")
    loop, processor = _pipeline

    async def run() -> BucketResult:
        states: dict[str, SeriesState] = {}
        messages = RunFolder(root).read_bucket(bucket)
        outputs = [o async for _, o in bucket_batches(processor, messages, batch_size, states)]
        return BucketResult(
            bucket,
            len(messages),
            enriched=sum(len(o.enriched) for o in outputs),
            dead_lettered=sum(len(o.dead_letters) for o in outputs),
            encoded=encode(outputs),
            states=states if keep_states else {},
        )

    return loop.run_until_complete(run())


class BucketPool:
    """``processes`` spawned processes, each with its own pipeline on ``settings``."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.processes = processes
        self._executor = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_process,
            initargs=(settings, os.getpid()),
        )
        # Processes start (and load the models) now, while the caller spills its input,
        # rather than when the first buckets are submitted.
        for _ in range(processes):
            self._executor.submit(_started)

    async def enrich(
        self,
        folder: RunFolder,
        buckets: Iterable[int],
        batch_size: int,
        encode: Encoder,
        keep_states: bool = False,
    ) -> AsyncGenerator[BucketResult, None]:
        """Each of ``buckets`` enriched and encoded for the sink (``encode``), as they
        finish; with its recurrence states if ``keep_states``. Two buckets per process are
        in flight, so a process starts its next bucket while the caller writes the one it
        finished: memory holds a bucket per process and ``processes`` results at most."""
        waiting: Iterator[int] = iter(buckets)
        running: set[asyncio.Future[BucketResult]] = set()

        def submit() -> None:
            bucket = next(waiting, None)
            if bucket is not None:
                future = self._executor.submit(
                    _enrich_bucket, folder.root, bucket, batch_size, encode, keep_states
                )
                running.add(asyncio.wrap_future(future))

        for _ in range(2 * self.processes):
            submit()
        while running:
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    raise ProcessingFailure(
                        f"a backfill process died ({exc}): killed or out of memory? Resume "
                        "with the same --run-id, with fewer TXENRICH_BACKFILL_PROCESSES or "
                        "a smaller TXENRICH_BACKFILL_BUCKET_ROWS"
                    ) from exc
                submit()
                yield result

    def _signal(self, signum: int) -> None:
        # the pool's processes are this process's only multiprocessing children
        for child in multiprocessing.active_children():
            if child.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signum)

    def pause(self) -> None:
        """Stop the processes where they are (SIGSTOP); ``resume`` continues them."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def close(self) -> None:
        """Stop the processes; buckets not yet started are dropped."""
        self.resume()
        self._executor.shutdown(wait=True, cancel_futures=True)
