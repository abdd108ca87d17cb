"""Backfill file sources: paths, folders and globs; JSONL, CSV and Parquet, gzipped or not,
read row by row into the same records."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from streams.core.wire import CONTENT_TYPE_HEADER, decode_value, header_value
from streams.errors import InputFileError
from streams.shell.backfill_sources import expand_inputs, file_messages

pytestmark = pytest.mark.unit

ROWS = [
    {
        "transaction_id": f"tx{i}",
        "account_id": f"acc_{i % 2}",
        "amount": "12.50",
        "currency": "USD",
        "direction": "debit",
        "description": "NETFLIX.COM",
        "date": "2026-01-0" + str(i + 1),
    }
    for i in range(3)
]


def _write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r) + "\n" for r in ROWS)
    files = {
        "jsonl": folder / "a.jsonl",
        "jsonl.gz": folder / "b.jsonl.gz",
        "csv": folder / "c.csv",
        "csv.gz": folder / "d.csv.gz",
        "parquet": folder / "e.parquet",
    }
    files["jsonl"].write_text(lines + "\n")  # a blank line is skipped
    files["jsonl.gz"].write_bytes(gzip.compress(lines.encode()))
    with files["csv"].open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    files["csv.gz"].write_bytes(gzip.compress(files["csv"].read_bytes()))
    pl.DataFrame(ROWS).write_parquet(files["parquet"])
    return files


def test_every_format_reads_as_the_same_records(tmp_path: Path) -> None:
    files = _write_all(tmp_path / "in")
    for kind, path in files.items():
        messages = list(file_messages([path]))
        documents = [
            decode_value(m.value, header_value(m.headers, CONTENT_TYPE_HEADER)) for m in messages
        ]
        assert documents == ROWS, kind
        assert [m.offset for m in messages] == [0, 1, 2]
        assert {m.topic for m in messages} == {path.name}
        assert [m.key for m in messages] == [None] * 3  # keyed by account when spilled


def test_folders_globs_and_paths_expand_once_each_in_order(tmp_path: Path) -> None:
    files = _write_all(tmp_path / "in")
    (tmp_path / "in" / "notes.txt").write_text("not an input")
    every = sorted(p.resolve() for p in files.values())
    assert expand_inputs([str(tmp_path / "in")]) == every
    assert expand_inputs([str(tmp_path / "in" / "*.csv*")]) == [
        files["csv"].resolve(),
        files["csv.gz"].resolve(),
    ]
    both = expand_inputs([str(files["parquet"]), str(tmp_path / "in")])
    assert both[0] == files["parquet"].resolve() and len(both) == len(files)


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.jsonl", "no such file"), ("notes.txt", "unknown format"), ("empty", "no .jsonl")],
)
def test_an_input_that_names_nothing_readable_says_so(
    tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match=message):
        expand_inputs([str(tmp_path / name)])


def test_a_broken_gzip_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(InputFileError, match=r"bad\.jsonl\.gz"):
        list(file_messages([path]))
