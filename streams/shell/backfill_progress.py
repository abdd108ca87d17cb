"""A backfill's progress on the terminal or in the log, and its pace (``--max-rate``)."""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Pacer", "Progress"]


class Progress:
    """A bar with rate and ETA on a terminal; a plain line every ``every`` seconds else."""

    def __init__(
        self,
        stream: TextIO = sys.stderr,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream, self._every, self._clock = stream, every, clock
        self._tty = stream.isatty()
        self._started = clock()
        self._last = -math.inf

    def update(self, phase: str, done: int, total: int | None) -> None:
        now = self._clock()
        if not self._tty and now - self._last < self._every:
            return
        self._last = now
        elapsed = max(now - self._started, 1e-9)
        rate = done / elapsed
        if total:
            left = (total - done) / rate if rate > 0 else math.inf
            eta = f"{left:,.0f}s" if math.isfinite(left) else "?"
            if self._tty:
                width = 30
                filled = int(width * done / total)
                bar = "#" * filled + "." * (width - filled)
                self._stream.write(
                    f"\r{phase:<9} [{bar}] {done:,}/{total:,} {rate:,.0f}/s ETA {eta}   "
                )
            else:
                self._stream.write(
                    f"progress: {phase} {done}/{total} rows {100 * done / total:.0f}% "
                    f"rate={rate:,.0f}/s eta={eta}\n"
                )
        elif self._tty:
            self._stream.write(f"\r{phase:<9} {done:,} rows {rate:,.0f}/s   ")
        else:
            self._stream.write(f"progress: {phase} {done} rows rate={rate:,.0f}/s\n")
        self._stream.flush()

    def done(self) -> None:
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()


class Pacer:
    """Holds a loop to ``rate`` records/s on average (None: no limit)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate, self._clock = rate, clock
        self._start = clock()
        self._count = 0

    async def after(self, records: int) -> None:
        if self._rate is None:
            return
        self._count += records
        ahead = self._count / self._rate - (self._clock() - self._start)
        if ahead > 0:
            await asyncio.sleep(ahead)
