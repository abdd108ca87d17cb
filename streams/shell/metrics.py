"""Prometheus metrics: base units in names, bounded labels (never account or description)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BATCH_DURATION",
    "BATCH_SIZE",
    "BREAKER_STATE",
    "BREAKER_TRANSITIONS",
    "CACHE_ERRORS",
    "CACHE_LOOKUPS",
    "DEAD_LETTERS",
    "INFERENCE_ROWS",
    "INFERENCE_SECONDS",
    "MODEL_SERVER_FAILURES",
    "MODEL_SERVER_REFUSALS",
    "MODEL_SERVER_REFUSED",
    "PARTITIONS_HALTED",
    "PARTITIONS_OWNED",
    "POLICY_SKIPS",
    "RECORDS",
    "RECORD_LATENCY",
    "UNREADABLE_BATCHES",
]

RECORDS = Counter(
    "txenrich_records_total",
    "Consumed records by outcome (enriched or dead_lettered).",
    ["topic", "outcome"],
)
DEAD_LETTERS = Counter(
    "txenrich_dead_letters_total", "Dead-lettered records by reason code.", ["reason"]
)
BATCH_SIZE = Histogram(
    "txenrich_batch_records",
    "Records per micro-batch.",
    buckets=(1, 8, 32, 64, 128, 256, 512, 1024, 2048, 4096),
)
BATCH_DURATION = Histogram(
    "txenrich_batch_duration_seconds",
    "Time from taking a micro-batch to every output being acknowledged.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RECORD_LATENCY = Histogram(
    "txenrich_record_latency_seconds",
    "From the raw record's Kafka timestamp to the produce of its enriched record.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CACHE_LOOKUPS = Counter(
    "txenrich_cache_lookups_total", "Enrichment cache lookups by outcome.", ["outcome"]
)
CACHE_ERRORS = Counter(
    "txenrich_cache_errors_total", "Redis errors that degraded the cache.", ["operation"]
)
INFERENCE_SECONDS = Histogram(
    "txenrich_inference_duration_seconds",
    "Model time per micro-batch (cache misses only), by the path that served it.",
    ["path"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
INFERENCE_ROWS = Counter(
    "txenrich_inference_rows_total",
    "Validated rows by where their model answer came from (triton, local, cache, policy).",
    ["path"],
)
MODEL_SERVER_FAILURES = Counter(
    "txenrich_model_server_failures_total",
    "Batches the model server failed (then served by the fallback), by error kind.",
    ["kind"],
)
MODEL_SERVER_REFUSALS = Counter(
    "txenrich_model_server_refusals_total",
    "Checks that found the model server serving other model files than this worker's.",
)
MODEL_SERVER_REFUSED = Gauge(
    "txenrich_model_server_refused",
    "1 while the model server is refused for serving other model files (models in process).",
)
BREAKER_TRANSITIONS = Counter(
    "txenrich_model_server_breaker_transitions_total",
    "Circuit breaker state changes, by the state entered.",
    ["state"],
)
BREAKER_STATE = Gauge(
    "txenrich_model_server_breaker_state",
    "1 for the breaker's current state (closed, open, half_open), 0 for the others.",
    ["state"],
)
POLICY_SKIPS = Counter(
    "txenrich_policy_skips_total",
    "Rows a pre-policy answered without the model, by the policy's reason.",
    ["reason"],
)
PARTITIONS_OWNED = Gauge(
    "txenrich_partitions_owned", "Raw-topic partitions this worker owns (state restored)."
)
UNREADABLE_BATCHES = Counter(
    "txenrich_unreadable_batches_total",
    "Record batches the worker could not read (corrupt, unknown codec); each halts its partition.",
    ["topic"],
)
PARTITIONS_HALTED = Gauge(
    "txenrich_partitions_halted",
    "Owned partitions paused at an unreadable batch: nothing from it on is processed.",
)
