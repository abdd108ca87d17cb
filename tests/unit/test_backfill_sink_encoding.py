"""A bucket encoded in a pool process and written by the parent (``encode`` then
``write_encoded``) leaves the same files as the same outputs written batch by batch."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from streams.core.wire import CONTENT_TYPE_HEADER, JSON, MSGPACK, encode_value
from streams.shell.backfill_sinks import JsonlSink, ParquetSink, TopicSink
from streams.shell.processor import BatchOutput, OutboundRecord

pytestmark = pytest.mark.unit


def _enriched(n: int, **extra: Any) -> OutboundRecord:
    document = {
        "transaction_id": f"tx_{n}",
        "account_id": "acc_1",
        "amount": f"{n}.50",
        "merchant": {"id": None, "name": None, "website": None, "confidence": 0.0},
        **extra,
    }
    value = encode_value(document)
    return OutboundRecord(b"acc_1", value, ((CONTENT_TYPE_HEADER, MSGPACK.encode()),), document)


def _dead(n: int) -> OutboundRecord:
    value = json.dumps({"reason": "undecodable", "offset": n}).encode()
    return OutboundRecord(None, value, ((CONTENT_TYPE_HEADER, JSON.encode()),))


def _outputs() -> list[BatchOutput]:
    first = BatchOutput([_enriched(1), _enriched(2, metadata={"k": [1]})], [_dead(3)], 0)
    # a later batch whose merchant is named: the bucket's part must hold both shapes
    named = {"id": "m_1", "name": "Acme", "website": "acme.test", "confidence": 0.9}
    second = BatchOutput([_enriched(4, merchant=named)], [_dead(5), _dead(6)], 0)
    return [first, second]


def _by_batch(sink: JsonlSink | ParquetSink) -> None:
    for output in _outputs():
        sink.write(output)
    sink.commit(0)
    sink.close()


def _encoded(sink: JsonlSink | ParquetSink) -> None:
    # as a pool sends it: pickled in the process, unpickled in the parent
    sink.write_encoded(pickle.loads(pickle.dumps(type(sink).encode(_outputs()))))
    sink.commit(0)
    sink.close()


def test_a_jsonl_sink_writes_an_encoded_bucket_as_its_batches(tmp_path: Path) -> None:
    _by_batch(JsonlSink(tmp_path / "a" / "out.jsonl"))
    _encoded(JsonlSink(tmp_path / "b" / "out.jsonl"))
    for name in ("out.jsonl", "out.jsonl.rejected.jsonl"):
        written = (tmp_path / "a" / name).read_text()
        assert written == (tmp_path / "b" / name).read_text()
        assert written.count("\n") == 3  # three records of each kind


def test_a_parquet_sink_writes_an_encoded_bucket_as_its_batches(tmp_path: Path) -> None:
    _by_batch(ParquetSink(tmp_path / "a" / "out.parquet"))
    _encoded(ParquetSink(tmp_path / "b" / "out.parquet"))
    by_batch = pl.read_parquet(tmp_path / "a" / "out.parquet" / "part-00000.parquet")
    encoded = pl.read_parquet(tmp_path / "b" / "out.parquet" / "part-00000.parquet")
    assert by_batch.equals(encoded)
    assert by_batch["merchant"].struct.field("name").to_list() == [None, None, "Acme"]
    assert by_batch["metadata"].to_list() == [None, '{"k": [1]}', None]
    rejected = "out.parquet.rejected.jsonl"
    assert (tmp_path / "a" / rejected).read_text() == (tmp_path / "b" / rejected).read_text()


def test_a_topic_sink_encodes_records_as_it_produces_them() -> None:
    enriched, dead = TopicSink.encode(_outputs())
    assert [key for key, _, _ in enriched] == [b"acc_1"] * 3
    assert [value for _, value, _ in dead] == [r.value for o in _outputs() for r in o.dead_letters]
    assert enriched[0][2] == [(CONTENT_TYPE_HEADER, MSGPACK.encode())]
