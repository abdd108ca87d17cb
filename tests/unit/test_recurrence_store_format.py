"""The stored form of recurrence state: compact, lossless, and readable from the first format."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import msgpack
import pytest

from streams.core.recurrence import SeriesState
from streams.shell.recurrence_state import (
    AccountIndex,
    StoredSeries,
    decode_account,
    decode_series,
    decode_stored,
    encode_account,
    encode_series,
)

pytestmark = pytest.mark.unit

STATE = SeriesState(
    group_id="9f" * 20,
    account_id="acct-é-1",
    direction="debit",
    counterparty_key="m:netflix",
    dates=(date(2024, 1, 3), date(2024, 2, 3), date(2024, 9, 3)),
    amounts=("15.49", "15.49", "17.99"),
    transaction_ids=("t1", "t2", "t3"),
    segment_starts=(date(2024, 9, 3),),
    evicted=2,
)


def test_series_round_trips_and_is_smaller_than_the_first_format() -> None:
    stored = encode_series(STATE)
    assert decode_series(stored) == STATE
    first_format = msgpack.packb(STATE.to_dict(), use_bin_type=True)
    assert len(stored) < len(first_format)


def test_series_keep_the_row_that_wrote_them_and_the_state_before() -> None:
    before = replace(
        STATE,
        dates=STATE.dates[:2],
        amounts=STATE.amounts[:2],
        transaction_ids=STATE.transaction_ids[:2],
        segment_starts=(),
    )
    stored = decode_stored(encode_series(STATE, 41, before))
    assert stored == StoredSeries(STATE, 41, before)
    assert decode_stored(encode_series(STATE, 7)) == StoredSeries(STATE, 7, None)


def test_series_of_the_second_format_is_read_without_replay_fields() -> None:
    second = msgpack.packb(
        [
            2,
            STATE.group_id,
            STATE.account_id,
            STATE.direction,
            STATE.counterparty_key,
            [d.toordinal() for d in STATE.dates],
            list(STATE.amounts),
            list(STATE.transaction_ids),
            [d.toordinal() for d in STATE.segment_starts],
            STATE.evicted,
        ],
        use_bin_type=True,
    )
    assert decode_stored(second) == StoredSeries(STATE)


def test_series_of_the_first_format_is_read() -> None:
    first_format = msgpack.packb(STATE.to_dict(), use_bin_type=True)
    assert decode_series(first_format) == STATE


def test_account_index_round_trips() -> None:
    index = AccountIndex(date(2024, 9, 3), {"a" * 40: date(2025, 10, 8), "b" * 40: None})
    assert decode_account(encode_account(index)) == index


def test_account_index_of_the_first_format_has_unknown_expiries() -> None:
    first_format = msgpack.packb({"groups": ["a" * 40, "b" * 40], "newest": "2024-09-03"})
    assert decode_account(first_format) == AccountIndex(
        date(2024, 9, 3), {"a" * 40: None, "b" * 40: None}
    )
