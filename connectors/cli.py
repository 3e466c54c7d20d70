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
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import yaml
from aiohttp import web
from prometheus_client import CollectorRegistry, start_http_server

from connectors.callbacks import CallbackLimits, CallbackSecurity, create_app
from connectors.channels import ChannelConfigError, build_gateways, parse_channel_option
from connectors.delivered_store import DeliveredStore
from connectors.erasure import ErasureNotSent, request_erasure
from connectors.erasure_audit import ErasureAudit
from connectors.gateway_runner import GatewayRunner
from connectors.kafka_io import AsyncProducer
from connectors.metrics import GatewayMetrics
from connectors.publisher import PublishError, publish_file
from connectors.rate_limit import RateLimiter
from connectors.replay_guard import ReplayGuard
from connectors.rows import KINDS
from connectors.secrets import CALLBACK, CONTACT_TAG, channel_keys
from streams.contract.catalogue import catalogue
from streams.contract.producer import CLIENT_LOG
from streams.contract.registry import use_registry
from streams.core.model import Channel
from streams.kafka_clients import add_arguments, kafka_config, registry_config, with_arguments
from streams.settings import Settings

log = logging.getLogger(__name__)


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    publish = subparsers.add_parser("publish", help="validate and publish a CSV / JSONL file")
    publish.add_argument("kind", choices=KINDS)
    publish.add_argument("file", type=Path)
    publish.add_argument("--rejects", type=Path, help="reject file (default FILE.rejects.jsonl)")
    publish.add_argument("--quiet", action="store_true", help="no progress line")
    add_arguments(publish)
    publish.set_defaults(func=run_publish)

    gateway = subparsers.add_parser("gateway", help="deliver contact-due topics to gateways")
    gateway.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="CHANNEL=ADAPTER:TARGET",
        help="e.g. sms=webhook:https://sms-gw/contacts or ivr=file:- (repeatable)",
    )
    gateway.add_argument(
        "--channels",
        type=Path,
        metavar="FILE",
        help="YAML: channel -> adapter options (auth, TLS, allow_http; see docs/connectors.md)",
    )
    gateway.add_argument("--store", type=Path, help="delivered-id SQLite file")
    gateway.add_argument("--group", help="consumer group id")
    gateway.add_argument("--metrics-port", type=int, help="default: COLLECTIONS_METRICS_PORT+1")
    gateway.add_argument(
        "--clock",
        choices=["wall", "event"],
        help="wall: now (production); event: a contact is made at its due_at, which stamps "
        "its outcome and judges its expiry (replays, the demo). Default: COLLECTIONS_CLOCK",
    )
    add_arguments(gateway)
    gateway.set_defaults(func=run_gateway)

    forget = subparsers.add_parser(
        "forget", help="erase a customer: erasure request + profile tombstone (right to erasure)"
    )
    forget.add_argument("customer_id")
    forget.add_argument("--source", default="collectctl", help="who asks (audit; no names)")
    forget.add_argument(
        "--keep-profile", action="store_true", help="do not tombstone the account profile"
    )
    add_arguments(forget)
    forget.set_defaults(func=run_forget)

    callbacks = subparsers.add_parser("callbacks", help="serve POST /v1/callbacks/{channel}")
    callbacks.add_argument("--host", help="listen address (default COLLECTIONS_BIND_HOST)")
    callbacks.add_argument("--port", type=int, help="default: COLLECTIONS_WEB_PORT+1")
    callbacks.add_argument(
        "--rate", type=float, default=20.0, help="requests per second per source (burst 2x)"
    )
    add_arguments(callbacks)
    callbacks.set_defaults(func=run_callbacks)


def _log_to_stderr() -> None:
    """One line per record with time, level and source (librdkafka's included)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings with the command's flags on top; the registry switched on."""
    _log_to_stderr()
    settings = with_arguments(Settings.from_env(), args)
    use_registry(registry_config(settings))  # {}: Avro single-object encoding
    return settings


