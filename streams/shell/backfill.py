"""`txenrich backfill`: replay files, a topic's time range or dead letters through the worker's
pipeline, into Parquet, JSONL or a topic; resumable by run id.

The same code as the live worker: validation with the same limits, the topology's
pre-policies (the ``backfill`` topology: Triton's lower-priority lane and longer deadline),
the cache, Triton with the in-process fallback or the models in process, recurrence,
record building and poison-record isolation (``BatchProcessor`` through
``process_isolating``). What differs is the order: the input is spilled into account buckets
(``backfill_spill``) and each bucket runs sorted by account and event date, so recurrence
builds as it would have live. Its recurrence state is its own, kept in memory per bucket;
it never touches the live worker's.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from streams.core.recurrence import SeriesState
from streams.core.types import InboundMessage
from streams.core.validation import validate_batch
from streams.errors import ConfigError
from streams.settings import Settings
from streams.shell.backfill_pool import BucketPool, bucket_batches, pool_size
from streams.shell.backfill_progress import Pacer, Progress
from streams.shell.backfill_sinks import (
    ChangelogSeeder,
    JsonlSink,
    ParquetSink,
    RawTopicSink,
    Sink,
    TopicSink,
)
from streams.shell.backfill_sources import (
    TopicRange,
    dead_letter_messages,
    dead_letter_range,
    expand_inputs,
    file_messages,
    topic_messages,
    topic_row_count,
)
from streams.shell.backfill_spill import Manifest, RunFolder, bucket_count
from streams.shell.live_lag import yield_to_live
from streams.shell.processor import BatchProcessor
from streams.shell.recurrence_state import seed_changes

__all__ = [
    "BackfillRequest",
    "BackfillSummary",
    "backfill_files",
    "new_run_id",
    "run_backfill",
    "run_request",
]

log = logging.getLogger(__name__)

# Bytes of input per row, to size the buckets before the rows are counted (JSONL rows run
# 200-300 bytes; a smaller guess only makes more, smaller buckets).
_BYTES_PER_ROW_GUESS = 120
_OUT_SUFFIXES = (".jsonl", ".ndjson", ".parquet")


def new_run_id(now: datetime | None = None) -> str:
    """``bf-YYYYMMDDTHHMMSS-xxxx``: sortable, and unique enough to name a folder."""
    stamp = (now or datetime.now(tz=UTC)).strftime("%Y%m%dT%H%M%S")
    return f"bf-{stamp}-{uuid.uuid4().hex[:4]}"


@dataclass(frozen=True)
class BackfillRequest:
    """What to read, where to write, and how."""

    run_id: str
    inputs: Sequence[str] = ()
    topic_range: TopicRange | None = None
    dead_letters: bool = False
    reason: str | None = None  # only dead letters of this reason
    out: Path | None = None
    to_topic: str | None = None
    # write the source's raw records, each account's in event-time order, to this topic for
    # backfill workers (`txenrich worker` on the backfill topology) instead of enriching here
    split_to_topic: str | None = None
    # leave each account's final recurrence state in the live workers' changelog (a new
    # customer's history, before the live workers own its partitions)
    seed_live_state: bool = False
    limit: int | None = None
    max_rate: float | None = None  # records/s
    dry_run: bool = False

    def __post_init__(self) -> None:
        sources = sum((bool(self.inputs), self.topic_range is not None, self.dead_letters))
        if sources != 1:
            raise ConfigError(
                "give one source: input files, --from-topic TOPIC --since ISO, or "
                "--from-dead-letter"
            )
        if sum(x is not None for x in (self.out, self.to_topic, self.split_to_topic)) > 1:
            raise ConfigError(
                "give one sink: --out PATH, --to-topic TOPIC or --split-to-topic TOPIC"
            )
        if self.out is not None and self.out.suffix.lower() not in _OUT_SUFFIXES:
            raise ConfigError(
                f"{self.out}: --out must end in .jsonl or .parquet (a folder of Parquet parts)"
            )
        if self.seed_live_state and self.split_to_topic is not None:
            raise ConfigError("--seed-live-state needs the backfill to enrich here, not a split")
        if self.limit is not None and self.limit < 1:
            raise ConfigError("--limit must be at least 1")
        if self.max_rate is not None and self.max_rate <= 0:
            raise ConfigError("--max-rate must be a positive number of records per second")

    @property
    def uses_kafka(self) -> bool:
        """Whether it reads or writes Kafka: all but a file-to-file backfill (``--out``)."""
        return not self.inputs or self.out is None

    def source_text(self) -> str:
        if self.inputs:
            return "files " + " ".join(self.inputs)
        if self.topic_range is not None:
            until = self.topic_range.until.isoformat() if self.topic_range.until else "end"
            return f"topic {self.topic_range.topic} {self.topic_range.since.isoformat()}..{until}"
        return "dead letters" + (f" reason={self.reason}" if self.reason else "")


@dataclass
class BackfillSummary:
    run_id: str
    rows: int
    enriched: int
    dead_lettered: int
    seconds: float
    reasons: Counter[str] = field(default_factory=Counter)
    estimated_seconds: float | None = None  # dry run: the whole run's estimate
    sink: str = ""

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        text = (
            f"summary: in={self.rows} enriched={self.enriched} "
            f"dead_lettered={self.dead_lettered} seconds={self.seconds:.2f} "
            f"rate={rate:,.0f}/s run={self.run_id}"
        )
        if self.estimated_seconds is not None:
            text += f" estimated_seconds={self.estimated_seconds:.0f}"
        return text


def _chunks(messages: Iterable[InboundMessage], size: int) -> Iterator[list[InboundMessage]]:
    iterator = iter(messages)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _source(settings: Settings, request: BackfillRequest) -> tuple[Iterator[InboundMessage], int]:
    """The request's messages (``--limit`` applied) and a row estimate to size buckets."""
    messages: Iterator[InboundMessage]
    if request.inputs:
        paths = expand_inputs(request.inputs)
        estimate = sum(p.stat().st_size for p in paths) // _BYTES_PER_ROW_GUESS
        messages = file_messages(paths)
    elif request.topic_range is not None:
        messages = topic_messages(settings, request.topic_range)
        estimate = topic_row_count(settings, request.topic_range)
    else:
        messages = dead_letter_messages(settings, request.reason)
        estimate = topic_row_count(settings, dead_letter_range(settings))
    if request.limit is not None:
        messages = itertools.islice(messages, request.limit)
        estimate = min(estimate, request.limit)
    return messages, estimate


