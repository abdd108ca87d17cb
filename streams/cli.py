"""`txenrich`: the command line. Errors end in one line that says what to do."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from streams.errors import ConfigError, TxEnrichError
from streams.settings import KafkaSettings, Settings, TopicNames

if TYPE_CHECKING:
    from streams.shell.local_stack import LocalStack

__all__ = ["main", "render_pretty"]


def _settings(args: argparse.Namespace, stack: LocalStack | None = None) -> Settings:
    """Settings from the environment, overridden by the flags given (and, for a command that
    started the local stack, by how to reach it)."""
    try:
        overrides: dict[str, Any] = {"topics": TopicNames()}
        if stack is None:
            kafka = KafkaSettings()
            if getattr(args, "bootstrap_servers", None):
                kafka = kafka.model_copy(update={"bootstrap_servers": args.bootstrap_servers})
            overrides["kafka"] = kafka
        flags = ("batch_size", "batch_wait_seconds", "redis_url", "web_port", "partitions")
        for flag in (*flags, "model_repository", "triton_url", "topology"):
            value = getattr(args, flag, None)
            if value is not None:
                overrides[flag] = value
        if getattr(args, "no_cache", False):
            overrides["redis_url"] = None
        if getattr(args, "no_triton", False):
            overrides["triton_url"] = None
        return stack.settings(**overrides) if stack is not None else Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {where}: {first['msg']}") from exc


def render_pretty(record: dict[str, Any]) -> str:
    """One human line for an enriched record."""
    sign = "-" if record.get("direction") == "debit" else "+"
    merchant = record.get("merchant") or {}
    category = record.get("category") or {}
    counterparty = record.get("counterparty") or {}
    name = merchant.get("name") or counterparty.get("name") or "?"
    site = f" ({merchant['website']})" if merchant.get("website") else ""
    recurrence = record.get("recurrence") or {}
    repeat = ""
    if recurrence.get("period"):
        repeat = (
            f" ~{recurrence['period']} #{recurrence['occurrences']}"
            f" next {recurrence['next_expected_date']}"
        )
    return (
        f"{record.get('date')} {record.get('account_id'):<10} "
        f"{sign}{record.get('amount'):>9} {record.get('currency')}  "
        f"{record.get('description', '')[:34]:<34} -> {name}{site} "
        f"[{category.get('detailed')}] {counterparty.get('type')}{repeat}"
    )


def _cmd_up(args: argparse.Namespace) -> int:
    from streams.shell.kafka_admin import create_topics, wait_for_broker
    from streams.shell.local_stack import LocalStack
    from streams.shell.stack_env import publish, withdraw

    # --data-dir keeps the broker's log directory (topics, offsets, groups) and the worker
    # state beside it across restarts; without it every run starts in a fresh folder.
    run_dir = Path(args.data_dir or Path(args.workdir) / time.strftime("up-%Y%m%d-%H%M%S"))
    with LocalStack(run_dir) as stack:
        bootstrap = stack.start_broker(port=args.broker_port)
        redis_url = stack.start_redis(port=args.redis_port)
        settings = _settings(args, stack)
        triton = "" if args.no_triton else stack.start_triton(settings.model_repository).grpc_url
        wait_for_broker(settings)
        create_topics(settings)
        print(f"bootstrap: {bootstrap}   (Apache Kafka, log dir {stack.workdir / 'kafka'})")
        print(f"redis: {redis_url}")
        print(f"triton: {triton or 'not started (--no-triton): workers run the models in process'}")
        exports = {
            "TXENRICH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "TXENRICH_REPLICATION_FACTOR": str(settings.replication_factor),
            "TXENRICH_MIN_INSYNC_REPLICAS": str(settings.min_insync_replicas),
            "TXENRICH_REDIS_URL": redis_url,
            "TXENRICH_TRITON_URL": triton,
            "TXENRICH_DATA_DIR": str(stack.workdir / "worker"),
        }
        print("export " + " ".join(f"{name}={value}" for name, value in exports.items()))
        published = publish(Path(args.workdir), exports)
        print(f'local stack up ({published}: `eval "$(txenrich env)"`); Ctrl-C stops it')
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while all(p.process.poll() is None for p in stack.processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            withdraw(Path(args.workdir))
    return 0


def _cmd_env(args: argparse.Namespace) -> int:
    from streams.shell.stack_env import wait_for_exports

    print(wait_for_exports(Path(args.workdir), args.wait), end="")
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from streams.shell.worker import run_worker

    run_worker(_settings(args))
    return 0


def _cmd_produce(args: argparse.Namespace) -> int:
    from streams.shell.kafka_admin import wait_for_broker
    from streams.shell.produce import produce_records, read_raw_file

    settings = _settings(args)
    if args.file is None and args.sample is None:
        raise ConfigError("give a FILE (.jsonl/.csv/.parquet) or --sample N")
    if args.sample is not None:
        from streams.demo.run import sample_raw_records

        records: Any = sample_raw_records(args.sample, seed=args.seed)
    else:
        records = read_raw_file(Path(args.file))
    wait_for_broker(settings, timeout=10)
    report = produce_records(settings, records)
    print(f"produced {report.sent} records to {settings.topics.raw}")
    return 0


def _cmd_consume(args: argparse.Namespace) -> int:
    from streams.shell.consume import follow
    from streams.shell.kafka_admin import wait_for_broker

    settings = _settings(args)
    topic = {"enriched": settings.topics.enriched, "dead-letter": settings.topics.dead_letter}.get(
        args.topic, args.topic
    )
    wait_for_broker(settings, timeout=10)
    for record in follow(
        settings,
        [topic],
        from_beginning=not args.latest,
        max_records=args.max,
        idle_timeout=args.idle_timeout,
    ):
        if record.value is None:
            where = f"{record.topic}[{record.partition}]@{record.offset}"
            print(f"# {where}: not msgpack/JSON ({len(record.raw or b'')} bytes)", flush=True)
        elif args.format == "jsonl" or topic != settings.topics.enriched:
            print(json.dumps(record.value, ensure_ascii=False), flush=True)
        else:
            print(render_pretty(record.value), flush=True)
    return 0


def _cmd_topics(args: argparse.Namespace) -> int:
    from streams.shell.kafka_admin import create_topics, wait_for_broker

    settings = _settings(args)
    wait_for_broker(settings, timeout=10)
    created = create_topics(settings)
    print(f"created: {', '.join(created) if created else 'none (all exist)'}")
    return 0


def _iso_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00+00:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} must be more than 0")
    return value


def _run_backfill(settings: Settings, request: Any) -> int:
    from streams.shell.backfill import run_request

    os.nice(settings.backfill_nice)
    summary = run_request(settings, request)
    if request.dry_run:
        reasons = dict(summary.reasons.most_common()) or "none"
        print(f"dry run: nothing written; dead-letter reasons: {reasons}")
    else:
        print(f"backfill {summary.run_id} -> {summary.sink}")
    print(summary.line())
    return 0


def _cmd_backfill(args: argparse.Namespace) -> int:
    from streams.shell.backfill import BackfillRequest, new_run_id
    from streams.shell.backfill_sources import TopicRange

    if args.since and not args.from_topic:
        raise ConfigError("--since and --until go with --from-topic TOPIC")
    if args.from_topic and not args.since:
        raise ConfigError("--from-topic needs --since ISO (and optionally --until ISO)")
    if args.reason and not args.from_dead_letter:
        raise ConfigError("--reason goes with --from-dead-letter")
    settings = _backfill_settings(args)
    run_id = args.run_id or new_run_id()
    request = BackfillRequest(
        run_id=run_id,
        inputs=tuple(args.inputs),
        topic_range=TopicRange(args.from_topic, args.since, args.until)
        if args.from_topic
        else None,
        dead_letters=args.from_dead_letter,
        reason=args.reason,
        out=args.out,
        to_topic=args.to_topic,
        split_to_topic=(args.split_to_topic or settings.topics.backfill_raw)
        if args.split_to_topic is not None
        else None,
        seed_live_state=args.seed_live_state,
        limit=args.limit,
        max_rate=args.max_rate,
        dry_run=args.dry_run,
    )
    if not args.dry_run:
        print(
            f"backfill run {run_id} (killed? run the same command with --run-id {run_id})",
            file=sys.stderr,
            flush=True,
        )
    return _run_backfill(settings, request)


def _backfill_settings(args: argparse.Namespace) -> Settings:
    settings = _settings(args)
    update: dict[str, Any] = {"topology": args.topology or settings.backfill_topology}
    if getattr(args, "offline", False):  # `txenrich enrich`: no servers at all
        update |= {"redis_url": None, "triton_url": None}
    return settings.model_copy(update=update)


def _cmd_enrich(args: argparse.Namespace) -> int:
    from streams.shell.backfill import BackfillRequest, new_run_id

    args.offline, args.topology = True, None
    settings = _backfill_settings(args)
    request = BackfillRequest(run_id=new_run_id(), inputs=(args.input,), out=Path(args.out))
    return _run_backfill(settings, request)


def _cmd_demo(args: argparse.Namespace) -> int:
    from streams.demo.run import run_demo

    print(f"txenrich demo: {args.sample} sample transactions through the local stack", flush=True)
    summary = run_demo(
        Path(args.workdir),
        args.sample,
        args.show,
        echo=lambda line: print(line, flush=True),
        render=render_pretty,
        triton=not args.no_triton,
    )
    rate = summary.produced / summary.seconds if summary.seconds else 0.0
    lat = sorted(summary.latencies_ms)
    p50 = lat[len(lat) // 2] if lat else 0.0
    p95 = lat[int(len(lat) * 0.95)] if lat else 0.0
    for line in summary.recurring:
        print(line)
    print(f"dead-letter reasons: {dict(sorted(summary.reasons.items())) or 'none'}")
    print(f"model answers by path: {dict(summary.paths.most_common())}")
    print(f"throughput: {rate:.0f} records/s end to end; latency p50={p50:.0f} ms p95={p95:.0f} ms")
    print(summary.line(), flush=True)
    complete = summary.enriched + summary.dead_lettered == summary.produced
    return 0 if complete else 1


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _add_stack_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """`up` (the local stack) and `env` (where a running one serves)."""
    up = sub.add_parser("up", parents=[common], help="start the local broker, Redis and Triton")
    up.add_argument("--workdir", default=".txenrich", help="parent of each run's fresh folder")
    up.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the broker's topics and the worker state in DIR across restarts",
    )
    up.add_argument("--no-triton", action="store_true", help="start no model server")
    up.add_argument("--broker-port", type=int)
    up.add_argument("--redis-port", type=int)
    up.set_defaults(run=_cmd_up)

    env = sub.add_parser(
        "env",
        help='print the export lines of a running `txenrich up` (eval "$(txenrich env)")',
    )
    env.add_argument("--workdir", default=".txenrich", help="the --workdir `up` was given")
    env.add_argument(
        "--wait",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help="how long to wait for the stack to come up (default 180)",
    )
    env.set_defaults(run=_cmd_env)


def _add_backfill_command(sub: Any, common: argparse.ArgumentParser) -> None:
    backfill = sub.add_parser(
        "backfill",
        parents=[common],
        help="replay files, a topic's time range or dead letters through the pipeline",
    )
    backfill.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="files, folders or globs (.jsonl .csv .parquet, .gz)",
    )
    backfill.add_argument("--from-topic", metavar="TOPIC", help="read TOPIC's records instead")
    backfill.add_argument("--since", type=_iso_time, metavar="ISO", help="with --from-topic")
    backfill.add_argument("--until", type=_iso_time, metavar="ISO", help="default: the end now")
    backfill.add_argument(
        "--from-dead-letter", action="store_true", help="re-drive the dead-letter topic's records"
    )
    backfill.add_argument("--reason", help="with --from-dead-letter: only this reason")
    backfill.add_argument(
        "--out", type=Path, metavar="PATH", help="FILE.jsonl, or NAME.parquet (a folder of parts)"
    )
    backfill.add_argument(
        "--to-topic",
        metavar="TOPIC",
        help="default when no --out: the backfill output topic (TXENRICH_TOPIC_BACKFILL_ENRICHED)",
    )
    backfill.add_argument(
        "--split-to-topic",
        nargs="?",
        const="",
        metavar="TOPIC",
        help="write the records (per account in event-time order) to TOPIC for backfill "
        "workers instead (default: TXENRICH_TOPIC_BACKFILL_RAW)",
    )
    backfill.add_argument(
        "--seed-live-state",
        action="store_true",
        help="leave each account's recurrence state in the live workers' changelog (a new "
        "customer's history, before live workers own its partitions)",
    )
    backfill.add_argument("--dry-run", action="store_true", help="validate and count only")
    backfill.add_argument("--limit", type=_positive_int, metavar="N", help="the first N records")
    backfill.add_argument(
        "--max-rate", type=_positive_float, metavar="R", help="at most R records/s"
    )
    backfill.add_argument("--run-id", help="resume this run (printed when a run starts)")
    backfill.add_argument("--redis-url")
    backfill.add_argument("--no-cache", action="store_true", help="run without Redis")
    backfill.add_argument("--triton-url", metavar="HOST:PORT", help="Triton gRPC endpoint")
    backfill.add_argument("--no-triton", action="store_true", help="run the models in process")
    backfill.add_argument(
        "--topology", type=Path, metavar="FILE", help="default: topologies/backfill.yaml"
    )
    backfill.add_argument("--model-repository", type=Path, metavar="DIR")
    backfill.set_defaults(run=_cmd_backfill)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bootstrap-servers", help="Kafka bootstrap servers (host:port,...)")
    parser = argparse.ArgumentParser(
        prog="txenrich", description="Enrich financial transactions on Kafka."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    _add_stack_commands(sub, common)

    worker = sub.add_parser("worker", parents=[common], help="run a worker")
    worker.add_argument("--batch-size", type=_positive_int)
    worker.add_argument("--batch-wait-seconds", type=float)
    worker.add_argument("--redis-url")
    worker.add_argument("--no-cache", action="store_true", help="run without Redis")
    worker.add_argument("--web-port", type=int)
    worker.add_argument("--partitions", type=_positive_int)
    worker.add_argument("--triton-url", metavar="HOST:PORT", help="Triton gRPC endpoint")
    worker.add_argument("--no-triton", action="store_true", help="run the models in process only")
    worker.add_argument(
        "--topology", type=Path, metavar="FILE", help="default: topologies/live.yaml"
    )
    worker.set_defaults(run=_cmd_worker)

    produce = sub.add_parser("produce", parents=[common], help="write raw transactions")
    produce.add_argument("file", nargs="?", help=".jsonl, .csv or .parquet file")
    produce.add_argument("--sample", type=_positive_int, metavar="N", help="N sample records")
    produce.add_argument("--seed", type=int, default=7)
    produce.set_defaults(run=_cmd_produce)

    consume = sub.add_parser("consume", parents=[common], help="follow an output topic")
    consume.add_argument("--topic", default="enriched", help="enriched, dead-letter or a name")
    consume.add_argument("--format", choices=("pretty", "jsonl"), default="pretty")
    consume.add_argument("--max", type=_positive_int)
    consume.add_argument("--idle-timeout", type=float, help="stop after S seconds without data")
    consume.add_argument("--latest", action="store_true", help="only new records")
    consume.set_defaults(run=_cmd_consume)

    topics = sub.add_parser("topics", help="manage topics")
    topics_sub = topics.add_subparsers(dest="topics_command", required=True)
    create = topics_sub.add_parser("create", parents=[common], help="create the topics")
    create.add_argument("--partitions", type=_positive_int)
    create.set_defaults(run=_cmd_topics)

    _add_backfill_command(sub, common)

    offline = sub.add_parser(
        "enrich", help="a file backfill with no servers: `backfill INPUT --out OUTPUT`"
    )
    offline.add_argument("input", help="raw transactions: .jsonl, .csv or .parquet (.gz too)")
    offline.add_argument(
        "--out", required=True, help="OUTPUT.jsonl, or OUTPUT.parquet (a folder of parts)"
    )
    offline.add_argument(
        "--model-repository",
        type=Path,
        metavar="DIR",
        help="Triton model repository to run (default: models/repository)",
    )
    offline.set_defaults(run=_cmd_enrich)

    demo = sub.add_parser("demo", help="run everything locally on a sample")
    demo.add_argument("--sample", type=_positive_int, default=3000, metavar="N")
    demo.add_argument("--show", type=int, default=12, help="enriched events to print")
    demo.add_argument("--workdir", default=".txenrich")
    demo.add_argument(
        "--no-triton", action="store_true", help="run the models in the worker, no Triton"
    )
    demo.set_defaults(run=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `txenrich` console script."""
    args = _parser().parse_args(argv)
    interrupted = _InterruptFlag()
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return _interrupted()
    except TxEnrichError as exc:
        if interrupted.raised:
            return _interrupted()
        print(f"txenrich: error: {exc}", file=sys.stderr)
        return 1
    except Exception:
        # Ctrl-C inside a C extension (librdkafka's constructor, say) can surface as that
        # extension's own error rather than KeyboardInterrupt: still an interrupt, not a crash.
        if interrupted.raised:
            return _interrupted()
        raise
    return code


class _InterruptFlag:
    """SIGINT raises KeyboardInterrupt as usual, and remembers that it did."""

    def __init__(self) -> None:
        self.raised = False
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        self.raised = True
        raise KeyboardInterrupt


def _interrupted() -> int:
    print("txenrich: interrupted; everything started was stopped", file=sys.stderr)
    return 130
