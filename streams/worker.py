"""`collectctl worker`: run one pipeline worker (more workers with the same app id share the
partitions). Readiness on ``/ready``, liveness on ``/live``, metrics on ``/metrics``
(``--metrics-port``); SIGTERM and Ctrl-C finish the batch in hand and leave the group.

Exit codes: 0 after a clean stop, 2 for a configuration problem found at start (bad strategy
file, missing topics, unreachable schema registry), 1 when the worker cannot go on (e.g. a
fenced producer: another process runs with the same instance id) and must be restarted.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, ProcessCollector

from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.registry import RegistryError, use_registry
from streams.core.config import load_policy
from streams.core.parsing import ConfigError
from streams.kafka_clients import add_arguments as add_kafka_arguments
from streams.kafka_clients import kafka_config, registry_config
from streams.kafka_clients import with_arguments as with_kafka_arguments
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.changelog import changelog_topic, ensure_changelog, missing_inputs
from streams.pipeline.clock import EventClock, WallClock
from streams.pipeline.engine import Engine
from streams.pipeline.http import serve
from streams.pipeline.limits import Limits
from streams.pipeline.loop import FatalError, PipelineLoop, instance_id
from streams.settings import Settings, SettingsError

log = logging.getLogger(__name__)

QUIET_LOGGERS = ("confluent_kafka", "librdkafka")


@dataclass
class Pipeline:
    loop: PipelineLoop
    engine: Engine
    registry: CollectorRegistry
    catalogue: Catalogue
    metrics: PipelineMetrics


def client_config(settings: Settings) -> dict[str, object]:
    """What every Kafka client of the worker shares: bootstrap and security (the project's
    one translation, ``kafka_config``), librdkafka's log into ours, and the operator's
    ``COLLECTIONS_KAFKA_OPTIONS`` last."""
    return {
        **kafka_config(settings),
        "logger": logging.getLogger("librdkafka"),
        **settings.kafka_overrides(),
    }


def limits_for(settings: Settings) -> Limits:
    skew = settings.max_event_skew_seconds or (86400.0 if settings.clock == "wall" else 7 * 86400.0)
    return Limits(max_event_skew=timedelta(seconds=skew))


def build_pipeline(settings: Settings, registry: CollectorRegistry | None = None) -> Pipeline:
    """Everything a worker runs, wired from settings (raises ConfigError on a bad strategy,
    RegistryError when a configured schema registry cannot be reached)."""
    use_registry(registry_config(settings))  # none configured: Avro single-object encoding
    policy = load_policy(settings.strategy_file, settings.compliance_preset)
    cat = catalogue(settings.topic_prefix, settings.partitions)
    registry = registry if registry is not None else CollectorRegistry()
    metrics = PipelineMetrics(
        registry, topics=[t.name for t in cat.inputs()], currencies=settings.currencies
    )
    clock = WallClock() if settings.clock == "wall" else EventClock()
    engine = Engine(
        policy,
        cat,
        clock,
        partitions=settings.partitions,
        metrics=metrics,
        limits=limits_for(settings),
    )
    loop = PipelineLoop(
        settings,
        engine,
        client_config(settings),
        changelog_topic(settings.app_id),
        metrics,
    )
    return Pipeline(loop, engine, registry, cat, metrics)


def prepare_topics(pipeline: Pipeline, settings: Settings) -> list[str]:
    """Check the input topics, create the changelog; the problems found (empty: fine)."""
    config = client_config(settings)
    problems = missing_inputs(config, pipeline.loop.topics, settings.partitions)
    if problems:
        return [
            "the topics are not as the catalogue says (" + "; ".join(problems) + "): run "
            "`collectctl topics create` first"
        ]
    try:
        ensure_changelog(
            config, pipeline.loop.changelog, settings.partitions, settings.replication_factor
        )
    except ValueError as exc:  # ReplicationError, or a changelog with other partitions
        return [str(exc)]
    return []


def tune_gc() -> None:
    """Each event allocates hundreds of short-lived objects, so the young generation filled
    every few events (the default threshold is 700 allocations) and each collection also
    walked what start-up built (modules, the policy, the schemas). Freeze what exists now
    (never collected, never scanned again) and collect less often: ~3% of a worker's CPU.
    Only when cycles are freed changes; decisions and outputs do not."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def run(settings: Settings, loglevel: str = "info") -> int:
    logging.basicConfig(
        level=getattr(logging, loglevel.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        pipeline = build_pipeline(settings)
    except ConfigError as exc:
        sys.stderr.write(f"collectctl worker: invalid configuration: {exc}\n")
        return 2
    except RegistryError as exc:
        sys.stderr.write(f"collectctl worker: schema registry: {exc}\n")
        return 2
    except SettingsError as exc:
        sys.stderr.write(f"collectctl worker: invalid settings: {exc}\n")
        return 2
    problems = prepare_topics(pipeline, settings)
    if problems:
        sys.stderr.write(f"collectctl worker: {'; '.join(problems)}\n")
        return 2
    ProcessCollector(registry=pipeline.registry)
    tune_gc()
    marker = settings.data_dir / settings.app_id / f"{instance_id(settings)}.running"
    unclean = marker.exists()  # left by a run that did not stop cleanly
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    pipeline.metrics.delivery.started_at(time.time(), unclean=unclean)
    if unclean:
        log.warning("the previous run did not stop cleanly: its uncommitted work is redone")
    try:
        server = serve(
            pipeline.registry, pipeline.loop.readiness, settings.metrics_port, settings.bind_host
        )
    except OSError as exc:
        sys.stderr.write(
            f"collectctl worker: cannot serve on port {settings.metrics_port}: {exc}\n"
        )
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: pipeline.loop.stop())
    log.info("metrics and readiness on :%d (/metrics, /ready, /live)", settings.metrics_port)
    try:
        pipeline.loop.run()
    except FatalError as exc:
        log.critical("worker stops without committing (a restart redoes its work): %s", exc)
        logging.shutdown()
        os._exit(1)  # threads blocked in librdkafka must not keep a wedged process alive
    finally:
        server.shutdown()
    marker.unlink(missing_ok=True)
    log.info("stopped cleanly")
    return 0


def add_cli(sub: Any) -> None:
    p = sub.add_parser("worker", help="run a pipeline worker (transactional, stateful)")
    add_kafka_arguments(p)
    p.add_argument("--app-id", help="consumer group / app id (COLLECTIONS_APP_ID)")
    p.add_argument("--instance-id", help="this worker's stable id (COLLECTIONS_INSTANCE_ID)")
    p.add_argument("--store", help="local state store: rocksdb:// or memory://")
    p.add_argument("--data-dir", type=Path, help="where RocksDB keeps local state")
    p.add_argument("--clock", choices=["wall", "event"], help="wall clock or event time")
    p.add_argument("--strategy", type=Path, help="strategy file (default: the shipped one)")
    p.add_argument("--compliance", help="compliance preset: china (default) or us_reg_f")
    p.add_argument("--metrics-port", type=int, help="port for /metrics, /ready and /live")
    p.add_argument("--topic-prefix", help="prefix of every topic name (tests, sandboxes)")
    p.add_argument("--loglevel", default="info")
    p.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    overrides = {
        "app_id": args.app_id,
        "instance_id": args.instance_id,
        "store": args.store,
        "data_dir": args.data_dir,
        "clock": args.clock,
        "strategy_file": args.strategy,
        "compliance_preset": args.compliance,
        "metrics_port": args.metrics_port,
        "topic_prefix": args.topic_prefix,
    }
    base = with_kafka_arguments(Settings.from_env(), args)
    settings = replace(base, **{k: v for k, v in overrides.items() if v is not None})
    return run(settings, args.loglevel)
