"""A backfill's in-process memo of model answers: bounded, least recently used out first."""

from __future__ import annotations

import asyncio

import pytest

from streams.shell.cache import AnswerMemo

pytestmark = pytest.mark.unit


def test_the_memo_keeps_the_newest_answers_within_its_bound() -> None:
    memo = AnswerMemo(max_entries=2)

    async def run() -> list[list[bytes | None]]:
        await memo.put_many({"a": b"1", "b": b"2"})
        first = await memo.get_many(["b", "a", "c"])  # "a" read after "b": "b" is oldest
        await memo.put_many({"c": b"3"})
        return [first, await memo.get_many(["a", "b", "c"])]

    before, after = asyncio.run(run())
    assert before == [b"2", b"1", None]
    assert after == [b"1", None, b"3"]
