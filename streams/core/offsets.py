"""Which offsets a worker's consumer skipped: the gaps between the records it was handed.

faust-streaming can skip a record while a restarted worker moves from table recovery to
its stream partitions (its own issues #216 and #221 describe such races; we saw a single
offset vanish on two partitions right after a kill -9 restart). Delivery is then no longer
at least once: later offsets are acked and the commit passes the one never processed.
``OffsetTracker`` remembers the next offset each partition should deliver, so the worker can
read a skipped range back itself before it acks the batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from streams.core.types import InboundMessage

__all__ = ["OffsetGap", "OffsetTracker", "batch_span"]


@dataclass(frozen=True, slots=True)
class OffsetGap:
    """Offsets ``start`` (inclusive) to ``end`` (exclusive) of one partition, never delivered."""

    topic: str
    partition: int
    start: int
    end: int

    @property
    def span(self) -> str:
        """topic[partition]@first-last, for logs."""
        return f"{self.topic}[{self.partition}]@{self.start}-{self.end - 1}"


class OffsetTracker:
    """The next offset expected per partition, from the batches delivered so far.

    A partition's first batch sets its baseline (nothing before it is known here); after
    that an offset beyond the expected one is a gap. Offsets at or below it are replays
    (after a rebalance the consumer goes back to the committed offset) and never gaps.
    """

    def __init__(self) -> None:
        self._next: dict[tuple[str, int], int] = {}

    def gaps(self, messages: Sequence[InboundMessage]) -> list[OffsetGap]:
        """The ranges missing before or between ``messages``' offsets, per partition."""
        found: list[OffsetGap] = []
        for (topic, partition), offsets in sorted(_offsets(messages).items()):
            expected = self._next.get((topic, partition))
            for offset in offsets:
                if expected is not None and offset > expected:
                    found.append(OffsetGap(topic, partition, expected, offset))
                expected = offset + 1 if expected is None else max(expected, offset + 1)
        return found

    def advance(self, messages: Sequence[InboundMessage]) -> None:
        """Record that ``messages`` (and any gaps read back before them) were processed."""
        for key, offsets in _offsets(messages).items():
            self._next[key] = max(self._next.get(key, 0), offsets[-1] + 1)

    def reset(self, keep: Iterable[tuple[str, int]] = ()) -> None:
        """Forget every partition but ``keep`` (after a rebalance: nothing is known)."""
        kept = set(keep)
        self._next = {key: value for key, value in self._next.items() if key in kept}


def batch_span(messages: Sequence[InboundMessage]) -> str:
    """Each partition's first and last offset in a batch, for logs: ``raw[0]@4-9 raw[2]@7``.

    A gap inside a partition's offsets (a record skipped) shows as ``@4-6,8-9``.
    """
    spans = []
    for (topic, partition), offsets in sorted(_offsets(messages).items()):
        runs: list[list[int]] = []
        for offset in offsets:
            if runs and offset == runs[-1][-1] + 1:
                runs[-1][-1] = offset
            else:
                runs.append([offset, offset])
        text = ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)
        spans.append(f"{topic}[{partition}]@{text}")
    return " ".join(spans)


def _offsets(messages: Sequence[InboundMessage]) -> dict[tuple[str, int], list[int]]:
    """Each partition's distinct offsets in ``messages``, ascending."""
    by_partition: dict[tuple[str, int], set[int]] = {}
    for message in messages:
        by_partition.setdefault((message.topic, message.partition), set()).add(message.offset)
    return {key: sorted(found) for key, found in by_partition.items()}
