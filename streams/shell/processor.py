"""One micro-batch from consumed messages to wire-ready outputs: validate, cache, enrich, shape."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from streams.core.cache_codec import cache_keys, decode_predictions, encode_predictions
from streams.core.contracts import DEAD_LETTER_SCHEMA, ENRICHED_SCHEMA
from streams.core.counterparty import CounterpartyMemo
from streams.core.enrichment import enrich, enricher_version
from streams.core.merchant import MerchantCatalogue
from streams.core.model_steps import PREDICTION_SCHEMA
from streams.core.policy import PrePolicy, split_by_policy
from streams.core.records import to_enriched_records
from streams.core.recurrence import SeriesState, series_key, update_recurrence
from streams.core.scheduled_rent import rent_by_schedule
from streams.core.types import InboundMessage, RejectedRow
from streams.core.validation import DEFAULT_LIMITS, InputLimits, validate_batch
from streams.core.wire import CONTENT_TYPE_HEADER, MSGPACK, SCHEMA_HEADER, encode_value
from streams.inference.predictor import Predictor
from streams.shell import metrics
from streams.shell.cache import AnswerCache

__all__ = [
    "BatchOutput",
    "BatchProcessor",
    "OutboundRecord",
    "OutcomeTally",
    "SeriesLookup",
    "SeriesUpdate",
]

# Reads recurrence states by group_id (a state table in the worker, a dict in a backfill).
SeriesLookup = Callable[[Iterable[str]], Mapping[str, SeriesState]]

log = logging.getLogger(__name__)

_PREDICTED_COLUMNS = ("_row", *PREDICTION_SCHEMA.names(), "inference_path")
# Key, headers and record framing, budgeted against the largest record a producer may write.
_RECORD_OVERHEAD_BYTES = 16_384


@dataclass(frozen=True, slots=True)
class OutboundRecord:
    """A record ready to produce."""

    key: bytes | None
    value: bytes
    headers: Headers
    # the enriched record ``value`` encodes, for sinks that write documents, not bytes
    document: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SeriesUpdate:
    """A recurrence state to store, and the batch position of the row that changed it last
    (its input partition is where the state lives)."""

    state: SeriesState
    row: int


@dataclass
class OutcomeTally:
    """What a batch's outputs add to the metrics and the log, held until the outputs are
    kept: a batch that raises and is processed again in parts (``isolation``) counts
    only the parts it keeps, so every output is counted and logged once."""

    # (position, reason, error) of each dead letter
    dead_letters: list[tuple[str, str, str]] = field(default_factory=list)
    inference_rows: Counter[str] = field(default_factory=Counter)  # by inference path
    policy_skips: Counter[str] = field(default_factory=Counter)  # by policy reason
    latencies_seconds: list[float] = field(default_factory=list)  # of enriched records

    def add(self, other: OutcomeTally) -> None:
        self.dead_letters += other.dead_letters
        self.inference_rows.update(other.inference_rows)
        self.policy_skips.update(other.policy_skips)
        self.latencies_seconds += other.latencies_seconds

    def publish(self) -> None:
        """Log each dead letter and add everything to the metrics."""
        for position, reason, error in self.dead_letters:
            log.warning("dead_letter at=%s reason=%s error=%s", position, reason, error)
            metrics.DEAD_LETTERS.labels(reason=reason).inc()
        for path, count in self.inference_rows.items():
            metrics.INFERENCE_ROWS.labels(path=path).inc(count)
        for reason, count in self.policy_skips.items():
            metrics.POLICY_SKIPS.labels(reason=reason).inc(count)
        for seconds in self.latencies_seconds:
            metrics.RECORD_LATENCY.observe(seconds)


@dataclass(frozen=True)
class BatchOutput:
    """Exactly one output per input: enriched or dead-lettered; plus state to store, and
    what the outputs count (``tally.publish()`` once they are delivered)."""

    enriched: list[OutboundRecord]
    dead_letters: list[OutboundRecord]
    cache_hits: int
    series_updates: list[SeriesUpdate] = field(default_factory=list)
    tally: OutcomeTally = field(default_factory=OutcomeTally)


Headers = tuple[tuple[str, bytes | None], ...]
# Headers the worker writes itself; every other input header is carried to the output.
_OWN_HEADERS = frozenset({CONTENT_TYPE_HEADER, SCHEMA_HEADER})


def _headers(carried: Headers, content_type: str, schema: str) -> Headers:
    """The input's headers (a producer's ``traceparent``, say), then the output's own."""
    kept = tuple((name, value) for name, value in carried if name.lower() not in _OWN_HEADERS)
    return (*kept, (CONTENT_TYPE_HEADER, content_type.encode()), (SCHEMA_HEADER, schema.encode()))


