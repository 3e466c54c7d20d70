"""`collectctl worker`: run one pipeline worker (more workers with the same app id share
the partitions). Readiness on ``/ready``, metrics on ``/metrics`` (``--metrics-port``);
SIGTERM and Ctrl-C shut down cleanly (faust commits what was processed)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.registry import RegistryError, use_registry
from streams.core.config import load_policy
from streams.core.parsing import ConfigError
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.app import Readiness, build_app
from streams.pipeline.clock import EventClock, WallClock
from streams.pipeline.engine import Engine
from streams.pipeline.http import make_web_app, serve
from streams.settings import Settings

log = logging.getLogger(__name__)

# Per-message debug records cost ~15% of CPU on the hot path even when not printed.
QUIET_LOGGERS = ("aiokafka", "faust.transport", "faust.topics", "faust.tables", "faust.stores")


@dataclass
class Pipeline:
    app: faust.App
    engine: Engine
    readiness: Readiness
    registry: CollectorRegistry
    catalogue: Catalogue


def build_pipeline(settings: Settings, registry: CollectorRegistry | None = None) -> Pipeline:
    """Everything a worker runs, wired from settings (raises ConfigError on a bad strategy,
    RegistryError when a configured schema registry cannot be reached)."""
    use_registry(settings.schema_registry_url)  # None: Avro single-object encoding
    policy = load_policy(settings.strategy_file, settings.compliance_preset)
    cat = catalogue(settings.topic_prefix, settings.partitions)
    registry = registry if registry is not None else CollectorRegistry()
    metrics = PipelineMetrics(
        registry, topics=[t.name for t in cat.inputs()], currencies=settings.currencies
    )
    clock = WallClock() if settings.clock == "wall" else EventClock()
    engine = Engine(policy, cat, clock, tick_topic=cat.ticks.name, metrics=metrics)
    app, readiness = build_app(settings, engine, cat)
    return Pipeline(app, engine, readiness, registry, cat)


def serve_http(pipeline: Pipeline, port: int) -> None:
    """Serve /metrics, /ready and /live from the worker's event loop while it runs."""

    @pipeline.app.task
    async def http() -> None:
        runner = await serve(make_web_app(pipeline.registry, pipeline.readiness), port)
        log.info("metrics and readiness on :%d (/metrics, /ready)", port)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


class PipelineWorker(faust.Worker):  # type: ignore[misc]  # faust is untyped
    """faust's worker, with logging that costs nothing below the chosen level."""

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        quiet_logging(level)


def quiet_logging(level: int) -> None:
    """mode leaves the root logger at DEBUG and filters in the handler, so every library
    builds debug records that are then dropped (~20% of CPU in table recovery, ~15% on the
    produce path). Set the level on the loggers instead."""
    logging.getLogger().setLevel(level or logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def run(settings: Settings, loglevel: str = "info") -> int:
    try:
        pipeline = build_pipeline(settings)
    except ConfigError as exc:
        sys.stderr.write(f"collectctl worker: invalid configuration: {exc}\n")
        return 2
    except RegistryError as exc:
        sys.stderr.write(f"collectctl worker: schema registry: {exc}\n")
        return 2
    serve_http(pipeline, settings.metrics_port)
    worker = PipelineWorker(pipeline.app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()  # returns on SIGTERM / SIGINT after a clean stop
    return 0


def add_cli(sub: Any) -> None:
    p = sub.add_parser("worker", help="run a pipeline worker (Faust agents, tables, /metrics)")
    p.add_argument("--bootstrap", help="Kafka bootstrap servers (KAFKA_BOOTSTRAP)")
    p.add_argument("--app-id", help="consumer group / app id (COLLECTIONS_APP_ID)")
    p.add_argument("--store", help="table store URL: rocksdb:// or memory://")
    p.add_argument("--data-dir", type=Path, help="where RocksDB keeps local state")
    p.add_argument("--clock", choices=["wall", "event"], help="wall clock or event time")
    p.add_argument("--strategy", type=Path, help="strategy file (default: the shipped one)")
    p.add_argument("--compliance", help="compliance preset: china (default) or us_reg_f")
    p.add_argument("--metrics-port", type=int, help="port for /metrics and /ready")
    p.add_argument("--topic-prefix", help="prefix of every topic name (tests, sandboxes)")
    p.add_argument("--loglevel", default="info")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    overrides = {
        "kafka_bootstrap": args.bootstrap,
        "app_id": args.app_id,
        "store": args.store,
        "data_dir": args.data_dir,
        "clock": args.clock,
        "strategy_file": args.strategy,
        "compliance_preset": args.compliance,
        "metrics_port": args.metrics_port,
        "topic_prefix": args.topic_prefix,
    }
    settings = replace(Settings.from_env(), **{k: v for k, v in overrides.items() if v is not None})
    return run(settings, args.loglevel)
