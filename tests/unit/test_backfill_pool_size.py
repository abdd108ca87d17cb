"""How many processes a backfill starts: one per CPU it may use, a container's CPU limit
included (a pool sized by the node's cores would load the models once per core)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.settings import Settings
from streams.shell.backfill_pool import available_cpus, cgroup_cpu_quota, pool_size

pytestmark = pytest.mark.unit


def test_a_cgroup_v2_limit_reads_as_cpus(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("250000 100000\n")
    assert cgroup_cpu_quota(tmp_path) == 2.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_quota(tmp_path) is None


def test_a_cgroup_v1_limit_reads_as_cpus(tmp_path: Path) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("50000\n")
    assert cgroup_cpu_quota(tmp_path) == 0.5
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_cpu_quota(tmp_path) is None


def test_no_cgroup_files_is_no_limit(tmp_path: Path) -> None:
    assert cgroup_cpu_quota(tmp_path) is None


def test_the_setting_wins_and_zero_means_every_cpu() -> None:
    assert pool_size(Settings(backfill_processes=3)) == 3
    assert pool_size(Settings(backfill_processes=0)) == available_cpus() >= 1