def _sink(settings: Settings, request: BackfillRequest) -> tuple[Sink, str]:
    if request.split_to_topic is not None:
        topic = request.split_to_topic
        return RawTopicSink(settings, topic), f"raw topic {topic}"
    if request.out is not None:
        if request.out.suffix.lower() in (".jsonl", ".ndjson"):
            return JsonlSink(request.out), f"jsonl {request.out}"
        return ParquetSink(request.out), f"parquet {request.out}"
    topic = request.to_topic or settings.topics.backfill_enriched
    return TopicSink(settings, topic, settings.topics.backfill_dead_letter), f"topic {topic}"


async def _dry_run(
    settings: Settings, request: BackfillRequest, processor: BatchProcessor, progress: Progress
) -> BackfillSummary:
    """Validate and count; time the pipeline on the first batch for an estimate."""
    started = time.perf_counter()
    messages, _ = _source(settings, request)
    reasons: Counter[str] = Counter()
    rows = valid = 0
    per_row: float | None = None
    for chunk in _chunks(messages, settings.backfill_batch_size):
        if per_row is None:
            timed = time.perf_counter()
            await processor.process(chunk)  # nothing is written anywhere
            per_row = (time.perf_counter() - timed) / len(chunk)
        checked = validate_batch(chunk, processor.limits)
        reasons.update(r.reason for r in checked.rejected)
        valid += checked.valid.height
        rows += len(chunk)
        progress.update("checking", rows, None)
    progress.done()
    return BackfillSummary(
        run_id=request.run_id,
        rows=rows,
        enriched=valid,
        dead_lettered=sum(reasons.values()),
        seconds=time.perf_counter() - started,
        reasons=reasons,
        # the spill and writing on top; a run that is not paced shares rows over its pool
        estimated_seconds=(per_row or 0.0) * rows * 1.2 / _processes(settings, request),
    )


