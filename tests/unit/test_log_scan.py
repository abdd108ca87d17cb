"""The suite's end-of-session log scan (tests/conftest.py) finds what it looks for. These
tests plant secrets, so they write outside pytest's temporary folder, which the scan reads."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.samples import NEVER_LOGGED, REDIS_PASSWORD, WEB_TOKEN, leaks

pytestmark = pytest.mark.unit


@pytest.fixture
def outside() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="txenrich-log-scan-") as folder:
        yield Path(folder)


def test_the_log_scan_finds_a_secret_in_any_log_below_the_folder(outside: Path) -> None:
    nested = outside / "test_x0" / "stack"
    nested.mkdir(parents=True)
    (nested / "worker-0.log").write_text(f"connecting redis://:{REDIS_PASSWORD}@127.0.0.1\n")
    (outside / "broker.log").write_bytes(
        b"\xff binary \x00 Authorization: Bearer " + WEB_TOKEN.encode()
    )
    (outside / "clean.log").write_text("nothing to see\n")
    found = leaks(outside)
    assert found == [
        f"{outside / 'broker.log'}: web bearer token",
        f"{nested / 'worker-0.log'}: Redis password",
    ]


def test_kafka_data_files_and_other_files_are_not_logs(outside: Path) -> None:
    # Kafka's segments hold the records themselves (descriptions included) by design.
    (outside / "00000000000000000000.log").write_text(NEVER_LOGGED["a transaction's description"])
    (outside / "jaas.conf").write_text(REDIS_PASSWORD)
    assert leaks(outside) == []
