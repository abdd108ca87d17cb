"""Kafka's default partitioner, as Java clients and librdkafka's murmur2_random compute it."""

from __future__ import annotations

import pytest

from streams.core.partitioning import murmur2, partition_for

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # org.apache.kafka.common.utils.UtilsTest.testMurmur2
        (b"21", -973932308),
        (b"foobar", -790332482),
        (b"a-little-bit-long-string", -985981536),
        (b"a-little-bit-longer-string", -1486304829),
        (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        (b"abc", 479470107),
    ],
)
def test_murmur2_matches_kafkas_own_vectors(key: bytes, expected: int) -> None:
    assert murmur2(key) == expected


def test_partition_is_the_positive_hash_modulo_the_count() -> None:
    assert partition_for(b"21", 3) == (-973932308 & 0x7FFFFFFF) % 3
    assert {partition_for(f"acc_{i:04d}".encode(), 3) for i in range(50)} == {0, 1, 2}
