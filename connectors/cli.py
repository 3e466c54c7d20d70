"""CLI subcommands of the connectors: ``publish``, ``gateway`` and ``callbacks``.

``add_cli(subparsers)`` registers them on the project's ``collectctl`` parser; each sets
``func(args) -> int`` (the exit code). Defaults come from ``streams.settings.Settings``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry, start_http_server

from connectors.callbacks import create_app
from connectors.channels import ChannelConfigError, build_gateways, parse_channel_option
from connectors.delivered_store import DeliveredStore
from connectors.gateway_runner import GatewayRunner
from connectors.kafka_io import AsyncProducer
from connectors.metrics import GatewayMetrics
from connectors.publisher import PublishError, publish_file
from connectors.rows import KINDS
from streams.contract.catalogue import catalogue
from streams.contract.producer import CLIENT_LOG
from streams.contract.registry import use_registry
from streams.settings import Settings

log = logging.getLogger(__name__)


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    publish = subparsers.add_parser("publish", help="validate and publish a CSV / JSONL file")
    publish.add_argument("kind", choices=KINDS)
    publish.add_argument("file", type=Path)
    publish.add_argument("--rejects", type=Path, help="reject file (default FILE.rejects.jsonl)")
    publish.add_argument("--quiet", action="store_true", help="no progress line")
    publish.set_defaults(func=run_publish)

    gateway = subparsers.add_parser("gateway", help="deliver contact-due topics to gateways")
    gateway.add_argument(
        "--channel",
        action="append",
        required=True,
        metavar="CHANNEL=ADAPTER:TARGET",
        help="e.g. sms=webhook:http://sms-gw/contacts or ivr=file:- (repeatable)",
    )
    gateway.add_argument("--store", type=Path, help="delivered-id SQLite file")
    gateway.add_argument("--group", help="consumer group id")
    gateway.add_argument("--metrics-port", type=int, help="default: COLLECTIONS_METRICS_PORT+1")
    gateway.set_defaults(func=run_gateway)

    callbacks = subparsers.add_parser("callbacks", help="serve POST /v1/callbacks/{channel}")
    callbacks.add_argument("--host", default="127.0.0.1")
    callbacks.add_argument("--port", type=int, help="default: COLLECTIONS_WEB_PORT+1")
    callbacks.set_defaults(func=run_callbacks)


def _log_to_stderr() -> None:
    """One line per record with time, level and source (librdkafka's included)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def run_publish(args: argparse.Namespace) -> int:
    _log_to_stderr()
    settings = Settings.from_env()
    use_registry(settings.schema_registry_url)  # None: Avro single-object encoding
    try:
        summary = publish_file(
            args.file,
            args.kind,
            {"bootstrap.servers": settings.kafka_bootstrap},
            catalogue(settings.topic_prefix, settings.partitions),
            reject_path=args.rejects,
            progress=None if args.quiet else sys.stderr,
        )
    except PublishError as exc:
        sys.stderr.write(f"publish: {exc}\n")
        return 1
    sys.stderr.write(summary.describe() + "\n")
    return summary.exit_code


def run_gateway(args: argparse.Namespace) -> int:
    _log_to_stderr()
    settings = Settings.from_env()
    use_registry(settings.schema_registry_url)  # None: Avro single-object encoding
    try:
        gateways = build_gateways(dict(parse_channel_option(o) for o in args.channel))
    except ChannelConfigError as exc:
        sys.stderr.write(f"gateway: {exc}\n")
        return 2
    names = "-".join(sorted(c.value for c in gateways))
    registry = CollectorRegistry()
    # +1: the Faust worker serves its own metrics on metrics_port (same host in the demo)
    start_http_server(args.metrics_port or settings.metrics_port + 1, registry=registry)
    store = DeliveredStore(args.store or settings.data_dir / f"gateway-{names}.sqlite")
    producer = AsyncProducer({"bootstrap.servers": settings.kafka_bootstrap})
    runner = GatewayRunner(
        gateways=gateways,
        catalogue=catalogue(settings.topic_prefix, settings.partitions),
        consumer_config={
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": args.group or f"{settings.app_id}-gateway-{names}",
            "logger": CLIENT_LOG,
        },
        producer=producer,
        store=store,
        metrics=GatewayMetrics(registry, gateways),
    )
    try:
        asyncio.run(_until_signal(runner))
    finally:
        producer.close()
        store.close()
    return 0


async def _until_signal(runner: GatewayRunner) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runner.stop)
    await runner.run()


def run_callbacks(args: argparse.Namespace) -> int:
    _log_to_stderr()
    settings = Settings.from_env()
    use_registry(settings.schema_registry_url)  # None: Avro single-object encoding
    port = args.port or settings.web_port + 1  # the Faust worker's web server has web_port
    asyncio.run(_serve_callbacks(settings, args.host, port))
    return 0


async def _serve_callbacks(settings: Settings, host: str, port: int) -> None:
    producer = AsyncProducer({"bootstrap.servers": settings.kafka_bootstrap})
    app = create_app(
        emitter=producer,
        catalogue=catalogue(settings.topic_prefix, settings.partitions),
        now=lambda: datetime.now(UTC),
    )
    app_runner = web.AppRunner(app)
    await app_runner.setup()
    await web.TCPSite(app_runner, host, port).start()
    log.info("callbacks listening on http://%s:%d/v1/callbacks/{channel}", host, port)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    try:
        await stopped.wait()
    finally:
        await app_runner.cleanup()
        with contextlib.suppress(Exception):
            producer.close()
