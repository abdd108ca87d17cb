"""One record that raises must not stop the batch it came in: find it, dead-letter it.

A batch whose processing raises (anything but an infrastructure failure) is split in
halves and each half processed again, down to single records; a single record that still
raises is dead-lettered with reason ``processing_error``, its exception type and message,
and its original bytes. The halves run in order and each sees the recurrence states the
halves before it produced, so the rest of the batch is enriched exactly as if the poison
record had never been there. A batch in which every record raises is not poison but a
broken worker: that raises ``ProcessingFailure``, so nothing is acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from streams.core.recurrence import SeriesState
from streams.core.types import InboundMessage
from streams.errors import ProcessingFailure, TxEnrichError
from streams.shell.processor import (
    BatchOutput,
    OutboundRecord,
    OutcomeTally,
    SeriesLookup,
    SeriesUpdate,
)

__all__ = ["process_isolating"]

log = logging.getLogger(__name__)

Process = Callable[[Sequence[InboundMessage], SeriesLookup], Awaitable[BatchOutput]]
Reject = Callable[[InboundMessage, str, str], BatchOutput]

# A batch this large in which every record raises is a broken worker, not poison.
_ALL_FAILED_MIN: Final = 4


@dataclass
class _Collected:
    enriched: list[OutboundRecord] = field(default_factory=list)
    dead_letters: list[OutboundRecord] = field(default_factory=list)
    cache_hits: int = 0
    updates: list[SeriesUpdate] = field(default_factory=list)
    tally: OutcomeTally = field(default_factory=OutcomeTally)
    failed: int = 0

    def keep(self, output: BatchOutput, start: int) -> None:
        """Take a part's outputs; its rows are ``start``.. of the batch."""
        self.enriched += output.enriched
        self.dead_letters += output.dead_letters
        self.cache_hits += output.cache_hits
        self.tally.add(output.tally)
        self.updates += [SeriesUpdate(u.state, u.row + start) for u in output.series_updates]


async def process_isolating(
    process: Process,
    reject: Reject,
    messages: Sequence[InboundMessage],
    lookup: SeriesLookup,
) -> BatchOutput:
    """``process(messages, lookup)``, isolating records that raise (see the module text)."""
    overlay: dict[str, SeriesState] = {}
    collected = _Collected()
    await _split(process, reject, messages, 0, _layered(lookup, overlay), overlay, collected)
    if collected.failed:
        if collected.failed == len(messages) >= _ALL_FAILED_MIN:
            raise ProcessingFailure(
                f"every one of {len(messages)} records raised while processing: the worker, "
                "not the records, is broken; nothing of the batch was committed"
            )
        log.warning(
            "batch of %d: %d record(s) raised while processing and were dead-lettered",
            len(messages),
            collected.failed,
        )
    return BatchOutput(
        enriched=collected.enriched,
        dead_letters=collected.dead_letters,
        cache_hits=collected.cache_hits,
        series_updates=collected.updates,
        tally=collected.tally,
    )


def _layered(lookup: SeriesLookup, overlay: Mapping[str, SeriesState]) -> SeriesLookup:
    """States as stored, overridden by those the earlier parts of the batch produced."""

    def read(group_ids: Iterable[str]) -> Mapping[str, SeriesState]:
        wanted = list(group_ids)
        found = dict(lookup([g for g in wanted if g not in overlay]))
        found.update({g: overlay[g] for g in wanted if g in overlay})
        return found

    return read


async def _split(
    process: Process,
    reject: Reject,
    part: Sequence[InboundMessage],
    start: int,
    lookup: SeriesLookup,
    overlay: dict[str, SeriesState],
    collected: _Collected,
) -> None:
    """Process ``part`` (rows ``start``.. of the batch) or, when it raises, its halves."""
    try:
        output = await process(part, lookup)
    except TxEnrichError:
        raise  # infrastructure (broker, model server, state): stop before acknowledging
    except Exception as exc:
        if len(part) > 1:
            middle = len(part) // 2
            await _split(process, reject, part[:middle], start, lookup, overlay, collected)
            await _split(process, reject, part[middle:], start + middle, lookup, overlay, collected)
            return
        (message,) = part
        error = f"{type(exc).__name__}: {exc}".encode("utf-8", "backslashreplace").decode()
        collected.keep(reject(message, "processing_error", error), start)
        collected.failed += 1
        return
    collected.keep(output, start)
    for update in output.series_updates:
        overlay[update.state.group_id] = update.state