def run_publish(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        summary = publish_file(
            args.file,
            args.kind,
            kafka_config(settings),
            catalogue(settings.topic_prefix, settings.partitions),
            reject_path=args.rejects,
            progress=None if args.quiet else sys.stderr,
        )
    except PublishError as exc:
        sys.stderr.write(f"publish: {exc}\n")
        return 1
    sys.stderr.write(summary.describe() + "\n")
    return summary.exit_code


def run_forget(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        request = request_erasure(
            kafka_config(settings),
            catalogue(settings.topic_prefix, settings.partitions),
            args.customer_id,
            source=args.source,
            now=datetime.now(UTC),
            tombstone_profile=not args.keep_profile,
        )
    except (ErasureNotSent, ValueError) as exc:
        sys.stderr.write(f"forget: not sent: {exc}\n")
        return 1
    sys.stdout.write(f"{request.event_id}\n")  # the id the audit trails name
    return 0


def run_gateway(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        gateways = build_gateways(channel_config(args), _first_keys(settings))
    except ChannelConfigError as exc:
        sys.stderr.write(f"gateway: {exc}\n")
        return 2
    names = "-".join(sorted(c.value for c in gateways))
    registry = CollectorRegistry()
    # +1: the Faust worker serves its own metrics on metrics_port (same host in the demo)
    host, port = metrics_address(args, settings)
    start_http_server(port, addr=host, registry=registry)
    store = DeliveredStore(args.store or settings.data_dir / f"gateway-{names}.sqlite")
    producer = AsyncProducer(kafka_config(settings))
    runner = GatewayRunner(
        gateways=gateways,
        catalogue=catalogue(settings.topic_prefix, settings.partitions),
        consumer_config={
            **kafka_config(settings),
            "group.id": args.group or f"{settings.app_id}-gateway-{names}",
            "logger": CLIENT_LOG,
        },
        producer=producer,
        store=store,
        metrics=GatewayMetrics(registry, gateways),
        audit=ErasureAudit(settings.data_dir / f"erasure-audit-{names}.jsonl"),
        clock=args.clock or settings.clock,
    )
    try:
        asyncio.run(_until_signal(runner))
    finally:
        producer.close()
        store.close()
    return 0


def channel_config(args: argparse.Namespace) -> dict[str, Mapping[str, object]]:
    """``--channels FILE`` (YAML) with the ``--channel`` options on top."""
    config: dict[str, Mapping[str, object]] = {}
    if args.channels is not None:
        try:
            loaded = yaml.safe_load(args.channels.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ChannelConfigError(f"{args.channels}: {exc}") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, dict) for v in loaded.values()):
            raise ChannelConfigError(f"{args.channels}: expected channel -> options mappings")
        config.update(loaded)
    config.update(parse_channel_option(o) for o in args.channel)
    if not config:
        raise ChannelConfigError("name at least one channel: --channel or --channels")
    return config


def _first_keys(settings: Settings) -> dict[Channel, bytes]:
    """Each channel's signing tag key (the first line of contact-tag-<channel>.key)."""
    return {ch: keys[0] for ch, keys in channel_keys(settings.secrets_dir, CONTACT_TAG).items()}


async def _until_signal(runner: GatewayRunner) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runner.stop)
    await runner.run()


def run_callbacks(args: argparse.Namespace) -> int:
    settings = _settings(args)
    signing = channel_keys(settings.secrets_dir, CALLBACK)
    if not signing:
        sys.stderr.write(
            "callbacks: no channel has a callback key: put callback-<channel>.key files in "
            "COLLECTIONS_SECRETS_DIR (see SECURITY.md); refusing to serve unauthenticated\n"
        )
        return 2
    # a nonce must outlive every moment its timestamp is still inside the tolerance window
    keep = 2 * CallbackLimits().tolerance_seconds + 60
    guard = ReplayGuard(settings.data_dir / "callbacks-nonces.sqlite", keep_seconds=keep)
    security = CallbackSecurity(
        signing_keys=signing,
        tag_keys=channel_keys(settings.secrets_dir, CONTACT_TAG),
        replay_guard=guard,
        limiter=RateLimiter(args.rate, max(1, int(args.rate * 2))),
    )
    try:
        asyncio.run(_serve_callbacks(settings, security, *listen_address(args, settings)))
    finally:
        guard.close()
    return 0


def metrics_address(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    """Where a gateway serves /metrics: ``bind_host`` (loopback by default), metrics_port + 1.

    +1: the worker serves its own metrics on metrics_port (same host in the demo).
    """
    return settings.bind_host, args.metrics_port or settings.metrics_port + 1


def listen_address(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    """Where the callback endpoint listens: flags, else ``bind_host`` and web_port + 1."""
    return args.host or settings.bind_host, args.port or settings.web_port + 1


async def _serve_callbacks(
    settings: Settings, security: CallbackSecurity, host: str, port: int
) -> None:
    producer = AsyncProducer(kafka_config(settings))
    app = create_app(
        emitter=producer,
        catalogue=catalogue(settings.topic_prefix, settings.partitions),
        now=lambda: datetime.now(UTC),
        security=security,
        metrics=GatewayMetrics(CollectorRegistry(), security.signing_keys),
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
