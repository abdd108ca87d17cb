"""A record that raises is isolated and dead-lettered; the rest of its batch comes out as if
it had never been there, recurrence included."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import pytest

from streams.core.merchant import MerchantCatalogue
from streams.core.recurrence import SeriesState
from streams.core.types import InboundMessage
from streams.core.wire import JSON, decode_value
from streams.demo.run import sample_raw_records
from streams.errors import ProcessingFailure
from streams.inference.predictor import LocalPredictor
from streams.shell.isolation import process_isolating
from streams.shell.processor import BatchOutput, BatchProcessor, OutboundRecord, SeriesLookup

pytestmark = pytest.mark.unit

NOW = 1_790_000_000.0


@pytest.fixture(scope="module")
def processor() -> BatchProcessor:
    # JSON output: a NaN in metadata reads fine and raises when the output is written
    return BatchProcessor(
        MerchantCatalogue.load(), LocalPredictor(), clock=lambda: NOW, content_type=JSON
    )


def _lookup(states: Mapping[str, SeriesState]) -> SeriesLookup:
    def read(group_ids: Iterable[str]) -> Mapping[str, SeriesState]:
        return {g: states[g] for g in group_ids if g in states}

    return read


def _messages() -> tuple[list[InboundMessage], InboundMessage]:
    records = sample_raw_records(120, seed=12)
    messages = [r.as_inbound(i, timestamp_ms=int(NOW * 1000)) for i, r in enumerate(records)]
    template = next(
        d for m in messages if isinstance(d := _document(m), dict) and "metadata" not in d
    )
    poison_doc = {**template, "transaction_id": "tx-poison", "metadata": {"x": float("nan")}}
    poison = InboundMessage(
        json.dumps(poison_doc).encode(),
        poison_doc["account_id"].encode(),
        "raw",
        0,
        10_000,
        int(NOW * 1000),
        (("content-type", JSON.encode()), ("traceparent", b"00-abc-def-01")),
    )
    return messages, poison


def _document(message: InboundMessage) -> object:
    try:
        return decode_value(message.value, None)
    except ValueError:
        return None


def _run(processor: BatchProcessor, batch: Sequence[InboundMessage], isolate: bool) -> BatchOutput:
    lookup = _lookup({})
    if isolate:
        return asyncio.run(process_isolating(processor.process, processor.reject, batch, lookup))
    return asyncio.run(processor.process(batch, lookup))


def test_a_raising_record_is_dead_lettered_and_the_rest_is_unchanged(
    processor: BatchProcessor,
) -> None:
    messages, poison = _messages()
    with pytest.raises(ValueError, match="JSON"):
        _run(processor, [*messages[:70], poison, *messages[70:]], isolate=False)

    isolated = _run(processor, [*messages[:70], poison, *messages[70:]], isolate=True)
    clean = _run(processor, messages, isolate=False)

    assert [r.value for r in isolated.enriched] == [r.value for r in clean.enriched]
    letters = {json.loads(r.value)["offset"]: r for r in isolated.dead_letters}
    poison_letter = letters.pop(10_000)
    assert sorted(r.value for r in letters.values()) == sorted(r.value for r in clean.dead_letters)
    poisoned = json.loads(poison_letter.value)
    assert poisoned["reason"] == "processing_error"
    assert poisoned["error"].startswith("ValueError: Out of range float values")
    assert poisoned["offset"] == 10_000
    assert ("traceparent", b"00-abc-def-01") in poison_letter.headers
    # recurrence: the same final state per series, each from the same input record
    messages_with = [*messages[:70], poison, *messages[70:]]

    def final(output: BatchOutput, batch: Sequence[InboundMessage]) -> dict[str, object]:
        return {
            u.state.group_id: (u.state.to_dict(), batch[u.row].offset)
            for u in output.series_updates
        }

    assert final(isolated, messages_with) == final(clean, messages)
    assert clean.series_updates, "the sample has recurring series"


def test_a_batch_where_every_record_raises_is_a_broken_worker() -> None:
    async def broken(batch: Sequence[InboundMessage], lookup: SeriesLookup) -> BatchOutput:
        raise RuntimeError("model file unreadable")

    def reject(message: InboundMessage, reason: str, error: str) -> BatchOutput:
        letter = OutboundRecord(message.key, b"", ())
        return BatchOutput(enriched=[], dead_letters=[letter], cache_hits=0)

    messages, _ = _messages()
    with pytest.raises(ProcessingFailure, match="every one of 8 records"):
        asyncio.run(process_isolating(broken, reject, messages[:8], _lookup({})))


def test_each_output_is_tallied_once(processor: BatchProcessor) -> None:
    messages, poison = _messages()
    isolated = _run(processor, [*messages[:70], poison, *messages[70:]], isolate=True)
    clean = _run(processor, messages, isolate=False)
    tally = isolated.tally
    reasons = Counter(reason for _, reason, _ in tally.dead_letters)
    assert reasons.pop("processing_error") == 1
    assert reasons == Counter(reason for _, reason, _ in clean.tally.dead_letters)
    assert len(tally.dead_letters) == len(isolated.dead_letters)
    assert (
        sum(tally.inference_rows.values())
        == len(isolated.enriched)
        == len(messages) - len(clean.dead_letters)
    )
    assert len(tally.latencies_seconds) == len(isolated.enriched)
