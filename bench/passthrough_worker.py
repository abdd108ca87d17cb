"""faust-streaming's ceiling for bench/throughput.py: an agent forwarding raw bytes untouched.

Run as `python bench/passthrough_worker.py` with the same TXENRICH_* environment as a
real worker (PLAINTEXT brokers only). The worker no longer runs on faust; this measures what
the framework it replaced could move on the same broker and records, at best.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust

from streams.settings import Settings


def main() -> None:
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.kafka.bootstrap_servers}",
        store="memory://",
        datadir=str(settings.data_dir / "faust"),
        topic_partitions=settings.partitions,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_port=settings.web_port,
        web_bind=settings.web_host,
    )
    options: dict[str, Any] = {
        "key_type": bytes,
        "value_type": bytes,
        "key_serializer": "raw",
        "value_serializer": "raw",
    }
    raw = app.topic(settings.topics.raw, **options)
    out = app.topic(settings.topics.enriched, **options)

    @app.agent(raw, name="passthrough")
    async def forward(stream: Any) -> None:
        batches = stream.take_events(settings.batch_size, within=settings.batch_wait_seconds)
        async for events in batches:
            pending = [await out.send(key=e.message.key, value=e.message.value) for e in events]
            await asyncio.gather(*pending)

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        owned = [tp for tp in app.consumer.assignment() if tp.topic == settings.topics.raw]
        return web.json({"status": "ok", "ready": bool(owned)})

    _ = (forward, health)
    faust.Worker(app, loglevel="warn", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
