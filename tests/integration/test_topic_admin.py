"""Topic admin against the real broker: idempotent creation, drift reports, the CLI."""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from streams.contract.admin import check_topics, ensure_topics, run_check, run_create
from streams.contract.catalogue import catalogue
from streams.contract.codec import encode
from streams.contract.examples import REPAYMENT
from tests.integration.kafka_tools import consume, create_topics, produce
from tests.unit.contract.avro_files import read_with_files_only

pytestmark = pytest.mark.kafka

PARTITIONS = 2


def broker_config(bootstrap: str, topic: str) -> dict[str, str]:
    resource = ConfigResource(ResourceType.TOPIC, topic)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    entries = admin.describe_configs([resource])[resource].result(timeout=30)
    return {name: entry.value for name, entry in entries.items()}


def create_visible_topic(bootstrap: str, topic: str, partitions: int) -> None:
    """Create ``topic`` and wait until a fresh client's metadata shows it."""
    create_topics(bootstrap, [topic], partitions=partitions)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.monotonic() + 30
    while topic not in admin.list_topics(timeout=30).topics:
        assert time.monotonic() < deadline, f"{topic} never became visible"


def partition_count(bootstrap: str, topic: str) -> int:
    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=30)
    return len(metadata.topics[topic].partitions)


def test_ensure_topics_creates_every_catalogue_topic_with_its_configs(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    cat = catalogue(prefix=f"{unique_name()}-", partitions=PARTITIONS)
    report = ensure_topics(kafka_bootstrap, cat)
    assert [t.status for t in report.topics] == ["created"] * len(cat.all())
    profiles = broker_config(kafka_bootstrap, cat.account_profiles.name)
    assert profiles["cleanup.policy"] == "compact"
    aging = broker_config(kafka_bootstrap, cat.aging.name)
    assert (aging["cleanup.policy"], aging["retention.ms"]) == (
        "delete",
        str(cat.aging.retention_ms),
    )
    assert partition_count(kafka_bootstrap, cat.dlq.name) == PARTITIONS


def test_ensure_topics_is_idempotent(kafka_bootstrap: str, unique_name: Callable[[], str]) -> None:
    cat = catalogue(prefix=f"{unique_name()}-", partitions=PARTITIONS)
    ensure_topics(kafka_bootstrap, cat)
    again = ensure_topics(kafka_bootstrap, cat)
    assert again.ok
    assert {t.status for t in again.topics} == {"ok"}


def test_drift_is_reported_and_the_existing_topic_is_left_alone(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    cat = catalogue(prefix=f"{unique_name()}-", partitions=PARTITIONS)
    create_visible_topic(kafka_bootstrap, cat.repayments.name, PARTITIONS + 1)
    report = ensure_topics(kafka_bootstrap, cat)
    by_name = {t.name: t for t in report.topics}
    drift = by_name[cat.repayments.name]
    assert drift.status == "drift"
    assert f"partitions {PARTITIONS + 1} != {PARTITIONS}" in drift.details
    assert any(d.startswith("retention.ms") for d in drift.details)
    assert by_name[cat.aging.name].status == "created"
    assert not report.ok
    assert partition_count(kafka_bootstrap, cat.repayments.name) == PARTITIONS + 1


def test_check_reports_missing_topics_and_changes_nothing(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    cat = catalogue(prefix=f"{unique_name()}-", partitions=PARTITIONS)
    report = check_topics(kafka_bootstrap, cat)
    assert {t.status for t in report.topics} == {"missing"}
    assert check_topics(kafka_bootstrap, cat).topics == report.topics


def test_cli_create_then_check_prints_one_line_per_topic_and_exits_zero(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    prefix = f"{unique_name()}-"
    args = argparse.Namespace(
        bootstrap=kafka_bootstrap, prefix=prefix, partitions=PARTITIONS, replication_factor=1
    )
    created, checked = io.StringIO(), io.StringIO()
    assert run_create(args, created) == 0
    assert run_check(args, checked) == 0
    topics = catalogue(prefix, PARTITIONS).all()
    assert created.getvalue().splitlines() == [f"{t.name}: created" for t in topics]
    assert checked.getvalue().splitlines() == [f"{t.name}: ok" for t in topics]


def test_cli_check_exits_non_zero_on_drift(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    prefix = f"{unique_name()}-"
    cat = catalogue(prefix, PARTITIONS)
    create_visible_topic(kafka_bootstrap, cat.dlq.name, 1)
    out = io.StringIO()
    args = argparse.Namespace(bootstrap=kafka_bootstrap, prefix=prefix, partitions=PARTITIONS)
    assert run_check(args, out) == 1
    assert f"{cat.dlq.name}: drift: partitions 1 != {PARTITIONS}" in out.getvalue()


def test_messages_produced_to_a_catalogue_topic_decode_with_the_avsc_files_only(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    cat = catalogue(prefix=f"{unique_name()}-", partitions=PARTITIONS)
    ensure_topics(kafka_bootstrap, cat)
    produce(
        kafka_bootstrap, cat.repayments.name, [(REPAYMENT.customer_id, encode(REPAYMENT), None)]
    )
    [message] = consume(kafka_bootstrap, [cat.repayments.name], until=lambda got: len(got) == 1)
    name, datum = read_with_files_only(message.value())
    assert name == "Repayment"
    assert (datum["event_id"], datum["amount"], datum["currency"]) == ("pay-88317", 60_000, "CNY")
    assert message.key() == b"C-1001"