async def run_backfill(
    settings: Settings,
    request: BackfillRequest,
    processor: BatchProcessor | None,
    progress: Progress,
) -> BackfillSummary:
    """Run (or resume) the backfill ``request.run_id``; the summary of the whole run."""
    if request.dry_run:
        if processor is None:
            raise ConfigError("a dry run validates records: it needs the pipeline")
        return await _dry_run(settings, request, processor, progress)
    started = time.perf_counter()
    folder = RunFolder(settings.data_dir / "backfill" / request.run_id)
    sink, sink_text = _sink(settings, request)
    manifest = folder.load()
    # no pipeline here and records to enrich: a pool's processes, started before the spill
    enriches_in_pool = processor is None and request.split_to_topic is None
    pool = BucketPool(settings, pool_size(settings)) if enriches_in_pool else None
    try:
        messages, estimate = _source(settings, request)  # lazy: read only if not spilled
        if manifest is None:
            manifest = Manifest(
                request.run_id,
                request.source_text(),
                sink_text,
                bucket_count(estimate, settings.backfill_bucket_rows),
            )
            folder.save(manifest)
        elif (manifest.source, manifest.sink) != (request.source_text(), sink_text):
            raise ConfigError(
                f"run {request.run_id} was started for {manifest.source} -> {manifest.sink}; "
                "give the same source and sink to resume it, or a new --run-id"
            )
        else:
            log.info(
                "backfill %s resumed: %d of %d buckets done",
                request.run_id,
                len(manifest.done),
                manifest.buckets,
            )
        if not manifest.spilled:
            counted = _counting(messages, lambda n: progress.update("reading", n, None))
            manifest.rows = folder.write_spill(counted, manifest.buckets)
            manifest.spilled = True
            folder.save(manifest)
        sink.resume(manifest.sink_state)
        await _process_buckets(
            settings,
            request,
            processor if processor is not None else pool,
            progress,
            folder,
            manifest,
            sink,
        )
        folder.remove_spill()
    finally:
        if pool is not None:
            pool.close()
        sink.close()
        progress.done()
    return BackfillSummary(
        run_id=request.run_id,
        rows=manifest.rows,
        enriched=manifest.enriched,
        dead_lettered=manifest.dead_lettered,
        seconds=time.perf_counter() - started,
        sink=sink_text,
    )


def _counting(
    messages: Iterable[InboundMessage], tick: Callable[[int], None]
) -> Iterator[InboundMessage]:
    for n, message in enumerate(messages, 1):
        if n % 10_000 == 0:
            tick(n)
        yield message


async def _process_buckets(
    settings: Settings,
    request: BackfillRequest,
    enricher: BatchProcessor | BucketPool | None,
    progress: Progress,
    folder: RunFolder,
    manifest: Manifest,
    sink: Sink,
) -> None:
    """Each bucket not yet committed: its batches through the pipeline (here, or in a pool
    of processes), or for a split to the raw topic; then the sink's commit (and the seed)
    and the manifest."""
    todo = [b for b in range(manifest.buckets) if b not in manifest.done]
    pacer = Pacer(request.max_rate)
    done_rows = manifest.enriched + manifest.dead_lettered
    seeder = ChangelogSeeder(settings) if request.seed_live_state else None

    def commit(bucket: int, states: dict[str, SeriesState], enriched: int, dead: int) -> None:
        if seeder is not None:  # the bucket's accounts are all here: their final state
            seeder.seed(seed_changes(states.values(), seeder.partition_of))
            seeder.commit(bucket)
        manifest.sink_state = sink.commit(bucket)
        manifest.done.append(bucket)
        manifest.enriched += enriched
        manifest.dead_lettered += dead
        folder.save(manifest)

    try:
        if isinstance(sink, RawTopicSink):  # for backfill workers: nothing enriched here
            for bucket in todo:
                for chunk in _chunks(folder.read_bucket(bucket), settings.backfill_batch_size):
                    sink.write_raw(chunk)
                    done_rows += len(chunk)
                    progress.update("splitting", done_rows, manifest.rows)
                    await pacer.after(len(chunk))
                commit(bucket, {}, 0, 0)
        elif isinstance(enricher, BatchProcessor):
            for bucket in todo:
                states: dict[str, SeriesState] = {}
                enriched = dead = 0
                messages = folder.read_bucket(bucket)
                batch_size = settings.backfill_batch_size
                async for rows, output in bucket_batches(enricher, messages, batch_size, states):
                    sink.write(output)
                    enriched += len(output.enriched)
                    dead += len(output.dead_letters)
                    done_rows += rows
                    progress.update("enriching", done_rows, manifest.rows)
                    await pacer.after(rows)
                commit(bucket, states, enriched, dead)
        elif enricher is not None:
            await _enrich_in_pool(
                settings,
                _yield_ms(settings, request),
                enricher,
                folder,
                todo,
                sink,
                commit,
                progress,
                (done_rows, manifest.rows),
                keep_states=seeder is not None,
            )
        else:
            raise ConfigError("a backfill that enriches needs the pipeline or a pool")
    finally:
        if seeder is not None:
            seeder.close()


