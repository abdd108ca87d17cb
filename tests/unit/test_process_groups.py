"""A stopped server's process group is signalled only while its number can still be ours."""

from __future__ import annotations

import os
import subprocess

import pytest

from streams.shell.local_stack import group_may_be_ours

pytestmark = pytest.mark.unit


def test_a_leader_not_yet_reaped_owns_its_group() -> None:
    leader = subprocess.Popen(["sleep", "5"], start_new_session=True)
    try:
        assert group_may_be_ours(leader)
    finally:
        leader.kill()
        leader.wait()


def test_a_reaped_leader_whose_number_nobody_holds_may_have_orphans_to_reap() -> None:
    leader = subprocess.Popen(["true"], start_new_session=True)
    leader.wait()
    assert group_may_be_ours(leader)


def test_a_reaped_leader_whose_number_went_to_another_process_is_not_signalled() -> None:
    leader = subprocess.Popen(["true"], start_new_session=True)
    leader.wait()
    leader.pid = os.getpid()  # the number handed out again: here, to this very process
    assert not group_may_be_ours(leader)
