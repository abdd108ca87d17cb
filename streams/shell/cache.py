"""Caches of model answers by cache key: Redis (shared by the workers; Redis down means run
on without it, never stop), and a bounded in-process memo for a backfill run without Redis
(a year of one customer's history repeats the same descriptions many times over)."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from streams.shell import metrics

__all__ = ["AnswerCache", "AnswerMemo", "EnrichmentCache"]

log = logging.getLogger(__name__)


class AnswerCache(Protocol):
    """Model answers (encoded predictions) by cache key."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def put_many(self, entries: Mapping[str, bytes]) -> None: ...

    async def close(self) -> None: ...


class AnswerMemo:
    """The newest ``max_entries`` answers in memory, least recently used out first. It starts
    empty with each process: a backfill's own memo, never shared."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._max = max_entries

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        found: list[bytes | None] = []
        for key in keys:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            found.append(value)
        return found

    async def put_many(self, entries: Mapping[str, bytes]) -> None:
        self._entries.update(entries)
        for key in entries:
            self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def close(self) -> None:
        self._entries.clear()


class EnrichmentCache:
    """Pipelined MGET/SET-with-TTL per batch; after a failure, stays away for `retry_seconds`."""

    def __init__(
        self,
        url: str,
        ttl_seconds: int,
        *,
        timeout_seconds: float = 0.5,
        retry_seconds: float = 5.0,
        ca_file: Path | None = None,
        cert_file: Path | None = None,
        key_file: Path | None = None,
    ) -> None:
        tls: dict[str, Any] = {}
        if url.startswith("rediss://"):  # the server's certificate is always verified
            tls = {"ssl_cert_reqs": "required", "ssl_check_hostname": True}
            tls |= {"ssl_ca_certs": str(ca_file)} if ca_file else {}
            tls |= {"ssl_certfile": str(cert_file)} if cert_file else {}
            tls |= {"ssl_keyfile": str(key_file)} if key_file else {}
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds, **tls
        )
        self._ttl = ttl_seconds
        self._retry_seconds = retry_seconds
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, exc: Exception) -> None:
        self._down_until = time.monotonic() + self._retry_seconds
        metrics.CACHE_ERRORS.labels(operation=operation).inc()
        log.warning(
            "cache unavailable op=%s error=%r; running without cache for %.0fs",
            operation,
            exc,
            self._retry_seconds,
        )

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Values for `keys` in order; all None when Redis is unavailable."""
        if not keys or not self.available:
            return [None] * len(keys)
        try:
            values: list[bytes | None] = await self._client.mget(keys)
        except (RedisError, OSError) as exc:
            self._failed("get", exc)
            return [None] * len(keys)
        return values

    async def put_many(self, entries: Mapping[str, bytes]) -> None:
        """Store entries with the TTL in one pipeline; errors only degrade the cache."""
        if not entries or not self.available:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in entries.items():
                    pipe.set(key, value, ex=self._ttl)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed("put", exc)

    async def close(self) -> None:
        await self._client.aclose()
