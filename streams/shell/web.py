"""The worker's HTTP port: ``/metrics``, ``/health`` and ``/accounts/{id}/recurring``.

An account query is answered by the worker that owns the account's partition; any other
worker forwards it there once (a forwarded request is never forwarded again), with the
caller's ``Authorization`` header. With a token set, an account query without
``Authorization: Bearer <token>`` gets 401 before anything is looked up. ``/health`` is 200
only while the worker is ready (it owns raw partitions, their state restored, and
consumes) and healthy (no partition halted): 503 otherwise, so a readiness probe can use it.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import Callable
from typing import Any, Final

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from streams.core.contracts import raw_contract
from streams.shell.routing import AccountRouter

__all__ = ["WorkerWeb"]

_FORWARDED: Final = "X-Txenrich-Forwarded"


class WorkerWeb:
    """An aiohttp server on the worker's event loop."""

    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], dict[str, Any]],
        recurring: Callable[[str], dict[str, Any] | None],
        router: AccountRouter,
        token: str | None = None,
    ) -> None:
        self._host, self._port = host, port
        self._expected = f"Bearer {token}".encode() if token else None
        self._health = health
        self._recurring = recurring
        self._router = router
        self._id_pattern = re.compile(raw_contract().id_pattern)
        self._id_max = raw_contract().id_max_length
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/health", self._health_page)
        app.router.add_get("/accounts/{account_id}/recurring", self._account)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health_page(self, request: web.Request) -> web.Response:
        body = self._health()
        fine = body.get("status") == "ok" and body.get("ready")
        return web.json_response(body, status=200 if fine else 503)

    def _authorised(self, request: web.Request) -> bool:
        if self._expected is None:
            return True
        given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self._expected)

    async def _account(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response(
                {"error": "missing or wrong bearer token"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="txenrich"'},
            )
        account = request.match_info["account_id"]
        if len(account) > self._id_max or not self._id_pattern.fullmatch(account):
            message = "account_id must be 1-128 printable ASCII characters"
            return web.json_response({"error": message}, status=400)
        owner = await asyncio.to_thread(self._router.owner, account)
        if owner.local:
            body = self._recurring(account)
            if body is None:
                return web.json_response({"error": f"unknown account {account!r}"}, status=404)
            return web.json_response(body)
        if owner.url is None or request.headers.get(_FORWARDED):
            error = f"no worker owns account {account!r} right now (rebalancing); retry"
            return web.json_response({"error": error}, status=503)
        return await self._forward(owner.url, request)

    async def _forward(self, url: str, request: web.Request) -> web.Response:
        if self._client is None:
            self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            headers = {_FORWARDED: "1"}
            if "Authorization" in request.headers:
                headers["Authorization"] = request.headers["Authorization"]
            async with self._client.get(url + request.path, headers=headers) as answer:
                body = await answer.read()
                return web.Response(
                    body=body, status=answer.status, content_type="application/json"
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"the owning worker at {url} did not answer ({exc}); retry"
            return web.json_response({"error": error}, status=503)
