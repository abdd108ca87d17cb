"""The enrichment pipeline a worker runs, assembled from settings and the topology."""

from __future__ import annotations

from streams.core.merchant import MerchantCatalogue
from streams.core.validation import InputLimits
from streams.core.wire import JSON, MSGPACK
from streams.inference.breaker import CircuitBreaker
from streams.inference.fallback import FallbackPredictor
from streams.inference.predictor import LocalPredictor, Predictor
from streams.inference.repository import ModelRepository
from streams.inference.triton_client import TritonPredictor, TritonTls
from streams.settings import Settings
from streams.shell.cache import AnswerCache, AnswerMemo, EnrichmentCache
from streams.shell.processor import BatchProcessor
from streams.topology import ModelRoute, load_topology

__all__ = ["build_predictor", "build_processor"]


def build_predictor(settings: Settings, route: ModelRoute) -> Predictor:
    """In process only, or Triton (per the topology's route) with the in-process fallback."""
    repository = ModelRepository(settings.model_repository)
    local = LocalPredictor(repository, settings.model_threads)
    # before the worker says it is ready: the first batch (or the first fallback) pays no
    # lazy initialisation
    local.warm_up(min(settings.batch_size, 1024))
    if not settings.triton_url:
        return local
    triton = TritonPredictor(
        settings.triton_url,
        repository,
        priority=route.priority,
        timeout_seconds=route.timeout_seconds,
        model=route.model,
        request_rows=route.request_rows,
        tls=TritonTls(settings.triton_ca_file, settings.triton_cert_file, settings.triton_key_file)
        if settings.triton_tls
        else None,
    )
    return FallbackPredictor(triton, local, CircuitBreaker(route.breaker.policy()))


def build_processor(
    settings: Settings,
    catalogue: MerchantCatalogue | None = None,
    predictor: Predictor | None = None,
    memo_entries: int = 0,
) -> BatchProcessor:
    """The topology's pre-policies and model route, the cache (without Redis, an in-process
    memo of ``memo_entries`` answers when asked for one), the catalogue."""
    topology = load_topology(settings.topology)
    cache: AnswerCache | None = (
        EnrichmentCache(
            settings.redis_url.get_secret_value(),
            settings.cache_ttl_seconds,
            ca_file=settings.redis_ca_file,
            cert_file=settings.redis_cert_file,
            key_file=settings.redis_key_file,
        )
        if settings.redis_url and settings.redis_url.get_secret_value()
        else None
    )
    if cache is None and memo_entries > 0:
        cache = AnswerMemo(memo_entries)
    return BatchProcessor(
        catalogue or MerchantCatalogue.load(),
        predictor or build_predictor(settings, topology.route),
        cache,
        policies=topology.policies(),
        content_type=JSON if settings.output_format == "json" else MSGPACK,
        max_record_bytes=settings.kafka.max_message_bytes,
        limits=InputLimits(
            record_bytes=settings.max_record_bytes,
            metadata_bytes=settings.max_metadata_bytes,
            metadata_depth=settings.max_metadata_depth,
        ),
    )
