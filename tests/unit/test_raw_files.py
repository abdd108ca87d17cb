"""`txenrich produce FILE`: JSONL, CSV and Parquet inputs become wire records."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from streams.core.wire import decode_value
from streams.errors import InputFileError
from streams.shell.produce import read_raw_file

pytestmark = pytest.mark.unit

ROWS = [
    {
        "transaction_id": f"tx_{i}",
        "account_id": f"acc_{i % 2}",
        "amount": "4.50",
        "currency": "USD",
        "direction": "debit",
        "description": "SQ *BLUE BOTTLE",
        "date": "2025-03-01",
    }
    for i in range(3)
]


def _decoded(path: Path) -> list[dict[str, object]]:
    return [decode_value(r.value, r.content_type) for r in read_raw_file(path)]


def test_jsonl_lines_go_out_as_they_are_even_broken(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([json.dumps(r) for r in ROWS] + ["{broken", ""]) + "\n")
    records = list(read_raw_file(path))
    assert len(records) == 4
    assert records[0].key == b"acc_0"
    assert records[3].value == b"{broken" and records[3].key == b""


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_tables_become_msgpack_records(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"in{suffix}"
    frame = pl.DataFrame(ROWS)
    frame.write_csv(path) if suffix == ".csv" else frame.write_parquet(path)
    assert _decoded(path) == ROWS
    assert [r.key for r in read_raw_file(path)] == [b"acc_0", b"acc_1", b"acc_0"]


def test_csv_metadata_column_is_parsed_as_json(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    pl.DataFrame([{**ROWS[0], "metadata": '{"channel": "pos"}'}]).write_csv(path)
    assert _decoded(path)[0]["metadata"] == {"channel": "pos"}


@pytest.mark.parametrize("name", ["missing.jsonl", "data.xlsx"])
def test_unusable_files_say_what_to_give(tmp_path: Path, name: str) -> None:
    if name.endswith(".xlsx"):
        (tmp_path / name).write_bytes(b"PK")
    with pytest.raises(InputFileError, match=r"\.jsonl, \.csv or \.parquet"):
        read_raw_file(tmp_path / name)
