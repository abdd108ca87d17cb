"""The faust-streaming worker: `create_app(settings)` builds it; nothing is created at import.

Delivery guarantee: at least once, idempotent for consumers. Each micro-batch's
outputs are produced and every broker acknowledgement awaited before the loop
body returns; only then does `take_events` ack the batch's events, so a crash
before that point replays the batch (same transaction_id, same key). The consumer's
offsets are checked batch to batch: a record faust skipped (it can, around recovery after
a restart) is read back from the broker and processed first (core.offsets, GapReader).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Iterable
from typing import Any

import faust
from faust.types import StreamT
from prometheus_client import REGISTRY, generate_latest

from streams.core.merchant import MerchantCatalogue
from streams.core.offsets import batch_span
from streams.core.types import InboundMessage
from streams.inference.breaker import CircuitBreaker
from streams.inference.fallback import FallbackPredictor
from streams.inference.predictor import LocalPredictor, Predictor
from streams.inference.repository import ModelRepository
from streams.inference.triton_client import TritonPredictor
from streams.settings import KafkaSettings, Settings
from streams.shell import metrics
from streams.shell.cache import EnrichmentCache
from streams.shell.gap_reader import GapReader, SkippedRecords
from streams.shell.processor import BatchProcessor, OutboundRecord
from streams.shell.recurrence_tables import RecurrenceTables
from streams.topology import ModelRoute, load_topology

__all__ = ["broker_credentials", "build_predictor", "create_app"]

log = logging.getLogger(__name__)


def broker_credentials(kafka: KafkaSettings) -> Any:
    """faust credentials for the configured security protocol (None for PLAINTEXT)."""
    context = None
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(
            cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None
        )
        if kafka.ssl_certfile:
            context.load_cert_chain(
                str(kafka.ssl_certfile), str(kafka.ssl_keyfile) if kafka.ssl_keyfile else None
            )
    if kafka.security_protocol.startswith("SASL"):
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=password,
            mechanism=kafka.sasl_mechanism or "PLAIN",
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def _inbound(event: Any) -> InboundMessage:
    message = event.message
    headers = message.headers or ()
    items = headers.items() if isinstance(headers, dict) else headers
    return InboundMessage(
        value=message.value,
        key=message.key,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        timestamp_ms=int(message.timestamp * 1000) if message.timestamp else None,
        headers=tuple((str(k), bytes(v)) for k, v in items),
    )


async def _send_all(topic: Any, records: Iterable[OutboundRecord]) -> list[Any]:
    pending = [await topic.send(key=r.key, value=r.value, headers=list(r.headers)) for r in records]
    return list(await asyncio.gather(*pending))


def build_predictor(settings: Settings, route: ModelRoute) -> Predictor:
    """In process only, or Triton (per the topology's route) with the in-process fallback."""
    repository = ModelRepository(settings.model_repository)
    local = LocalPredictor(repository, settings.model_threads)
    if not settings.triton_url:
        return local
    local.warm_up(min(settings.batch_size, 1024))  # the fallback must be quick from the start
    triton = TritonPredictor(
        settings.triton_url,
        repository,
        priority=route.priority,
        timeout_seconds=route.timeout_seconds,
        model=route.model,
    )
    return FallbackPredictor(triton, local, CircuitBreaker(route.breaker.policy()))


def create_app(
    settings: Settings,
    catalogue: MerchantCatalogue | None = None,
    predictor: Predictor | None = None,
) -> faust.App:
    """Build the worker app for `settings` (one agent on the raw topic)."""
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        broker_credentials=broker_credentials(settings.kafka),
        store=settings.state_store,
        datadir=str(settings.data_dir / "faust"),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        producer_acks=-1,
        producer_max_batch_size=settings.kafka.producer_batch_bytes,
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=settings.session_timeout_seconds / 3,
        broker_rebalance_timeout=settings.session_timeout_seconds * 2,
        consumer_auto_offset_reset="earliest",
        web_bind=settings.web_host,
        web_port=settings.web_port,
        web_host=settings.web_host,
        web_in_thread=False,
    )
    raw_options: dict[str, Any] = {
        "key_type": bytes,
        "value_type": bytes,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "partitions": settings.partitions,
    }
    raw = app.topic(settings.topics.raw, **raw_options)
    enriched = app.topic(settings.topics.enriched, **raw_options)
    dead_letter = app.topic(settings.topics.dead_letter, **raw_options)
    catalogue = catalogue or MerchantCatalogue.load()
    cache = (
        EnrichmentCache(settings.redis_url, settings.cache_ttl_seconds)
        if settings.redis_url
        else None
    )
    topology = load_topology(settings.topology)
    predictor = predictor or build_predictor(settings, topology.route)
    processor = BatchProcessor(catalogue, predictor, cache, policies=topology.policies())
    recurrence = RecurrenceTables(app, settings.partitions)
    recurrence.register_view(app)

    skipped = SkippedRecords(GapReader(settings.kafka, f"{settings.app_id}-gaps"))

    @app.agent(raw, name="enrich")
    async def enrich_agent(stream: StreamT[bytes]) -> None:
        # take_events (not take): the events carry topic/partition/offset and timestamps.
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.batch_size, within=settings.batch_wait_seconds
        )
        async for delivered in batches:
            started = time.perf_counter()
            messages, events = await skipped.fill_in(
                [_inbound(event) for event in delivered],
                list(delivered),
                app.consumer_generation_id,
            )
            output = await processor.process(messages, recurrence.lookup)
            # Table writes go to the changelog at once, and faust flushes them before it
            # commits offsets: after a crash the state may be ahead of the offsets (never
            # behind), so the replayed rows find their own occurrences already stored and
            # are reported as first emitted (see recurrence.replay_safe_as_of).
            recurrence.store(output.series_updates, events)
            await _send_all(enriched, output.enriched)
            await _send_all(dead_letter, output.dead_letters)
            metrics.BATCH_SIZE.observe(len(messages))
            metrics.BATCH_DURATION.observe(time.perf_counter() - started)
            metrics.RECORDS.labels(topic=settings.topics.raw, outcome="enriched").inc(
                len(output.enriched)
            )
            metrics.RECORDS.labels(topic=settings.topics.raw, outcome="dead_lettered").inc(
                len(output.dead_letters)
            )
            log.info(
                "batch %s records=%d enriched=%d dead_lettered=%d cache_hits=%d",
                batch_span(messages),
                len(messages),
                len(output.enriched),
                len(output.dead_letters),
                output.cache_hits,
            )

    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        return web.bytes(generate_latest(REGISTRY), content_type="text/plain")

    @app.page("/health")
    async def health_page(web: Any, request: Any) -> Any:
        # ready = this worker owns raw partitions and will process what arrives
        owned = [tp for tp in app.consumer.assignment() if tp.topic == settings.topics.raw]
        return web.json({"status": "ok", "ready": bool(owned), "partitions": len(owned)})

    _ = (enrich_agent, metrics_page, health_page)
    return app
