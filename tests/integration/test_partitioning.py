"""Accounts land on the partition Java clients choose (murmur2), as the worker computes it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from streams.core.partitioning import partition_for
from streams.demo.run import sample_raw_records
from streams.settings import Settings
from streams.shell.consume import follow
from streams.shell.produce import produce_records

pytestmark = pytest.mark.integration


def test_produced_records_follow_murmur2_key_partitioning(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(partitions=3)
    records = [r for r in sample_raw_records(300, seed=5) if r.key]
    produce_records(settings, records)
    placed = list(
        follow(
            settings, [settings.topics.raw], max_records=len(records), idle_timeout=30, decode=False
        )
    )
    assert len(placed) == len(records)
    for record in placed:
        assert record.key
        assert record.partition == partition_for(record.key, settings.partitions)
    assert len({r.partition for r in placed}) > 1
