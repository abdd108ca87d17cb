"""Types shared by the pure core: what comes off the wire and what is rejected."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.core.wire import CONTENT_TYPE_HEADER, header_value

__all__ = ["DeadLetter", "InboundMessage", "RejectedRow"]


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One consumed record, as the shell hands it to the core."""

    value: bytes | None
    key: bytes | None = None
    topic: str = ""
    partition: int = 0
    offset: int = 0
    timestamp_ms: int | None = None
    # as produced, in order; a header may have a null value
    headers: tuple[tuple[str, bytes | None], ...] = field(default_factory=tuple)

    @property
    def position(self) -> str:
        """topic[partition]@offset, for logs."""
        return f"{self.topic}[{self.partition}]@{self.offset}"


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A record the core refused, with its dead-letter reason code and a human message."""

    message: InboundMessage
    reason: str
    error: str
    transaction_id: str | None = None
    account_id: str | None = None

    def dead_letter(self, now: datetime) -> DeadLetter:
        return DeadLetter(self, now)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A rejected row stamped with the time it was dead-lettered."""

    row: RejectedRow
    time: datetime

    def record(self, max_original_bytes: int | None = None) -> dict[str, Any]:
        """The dead_letter.v1 record; with ``max_original_bytes``, an original longer than
        that is cut to it (``original_truncated``; the whole stays in the input topic at
        topic/partition/offset)."""
        msg = self.row.message
        original = msg.value or b""
        cut = max_original_bytes is not None and len(original) > max_original_bytes
        extra: dict[str, Any] = (
            {"original_truncated": True, "original_bytes": len(original)} if cut else {}
        )
        if cut:
            original = original[:max_original_bytes]
        return {
            **extra,
            "original_base64": base64.b64encode(original).decode("ascii"),
            "original_key_base64": base64.b64encode(msg.key).decode("ascii") if msg.key else None,
            # the output's own content-type header replaces the original's: kept here, so a
            # re-drive (`txenrich backfill --from-dead-letter`) decodes the bytes as sent
            "original_content_type": header_value(msg.headers, CONTENT_TYPE_HEADER),
            "topic": msg.topic,
            "partition": msg.partition,
            "offset": msg.offset,
            "transaction_id": self.row.transaction_id,
            "account_id": self.row.account_id,
            "reason": self.row.reason,
            "error": self.row.error,
            "time": self.time.isoformat(),
        }
