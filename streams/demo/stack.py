"""Bring up what the demo runs on: a clean slate, the topics, the worker and the gateway."""

from __future__ import annotations

import shutil
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streams.contract.admin import ensure_topics
from streams.core.model import Channel
from streams.demo.children import Child, DemoError, http_ok
from streams.demo.kafka_io import Client, delete_groups, delete_topics
from streams.demo.options import DemoOptions

READY_TIMEOUT_S = 180.0
# what a demo run leaves in its state directory (and removes at the start of the next)
WORKER_DIR = "worker"
GATEWAY_DIR = "gateway"
OWNED = (WORKER_DIR, GATEWAY_DIR, "gateway-delivered.sqlite", "worker.log", "gateway.log")
WORKER_SCRAPE = "metrics-worker.prom"
GATEWAY_SCRAPE = "metrics-gateway.prom"


@dataclass(frozen=True, slots=True)
class Urls:
    worker_metrics: str
    worker_ready: str
    gateway_metrics: str


def urls(opts: DemoOptions) -> Urls:
    base = f"http://127.0.0.1:{opts.metrics_port}"
    return Urls(f"{base}/metrics", f"{base}/ready", f"http://127.0.0.1:{opts.gateway_port}/")


def gateway_file(opts: DemoOptions, channel: Channel) -> Path:
    return opts.state_dir / GATEWAY_DIR / f"{channel.value}.jsonl"


def check_ports_free(opts: DemoOptions) -> None:
    """Fail early if another process serves the worker's or the gateway's metrics port.

    SO_REUSEADDR, as the metrics servers themselves bind: connections of a previous run
    left in TIME_WAIT do not make a port busy, only a process listening on it does.
    """
    for port in (opts.metrics_port, opts.gateway_port):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise DemoError(
                    f"port {port} is in use (another worker or demo?): choose free ports with "
                    "--metrics-port N (the gateway uses N+1)"
                ) from None


def clean_slate(opts: DemoOptions, client: Client, local: bool) -> None:
    """Forget a previous run: its topics and consumer groups (local broker only), its files.

    The groups go too: offsets committed on topics that are then created again point past
    their (new, empty) ends, and a consumer would start from "offset out of range".
    """
    if local:
        names = [t.name for t in opts.catalogue().all()]
        deleted = delete_topics(client, names, opts.app_id)
        if deleted:
            sys.stderr.write(f"demo: deleted {len(deleted)} topics of a previous demo run\n")
        groups = delete_groups(client, opts.app_id)
        if groups:
            sys.stderr.write(f"demo: deleted {len(groups)} consumer groups of a previous run\n")
    for name in (*OWNED, WORKER_SCRAPE, GATEWAY_SCRAPE):
        path = opts.state_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def create_topics(opts: DemoOptions, client: Client | str) -> None:
    report = ensure_topics(client, opts.catalogue())
    if not report.ok:
        lines = "\n  ".join(report.lines())
        raise DemoError(f"topics differ from the catalogue:\n  {lines}")


def child_env(opts: DemoOptions, bootstrap: str) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP": bootstrap,
        "COLLECTIONS_APP_ID": opts.app_id,
        "COLLECTIONS_STORE": opts.store,
        "COLLECTIONS_DATA_DIR": str(opts.state_dir / WORKER_DIR),
        "COLLECTIONS_CLOCK": "event",  # simulated days, not the wall clock, make contacts due
        "COLLECTIONS_REPLICATION_FACTOR": "1",  # the local broker is a single node
        "COLLECTIONS_INSTANCE_ID": "demo-worker",
        "COLLECTIONS_PARTITIONS": str(opts.partitions),
        "COLLECTIONS_TOPIC_PREFIX": opts.topic_prefix,
        "COLLECTIONS_METRICS_PORT": str(opts.metrics_port),
    }


def start_worker(opts: DemoOptions, bootstrap: str) -> Child:
    return Child(
        "worker",
        ["worker", "--loglevel", "warning"],
        child_env(opts, bootstrap),
        opts.state_dir / "worker.log",
    )


def start_gateway(opts: DemoOptions, bootstrap: str) -> Child:
    channels = [f"--channel={ch.value}=file:{gateway_file(opts, ch)}" for ch in Channel]
    argv = [
        "gateway",
        *channels,
        "--store",
        str(opts.state_dir / "gateway-delivered.sqlite"),
        "--metrics-port",
        str(opts.gateway_port),
        "--group",
        opts.gateway_group,
        "--clock",
        "event",  # a contact is made at its simulated due time, not when the gateway gets to it
    ]
    return Child("gateway", argv, child_env(opts, bootstrap), opts.state_dir / "gateway.log")


def wait_ready(opts: DemoOptions, worker: Child, gateway: Child, stop: Callable[[], bool]) -> None:
    u = urls(opts)
    worker.wait_until(http_ok(u.worker_ready), READY_TIMEOUT_S, stop)
    gateway.wait_until(http_ok(u.gateway_metrics), READY_TIMEOUT_S, stop)