class BatchProcessor:
    """Turns a micro-batch of raw messages into enriched and dead-letter records."""

    def __init__(
        self,
        catalogue: MerchantCatalogue,
        predictor: Predictor,
        cache: AnswerCache | None = None,
        clock: Callable[[], float] = time.time,
        policies: Sequence[PrePolicy] = (),
        content_type: str = MSGPACK,
        max_record_bytes: int = 1_048_576,
        limits: InputLimits = DEFAULT_LIMITS,
    ) -> None:
        self._catalogue = catalogue
        self._predictor = predictor
        self._cache = cache
        self._clock = clock
        self.version = enricher_version(catalogue, predictor.version)
        self._versions = {"enricher": self.version, **predictor.model_versions}
        self._policies = list(policies)
        self._content_type = content_type
        # an output the broker would refuse: room left for the key, headers and framing
        self._max_value_bytes = max_record_bytes - _RECORD_OVERHEAD_BYTES
        self._counterparties = CounterpartyMemo()
        self._limits = limits

    @property
    def limits(self) -> InputLimits:
        """The size limits validation applies (a dry run validates with the same)."""
        return self._limits

    async def close(self) -> None:
        """Close the model client and the cache connection."""
        await self._predictor.close()
        if self._cache is not None:
            await self._cache.close()

    def reject(self, message: InboundMessage, reason: str, error: str) -> BatchOutput:
        """The dead letter of one message (for a failure found outside ``process``)."""
        tally = OutcomeTally()
        letter = self._dead_letter(RejectedRow(message, reason, error), tally)
        return BatchOutput(enriched=[], dead_letters=[letter], cache_hits=0, tally=tally)

    def _dead_letter(self, row: RejectedRow, tally: OutcomeTally) -> OutboundRecord:
        tally.dead_letters.append((row.message.position, row.reason, row.error))
        letter = row.dead_letter(datetime.fromtimestamp(self._clock(), tz=UTC))
        value = encode_value(letter.record(), self._content_type)
        if len(value) > self._max_value_bytes:  # base64 makes a large original larger still
            keep = (self._max_value_bytes - 4096) * 3 // 4
            value = encode_value(letter.record(max_original_bytes=keep), self._content_type)
        headers = _headers(row.message.headers, self._content_type, DEAD_LETTER_SCHEMA)
        return OutboundRecord(row.message.key, value, headers)

    async def _predictions(
        self, valid: pl.DataFrame, tally: OutcomeTally
    ) -> tuple[pl.DataFrame, int]:
        """PREDICTION_SCHEMA columns and ``inference_path`` for each valid row, in order:
        pre-policy answers first, then cache hits, then ONE model call for the rest."""
        split = split_by_policy(valid, self._policies)
        tally.policy_skips.update(split.counts)
        parts = [split.answered.drop("policy_reason").with_columns(inference_path=pl.lit("policy"))]
        rows, hits = split.rows, 0
        keys: list[str] = []
        if self._cache is not None and rows.height:
            keys = cache_keys(rows, self._predictor.version)
            cached = await self._cache.get_many(keys)
            hit_mask = pl.Series([value is not None for value in cached], dtype=pl.Boolean)
            hits = int(hit_mask.sum())
            metrics.CACHE_LOOKUPS.labels(outcome="hit").inc(hits)
            metrics.CACHE_LOOKUPS.labels(outcome="miss").inc(len(keys) - hits)
            if hits:
                found = decode_predictions([v for v in cached if v is not None])
                parts.append(
                    pl.concat(
                        [rows.filter(hit_mask).select("_row"), found], how="horizontal"
                    ).with_columns(inference_path=pl.lit("cache"))
                )
                keys = [k for k, v in zip(keys, cached, strict=True) if v is None]
                rows = rows.filter(~hit_mask)
        if rows.height:
            # rows the model reads identically (same cache key) are asked once per batch
            if not keys:
                keys = cache_keys(rows, self._predictor.version)
            key_column = pl.Series("_key", keys, dtype=pl.String)
            first = key_column.is_first_distinct()
            started = time.perf_counter()
            answer = await self._predictor.predict(rows.filter(first))
            metrics.INFERENCE_SECONDS.labels(path=answer.path).observe(
                time.perf_counter() - started
            )
            unique = pl.concat(
                [key_column.filter(first).to_frame(), answer.frame], how="horizontal"
            )
            spread = (
                key_column.to_frame()
                .join(unique, on="_key", how="left", maintain_order="left")
                .drop("_key")
            )
            parts.append(
                pl.concat([rows.select("_row"), spread], how="horizontal").with_columns(
                    inference_path=pl.lit(answer.path)
                )
            )
            if self._cache is not None:
                values = encode_predictions(answer.frame)
                unique_keys = key_column.filter(first).to_list()
                await self._cache.put_many(dict(zip(unique_keys, values, strict=True)))
        merged = pl.concat([p.select(_PREDICTED_COLUMNS) for p in parts])
        tally.inference_rows.update(dict(merged.group_by("inference_path").len().iter_rows()))
        return merged, hits

    async def _enrich(self, valid: pl.DataFrame, tally: OutcomeTally) -> tuple[pl.DataFrame, int]:
        predictions, hits = await self._predictions(valid, tally)
        # aligned with `valid` row for row, whatever order the parts came back in
        predictions = valid.select("_row").join(
            predictions, on="_row", how="left", maintain_order="left"
        )
        enriched = enrich(
            valid,
            predictions.select(PREDICTION_SCHEMA.names()),
            self._catalogue,
            self._counterparties,
        )
        return enriched.with_columns(inference_path=predictions["inference_path"]), hits

    async def process(
        self, messages: Sequence[InboundMessage], series: SeriesLookup | None = None
    ) -> BatchOutput:
        """Validate, enrich (cache first), add recurrence (when `series` is given), encode."""
        tally = OutcomeTally()
        checked = validate_batch(messages, self._limits)
        enriched_frame, hits = await self._enrich(checked.valid, tally)
        updates: list[SeriesUpdate] = []
        if series is not None and enriched_frame.height:
            enriched_frame, updates = _recurrence(enriched_frame, series)
        now = self._clock()
        records = to_enriched_records(enriched_frame, int(now * 1000), self._versions)
        content_type = self._content_type
        enriched: list[OutboundRecord] = []
        rejected = list(checked.rejected)
        for record, row in zip(records, enriched_frame["_row"].to_list(), strict=True):
            message = messages[row]
            value = encode_value(record, content_type)
            if len(value) > self._max_value_bytes:
                error = (
                    f"the enriched record is {len(value)} bytes, more than the "
                    f"{self._max_value_bytes} a record may carry (TXENRICH_KAFKA_MAX_MESSAGE_BYTES)"
                )
                ids = (record["transaction_id"], record["account_id"])
                rejected.append(RejectedRow(message, "output_too_large", error, *ids))
                continue
            headers = _headers(message.headers, content_type, ENRICHED_SCHEMA)
            key = record["account_id"].encode()
            enriched.append(OutboundRecord(key, value, headers, record))
            tally.latencies_seconds.append(record["latency_ms"] / 1000.0)
        dead = [self._dead_letter(row, tally) for row in rejected]
        return BatchOutput(
            enriched=enriched,
            dead_letters=dead,
            cache_hits=hits,
            series_updates=updates,
            tally=tally,
        )


def _recurrence(
    frame: pl.DataFrame, series: SeriesLookup
) -> tuple[pl.DataFrame, list[SeriesUpdate]]:
    """Recurrence over the batch in offset order, from the states `series` returns; then the
    rent its schedule shows (``streams.core.scheduled_rent``)."""
    states = series(set(series_key(frame).to_list()))
    changed, frame = update_recurrence(states, frame)
    frame = rent_by_schedule(frame)
    last_row = dict(
        frame.select("recurrence_group_id", "_row").iter_rows()
    )  # later rows overwrite earlier ones: the last row of each series
    updates = [SeriesUpdate(state, int(last_row[gid])) for gid, state in changed.items()]
    return frame, updates
