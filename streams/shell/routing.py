"""Which worker owns an account: its partition (murmur2 of the key) and the group's members.

Each worker joins the consumer group with ``client.id = "txenrich <url>"``, the URL where
its HTTP port answers; describing the group tells which member holds which partition. The
description is cached for a moment: ownership only changes with a rebalance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from streams.core.partitioning import partition_for
from streams.settings import KafkaSettings

__all__ = ["CLIENT_ID_PREFIX", "AccountRouter", "Owner", "client_id"]

log = logging.getLogger(__name__)

CLIENT_ID_PREFIX: Final = "txenrich "
_QUIET = logging.getLogger("txenrich.librdkafka.routing")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def client_id(url: str) -> str:
    """The consumer's client id that carries the worker's HTTP address."""
    return CLIENT_ID_PREFIX + url


@dataclass(frozen=True, slots=True)
class Owner:
    """Where an account's state lives: here, at ``url``, or (None, False) while unknown."""

    local: bool
    url: str | None = None


class AccountRouter:
    """Finds the owner of an account's partition among the group's members."""

    def __init__(
        self,
        kafka: KafkaSettings,
        group_id: str,
        topic: str,
        owned: Callable[[], frozenset[int]],
        refresh_seconds: float = 2.0,
    ) -> None:
        self._admin = AdminClient(kafka.confluent_config(), logger=_QUIET)
        self._group = group_id
        self._topic = topic
        self._owned = owned
        self._refresh = refresh_seconds
        self._partitions = 0
        self._members: dict[int, str] = {}
        self._read_at = float("-inf")

    def partition(self, account: str) -> int:
        """The raw-topic partition of ``account``'s records (and state)."""
        if not self._partitions:
            described = self._admin.list_topics(self._topic, timeout=10).topics[self._topic]
            self._partitions = len(described.partitions)
        return partition_for(account.encode(), self._partitions)

    def owner(self, account: str) -> Owner:
        """Blocking (an admin request at most every ``refresh_seconds``): call off the loop."""
        partition = self.partition(account)
        if partition in self._owned():
            return Owner(local=True)
        if time.monotonic() - self._read_at > self._refresh or partition not in self._members:
            self._describe()
        return Owner(local=False, url=self._members.get(partition))

    def _describe(self) -> None:
        try:
            group = self._admin.describe_consumer_groups([self._group])[self._group].result(
                timeout=10
            )
        except KafkaException as exc:
            log.warning("cannot describe group %s: %s", self._group, exc)
            return
        members: dict[int, str] = {}
        for member in group.members:
            if not member.client_id.startswith(CLIENT_ID_PREFIX) or member.assignment is None:
                continue
            url = member.client_id.removeprefix(CLIENT_ID_PREFIX)
            for tp in member.assignment.topic_partitions:
                if tp.topic == self._topic:
                    members[tp.partition] = url
        self._members = members
        self._read_at = time.monotonic()
