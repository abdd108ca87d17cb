"""`txenrich enrich INPUT --out OUTPUT`: the whole pure pipeline over a file, no servers.

What a data scientist runs to try the enrichment on their own data: the same
validation, cleaning, merchant and category code as the stream worker, and
recurrence over the file's history in event-time order per account.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from streams.core.enrichment import enrich, enricher_version
from streams.core.merchant import MerchantCatalogue
from streams.core.model_steps import predictions_frame
from streams.core.records import to_enriched_records
from streams.core.recurrence import update_recurrence
from streams.core.types import InboundMessage, RejectedRow
from streams.core.validation import validate_batch
from streams.core.wire import CONTENT_TYPE_HEADER
from streams.errors import InputFileError
from streams.inference.predictor import LocalPredictor
from streams.shell.produce import read_raw_file

__all__ = ["OfflineSummary", "enrich_file", "rejected_path"]

CHUNK = 5_000


@dataclass(frozen=True)
class OfflineSummary:
    rows: int
    enriched: int
    rejected: int
    seconds: float
    output: Path
    rejected_output: Path

    def line(self) -> str:
        return (
            f"summary: in={self.rows} enriched={self.enriched} "
            f"dead_lettered={self.rejected} seconds={self.seconds:.2f}"
        )


def rejected_path(output: Path) -> Path:
    """Where rejected rows go: OUTPUT.rejected.jsonl beside the output."""
    return output.with_name(output.name + ".rejected.jsonl")


def _messages(path: Path) -> Iterator[InboundMessage]:
    for offset, record in enumerate(read_raw_file(path)):
        headers = ((CONTENT_TYPE_HEADER, record.content_type.encode()),)
        yield InboundMessage(record.value, record.key or None, path.name, 0, offset, None, headers)


def _chunks(messages: Iterator[InboundMessage], size: int) -> Iterator[list[InboundMessage]]:
    chunk: list[InboundMessage] = []
    for message in messages:
        chunk.append(message)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(records: list[dict[str, Any]], output: Path) -> None:
    suffix = output.suffix.lower()
    if suffix == ".parquet":
        # metadata is free-form per record: kept as JSON text so one schema fits all rows
        flat = [
            {**r, "metadata": json.dumps(r["metadata"]) if "metadata" in r else None}
            for r in records
        ]
        pl.DataFrame(flat, infer_schema_length=None).write_parquet(output)
        return
    with output.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def enrich_file(
    source: Path,
    output: Path,
    catalogue: MerchantCatalogue,
    predictor: LocalPredictor,
    progress: Callable[[int, int], None] = lambda done, rejected: None,
) -> OfflineSummary:
    """Validate and enrich every row of `source`; write enriched rows and rejected rows."""
    if output.suffix.lower() not in (".jsonl", ".parquet"):
        raise InputFileError(f"{output}: the output must end in .jsonl or .parquet")
    started = time.perf_counter()
    frames: list[pl.DataFrame] = []
    rejected: list[RejectedRow] = []
    rows = 0
    for chunk in _chunks(_messages(source), CHUNK):
        checked = validate_batch(chunk)
        # _row is the position within its chunk; make it the position within the file
        predictions = predictor.predict_now(checked.valid)
        enriched_chunk = enrich(checked.valid, predictions, catalogue)
        frames.append(enriched_chunk.with_columns(pl.col("_row") + rows))
        rejected.extend(checked.rejected)
        rows += len(chunk)
        progress(rows, len(rejected))
    empty = validate_batch([]).valid
    enriched = pl.concat(frames) if frames else enrich(empty, predictions_frame(None), catalogue)
    # event time per account, then file order: what recurrence expects
    enriched = enriched.sort("account_id", "date", "_row", maintain_order=True)
    _, enriched = update_recurrence({}, enriched)
    # no Kafka timestamps offline (_timestamp_ms is null), so latency_ms comes out 0
    versions = {"enricher": enricher_version(catalogue, predictor.version)}
    records = to_enriched_records(enriched, 0, versions | predictor.model_versions)
    output.parent.mkdir(parents=True, exist_ok=True)
    _write(records, output)
    now = datetime.now(tz=UTC)
    rejects = rejected_path(output)
    with rejects.open("w", encoding="utf-8") as handle:
        for row in sorted(rejected, key=lambda r: r.message.offset):
            handle.write(json.dumps(row.dead_letter(now).record(), ensure_ascii=False) + "\n")
    return OfflineSummary(
        rows=rows,
        enriched=len(records),
        rejected=len(rejected),
        seconds=time.perf_counter() - started,
        output=output,
        rejected_output=rejects,
    )
