"""Topic administration from the catalogue: create missing topics, report drift.

``ensure_topics`` creates every missing topic with explicit configs and never alters an
existing one; a topic whose partition count or configs differ from the catalogue is
reported as drift (co-partitioning depends on the partition count). ``add_cli`` registers
``topics create`` and ``topics check`` on the project CLI.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TextIO

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

from streams.contract.catalogue import Catalogue, TopicSpec, catalogue
from streams.kafka_clients import add_arguments, kafka_config, with_arguments
from streams.settings import Settings

TIMEOUT_S = 30.0
Client = str | Mapping[str, object]  # a client config (kafka_config), or a plaintext bootstrap


@dataclass(frozen=True, slots=True)
class TopicStatus:
    name: str
    status: str  # "created" | "ok" | "drift" | "missing"
    details: tuple[str, ...] = ()

    def line(self) -> str:
        return f"{self.name}: {self.status}" + (
            f": {'; '.join(self.details)}" if self.details else ""
        )


@dataclass(frozen=True, slots=True)
class TopicReport:
    topics: tuple[TopicStatus, ...]

    @property
    def ok(self) -> bool:
        """True when every topic exists as the catalogue describes it."""
        return all(t.status in ("ok", "created") for t in self.topics)

    def lines(self) -> list[str]:
        return [t.line() for t in self.topics]


def _durability(spec: TopicSpec, replication_factor: int) -> dict[str, str]:
    """The catalogue's configs, plus ``min.insync.replicas=2`` when there are replicas to
    wait for: an acknowledged write then survives the loss of a broker."""
    config = topic_config(spec)
    if replication_factor > 1:
        config["min.insync.replicas"] = str(min(2, replication_factor))
    return config


def topic_config(spec: TopicSpec) -> dict[str, str]:
    """The explicit topic-level configs of ``spec``."""
    return {
        "cleanup.policy": "compact" if spec.compacted else "delete",
        "retention.ms": str(spec.retention_ms),
    }


def admin_client(client: Client) -> AdminClient:
    """An admin client from ``kafka_config(settings)`` (or a bare plaintext bootstrap)."""
    config = {"bootstrap.servers": client} if isinstance(client, str) else dict(client)
    return AdminClient(config)


def ensure_topics(client: Client, cat: Catalogue, replication_factor: int = 1) -> TopicReport:
    """Create the catalogue's missing topics (idempotent); report drift of existing ones."""
    admin = admin_client(client)
    existing = _partition_counts(admin)
    missing = [spec for spec in cat.all() if spec.name not in existing]
    created = _create(admin, missing, replication_factor)
    if missing:
        existing = _await_visible(admin, {spec.name for spec in missing})
    statuses = [
        TopicStatus(spec.name, "created")
        if spec.name in created
        else _compare(admin, spec, existing)
        for spec in cat.all()
    ]
    return TopicReport(tuple(statuses))


def check_topics(client: Client, cat: Catalogue) -> TopicReport:
    """Compare the broker's topics with the catalogue without changing anything."""
    admin = admin_client(client)
    existing = _partition_counts(admin)
    return TopicReport(tuple(_compare(admin, spec, existing) for spec in cat.all()))


def _partition_counts(admin: AdminClient) -> dict[str, int]:
    metadata = admin.list_topics(timeout=TIMEOUT_S)
    return {name: len(topic.partitions) for name, topic in metadata.topics.items()}