async def _enrich_in_pool(
    settings: Settings,
    yield_ms: int,
    pool: BucketPool,
    folder: RunFolder,
    todo: list[int],
    sink: Sink,
    commit: Callable[[int, dict[str, SeriesState], int, int], None],
    progress: Progress,
    rows: tuple[int, int],
    keep_states: bool,
) -> None:
    """``todo`` enriched by a pool of processes, which also encode each bucket for the sink;
    each bucket written and committed here as it comes back. ``rows``: done so far, in all;
    ``keep_states``: the buckets' recurrence states come back too (for a seed). With a
    ``yield_ms`` the pool pauses while the live workers fall behind."""
    done_rows, total_rows = rows
    yielding = asyncio.create_task(yield_to_live(settings, pool, yield_ms)) if yield_ms else None
    results = pool.enrich(folder, todo, settings.backfill_batch_size, sink.encode, keep_states)
    try:
        async with aclosing(results):
            async for result in results:
                sink.write_encoded(result.encoded)
                commit(result.bucket, result.states, result.enriched, result.dead_lettered)
                done_rows += result.rows
                progress.update("enriching", done_rows, total_rows)
    finally:
        if yielding is not None:
            yielding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await yielding


def _processes(settings: Settings, request: BackfillRequest) -> int:
    """Processes that will enrich ``request``'s records (a dry run: those of the real run)."""
    return 1 if request.max_rate is not None else pool_size(settings)


def _yield_ms(settings: Settings, request: BackfillRequest) -> int:
    """The live workers' mean latency above which the backfill pauses
    (``TXENRICH_BACKFILL_YIELD_MS``); 0, never, for a file-to-file backfill, which needs no
    broker and so probes none."""
    return settings.backfill_yield_ms if request.uses_kafka else 0


def _runs_here(settings: Settings, request: BackfillRequest) -> bool:
    """Whether the records are enriched in this process (else in a pool of processes): a
    dry run, a paced run (one process holds the pace) and a one-process setting do, unless
    the backfill yields to live workers (only a pool's processes can be paused)."""
    if request.dry_run or request.max_rate is not None:
        return True
    return _processes(settings, request) == 1 and not _yield_ms(settings, request)


def run_request(
    settings: Settings, request: BackfillRequest, progress: Progress | None = None
) -> BackfillSummary:
    """``request`` run to the end on the settings' pipeline (``build_processor``: the
    topology's pre-policies and model route, the cache, the catalogue)."""
    from streams.shell.enricher import build_processor  # noqa: PLC0415 - loads the models

    # A backfill's processes run their models on one thread each (unless told otherwise):
    # it takes about as many cores as it has processes (TXENRICH_BACKFILL_PROCESSES), which
    # is what leaves the rest of a node to the live workers beside it.
    settings = settings.model_copy(update={"model_threads": settings.model_threads or 1})
    if request.dry_run:  # writes nothing: not even cache entries
        settings = settings.model_copy(update={"redis_url": None})

    async def run() -> BackfillSummary:
        # a split only moves raw records, and a pool builds the pipeline in each process
        processor = (
            build_processor(settings, memo_entries=settings.backfill_memo_entries)
            if _runs_here(settings, request) and not request.split_to_topic
            else None
        )
        try:
            return await run_backfill(settings, request, processor, progress or Progress())
        finally:
            if processor is not None:
                await processor.close()

    return asyncio.run(run())


def backfill_files(
    settings: Settings, inputs: Sequence[str], out: Path, progress: Progress | None = None
) -> BackfillSummary:
    """A file backfill into ``out``: what ``txenrich enrich`` runs, and what tests compare a
    live worker with."""
    request = BackfillRequest(run_id=new_run_id(), inputs=tuple(inputs), out=out)
    return run_request(settings, request, progress)
