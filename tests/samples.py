"""Helpers shared by tests that turn sample wire records back into documents or files."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from streams.core.wire import decode_value
from streams.shell.produce import OutgoingRaw

__all__ = ["decoded", "write_jsonl"]


def decoded(record: OutgoingRaw) -> Any:
    """The record's document, None when its bytes do not decode."""
    try:
        return decode_value(record.value, record.content_type)
    except ValueError:
        return None


def write_jsonl(path: Path, records: Iterable[OutgoingRaw]) -> None:
    """The records as JSONL; undecodable ones (or ones JSON cannot hold) become broken lines."""
    with path.open("w") as handle:
        for record in records:
            try:
                line = json.dumps(decode_value(record.value, record.content_type))
            except (ValueError, TypeError):
                line = "{broken"
            handle.write(line + "\n")