def _await_visible(admin: AdminClient, names: set[str]) -> dict[str, int]:
    """Metadata once ``names`` are all visible (creation propagates asynchronously)."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        counts = _partition_counts(admin)
        if names <= counts.keys() or time.monotonic() > deadline:
            return counts
        time.sleep(0.1)


def _create(admin: AdminClient, specs: list[TopicSpec], replication_factor: int) -> set[str]:
    """Create ``specs``; return the names this call created (a concurrent creator's are not)."""
    if not specs:
        return set()
    rf = replication_factor
    return create(
        admin, [NewTopic(s.name, s.partitions, rf, config=_durability(s, rf)) for s in specs]
    )


def create(admin: AdminClient, topics: list[NewTopic]) -> set[str]:
    """Create ``topics``; the names this call created (one a concurrent creator made is
    fine). ``ReplicationError`` when the cluster has fewer brokers than the replicas asked."""
    created: set[str] = set()
    replicas = {t.topic: t.replication_factor for t in topics}
    for name, future in admin.create_topics(topics, operation_timeout=TIMEOUT_S).items():
        try:
            future.result(timeout=TIMEOUT_S)
            created.add(name)
        except KafkaException as exc:
            code = exc.args[0].code()
            if code == KafkaError.INVALID_REPLICATION_FACTOR:
                raise ReplicationError(name, replicas[name]) from None
            if code != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return created


class ReplicationError(ValueError):
    """More replicas asked for than the cluster has brokers."""

    def __init__(self, topic: str, replication_factor: int) -> None:
        super().__init__(
            f"{topic}: replication factor {replication_factor} needs as many brokers: set "
            "COLLECTIONS_REPLICATION_FACTOR (or --replication-factor) to the cluster's size "
            "(1 for the local single-node broker; production keeps 3)"
        )


def _compare(admin: AdminClient, spec: TopicSpec, existing: dict[str, int]) -> TopicStatus:
    if spec.name not in existing:
        return TopicStatus(spec.name, "missing")
    drift = []
    if existing[spec.name] != spec.partitions:
        drift.append(f"partitions {existing[spec.name]} != {spec.partitions}")
    actual = _configs(admin, spec.name)
    for key, wanted in topic_config(spec).items():
        if actual.get(key) != wanted:
            drift.append(f"{key} {actual.get(key)} != {wanted}")
    return TopicStatus(spec.name, "drift" if drift else "ok", tuple(drift))


def _configs(admin: AdminClient, topic: str) -> dict[str, str | None]:
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries: dict[str, Any] = admin.describe_configs([resource])[resource].result(timeout=TIMEOUT_S)
    return {name: entry.value for name, entry in entries.items()}


# ------------------------------------------------------------------------------ CLI


def add_cli(subparsers: Any, settings: Settings | None = None) -> None:
    """Register ``topics create`` and ``topics check``; each sets ``func(args) -> exit code``."""
    s = Settings.from_env() if settings is None else settings
    topics = subparsers.add_parser("topics", help="create or check the catalogue's topics")
    commands = topics.add_subparsers(dest="topics_command", required=True)
    create = commands.add_parser("create", help="create missing topics (idempotent)")
    check = commands.add_parser("check", help="report drift from the catalogue (exit 1)")
    for parser in (create, check):
        add_arguments(parser)
        parser.add_argument("--prefix", default=s.topic_prefix)
        parser.add_argument("--partitions", type=int, default=s.partitions)
        parser.set_defaults(settings=s)
    create.add_argument("--replication-factor", type=int, default=s.replication_factor)
    create.set_defaults(func=run_create)
    check.set_defaults(func=run_check)


def client_of(args: argparse.Namespace) -> dict[str, object]:
    """The admin client config of a ``topics`` command: settings, then its flags."""
    base: Settings = getattr(args, "settings", None) or Settings.from_env()
    settings = with_arguments(replace(base, topic_prefix=args.prefix), args)
    return kafka_config(settings)


def run_create(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    cat = catalogue(args.prefix, args.partitions)
    try:
        report = ensure_topics(client_of(args), cat, args.replication_factor)
    except ReplicationError as exc:
        sys.stderr.write(f"collectctl topics create: {exc}\n")
        return 2
    out.write("\n".join(report.lines()) + "\n")
    return 0 if report.ok else 1


def run_check(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    report = check_topics(client_of(args), catalogue(args.prefix, args.partitions))
    out.write("\n".join(report.lines()) + "\n")
    return 0 if report.ok else 1
