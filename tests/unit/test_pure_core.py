"""The pure core runs with the Kafka, Redis and Triton clients unavailable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.unit

SCRIPT = textwrap.dedent(
    """
    import sys
    for name in ("confluent_kafka", "aiokafka", "faust", "mode", "redis", "tritonclient",
                 "onnxruntime", "prometheus_client"):
        sys.modules[name] = None  # any import of these now raises ImportError
    import msgpack
    import polars as pl
    from streams.core.enrichment import enrich
    from streams.core.merchant import MerchantCatalogue
    from streams.core.records import to_enriched_records
    from streams.core.types import InboundMessage
    from streams.core.validation import validate_batch
    record = {"transaction_id": "t1", "account_id": "a1", "amount": "9.99",
              "currency": "USD", "direction": "debit", "description": "NETFLIX.COM",
              "date": "2025-01-03"}
    batch = validate_batch([InboundMessage(msgpack.packb(record))])
    # what the enrich ensemble answers for this row (the core never runs a model itself)
    predictions = pl.DataFrame({
        "model_merchant_id": ["m_netflix"], "model_merchant_confidence": [0.98],
        "model_category_detailed": ["ENTERTAINMENT_TV_AND_MOVIES"],
        "model_category_confidence": [0.9],
        "model_counterparty_type": ["merchant"], "model_counterparty_confidence": [0.99],
    })
    enriched = enrich(batch.valid, predictions, MerchantCatalogue.load())
    out = to_enriched_records(enriched, 0, {})
    loaded = sorted(m for m, mod in sys.modules.items() if mod is not None and
                    m.split(".")[0] in ("confluent_kafka", "aiokafka", "faust", "redis"))
    print(out[0]["merchant"]["name"], loaded)
    """
)


def test_core_imports_and_runs_without_io_clients() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    name, loaded = result.stdout.strip().split(" ", 1)
    assert name == "Netflix"
    assert loaded == "[]"
