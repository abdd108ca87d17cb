"""`txenrich enrich INPUT --out OUTPUT` as a data scientist runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import polars as pl
import pytest

from streams.core.contracts import DEAD_LETTER_SCHEMA, ENRICHED_SCHEMA, load_schema
from streams.demo.run import sample_raw_records
from tests.samples import summary_fields, write_jsonl

pytestmark = pytest.mark.e2e

TXENRICH = str(Path(sys.executable).with_name("txenrich"))


def _write_jsonl(path: Path, n: int) -> None:
    """The sample as JSONL; undecodable samples become broken lines."""
    write_jsonl(path, sample_raw_records(n, seed=3))


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_enrich_file_writes_enriched_and_rejected_rows(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "raw.jsonl"
    _write_jsonl(source, 2000)
    out = tmp_path / f"enriched{suffix}"
    result = subprocess.run(
        [TXENRICH, "enrich", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    fields = summary_fields(result.stdout)
    rejected_lines = (tmp_path / f"enriched{suffix}.rejected.jsonl").read_text().splitlines()
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        validator = jsonschema.Draft202012Validator(load_schema(ENRICHED_SCHEMA))
        for row in rows:
            validator.validate(row)
    else:
        rows = pl.read_parquet(out).to_dicts()
    assert int(fields["in"]) == 2000
    assert int(fields["enriched"]) == len(rows)
    assert int(fields["dead_lettered"]) == len(rejected_lines) > 0
    assert len(rows) + len(rejected_lines) == 2000
    dl_validator = jsonschema.Draft202012Validator(load_schema(DEAD_LETTER_SCHEMA))
    for line in rejected_lines:
        dl_validator.validate(json.loads(line))
    assert sum(1 for r in rows if r["merchant"]["name"]) > len(rows) * 0.3
    # the trained models answered, and say which versions did
    assert all(r["model_versions"]["merchant"] == "1" for r in rows)
    assert all(r["model_versions"]["category"] == "1" for r in rows)


def test_enrich_rejects_unknown_output_format(tmp_path: Path) -> None:
    source = tmp_path / "raw.jsonl"
    _write_jsonl(source, 10)
    result = subprocess.run(
        [TXENRICH, "enrich", str(source), "--out", str(tmp_path / "x.xlsx")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert ".jsonl or .parquet" in result.stderr
    assert "Traceback" not in result.stderr


def test_enrich_with_a_missing_model_repository_says_what_to_do(tmp_path: Path) -> None:
    source = tmp_path / "raw.jsonl"
    _write_jsonl(source, 10)
    result = subprocess.run(
        [
            TXENRICH,
            "enrich",
            str(source),
            "--out",
            str(tmp_path / "x.jsonl"),
            "--model-repository",
            str(tmp_path / "nowhere"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "no model repository" in result.stderr
    assert "TXENRICH_MODEL_REPOSITORY" in result.stderr
    assert "Traceback" not in result.stderr
