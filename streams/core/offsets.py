"""A micro-batch's offsets per partition, as logs name them: ``topic[partition]@first-last``."""

from __future__ import annotations

from collections.abc import Sequence

from streams.core.types import InboundMessage

__all__ = ["batch_span"]


def batch_span(messages: Sequence[InboundMessage]) -> str:
    """Each partition's first and last offset in a batch, for logs: ``raw[0]@4-9 raw[2]@7``.

    A gap inside a partition's offsets (a transaction marker, a compacted record) shows as
    ``@4-6,8-9``.
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
