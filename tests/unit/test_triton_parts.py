"""How a batch is cut into Triton requests: parts of the ensemble's max_batch_size sent
together (live), or parts of the route's request_rows sent one after the other (a backfill's
lane, so it never crowds Triton's queues). No server: the request itself is replaced."""

from __future__ import annotations

import asyncio

import polars as pl
import pytest

from streams.core.model_steps import predictions_frame
from streams.inference.repository import ModelRepository
from streams.inference.triton_client import TritonPredictor

pytestmark = pytest.mark.unit


def _parts(predictor: TritonPredictor, rows: int) -> tuple[list[int], int]:
    """Sizes of the requests a batch of ``rows`` becomes, and the most in flight at once."""
    sizes: list[int] = []
    in_flight = [0, 0]  # now, most

    async def infer(frame: pl.DataFrame) -> pl.DataFrame:
        sizes.append(frame.height)
        in_flight[0] += 1
        in_flight[1] = max(in_flight)
        await asyncio.sleep(0.01)
        in_flight[0] -= 1
        return predictions_frame(None).clear(frame.height)

    predictor._infer = infer  # type: ignore[method-assign]
    frame = pl.DataFrame({"description": ["X"] * rows, "direction": ["debit"] * rows})
    answer = asyncio.run(predictor.predict(frame))
    assert answer.frame.height == rows
    return sizes, in_flight[1]


def test_live_parts_are_the_ensembles_largest_batch_sent_together() -> None:
    predictor = TritonPredictor("127.0.0.1:1", ModelRepository())
    assert _parts(predictor, 2500) == ([1024, 1024, 452], 3)


def test_a_lane_with_request_rows_sends_its_parts_one_after_the_other() -> None:
    predictor = TritonPredictor("127.0.0.1:1", ModelRepository(), request_rows=256)
    assert _parts(predictor, 1000) == ([256, 256, 256, 232], 1)
