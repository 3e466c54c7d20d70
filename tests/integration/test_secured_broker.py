"""The pipeline on the secured broker: SASL_SSL, one SCRAM principal per role, ACLs enforced.

The broker is kafka.sh's secured mode (its own port, started once for these tests); ACLs
come from ``collectctl acls`` (the catalogue). Each client connects with the principal of
its role, through the same settings (environment) a deployment would use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec

from streams.contract.acl_admin import apply_acls
from streams.contract.acls import acl_set, gateway_group
from streams.contract.admin import ensure_topics
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import decode, encode
from streams.core.model import (
    AgingSnapshot,
    Channel,
    ContactDue,
    ContactOutcome,
    Outcome,
    SegmentChanged,
)
from streams.kafka_clients import kafka_config
from streams.settings import Settings
from tests.integration.kafka_tools import consume, produce
from tests.integration.worker_process import WorkerProcess, free_port
from tests.kafka_broker import SecuredBroker
from tests.unit.connectors.factories import contact_due

pytestmark = pytest.mark.kafka
ROOT = Path(__file__).resolve().parents[2]
AGING_CSV = (
    "event_id,occurred_at,customer_id,account_id,as_of,days_past_due,overdue_amount,"
    "outstanding_balance,currency,product\n"
    "ag-1,2025-03-03T02:00:00+08:00,cust-1,acc-1,2025-03-02,5,12000,480000,CNY,cash_loan\n"
)


@dataclass
class Secured:
    broker: SecuredBroker
    cat: Catalogue
    app_id: str
    prefix: str

    def settings(self, role: str, **values: object) -> Settings:
        return self.broker.settings(
            role, topic_prefix=self.prefix, app_id=self.app_id, partitions=3, **values
        )

    def client(self, role: str) -> dict[str, object]:
        return kafka_config(self.settings(role))


@pytest.fixture
def secured(secured_kafka: SecuredBroker, unique_name: Callable[[], str]) -> Secured:
    """Fresh topics and the catalogue's ACLs, created by the admin principal."""
    prefix = unique_name() + "."
    world = Secured(secured_kafka, catalogue(prefix, 3), f"{prefix}app", prefix)
    admin = world.client("admin")
    assert ensure_topics(admin, world.cat).ok
    apply_acls(admin, acl_set(world.cat, world.app_id))
    return world


def collectctl(settings: Settings, *argv: str, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, **settings.to_env()}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "streams.cli", *argv], env=env, cwd=ROOT, text=True, **popen
    )


@dataclass
class RunningGateway:
    out: Path  # the file adapter's output
    data_dir: Path  # delivered store and erasure audit
    metrics_port: int

    def metric(self, name: str) -> float:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics") as resp:
            text = resp.read().decode()
        values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name)]
        return sum(values)


@pytest.fixture
def gateway(secured: Secured, tmp_path: Path) -> Iterator[RunningGateway]:
    """``collectctl gateway`` for SMS as the gateway-sms principal, in its own process."""
    running = RunningGateway(tmp_path / "sms.jsonl", tmp_path / "gateway", free_port())
    proc = collectctl(
        secured.settings("gateway-sms", data_dir=running.data_dir),
        "gateway",
        f"--channel=sms=file:{running.out}",
        "--metrics-port",
        str(running.metrics_port),
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "gateway.log").open("w"),
    )
    try:
        yield running
    finally:
        proc.terminate()
        proc.wait(30)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_publisher_and_gateway_work_on_the_secured_broker_with_their_own_principals(
    secured: Secured, gateway: RunningGateway, tmp_path: Path
) -> None:
    source = tmp_path / "aging.csv"
    source.write_text(AGING_CSV)
    publish = collectctl(secured.settings("publisher"), "publish", "aging", str(source), "--quiet")
    assert publish.wait(60) == 0
    [message] = consume(
        secured.client("worker"),
        [secured.cat.aging.name],
        group=secured.app_id,
        until=lambda got: len(got) >= 1,
    )
    assert decode(message.value(), AgingSnapshot).event_id == "ag-1"

    contact = contact_due("c-secured", due_at=datetime.now(UTC))  # as the worker sends it
    produce(
        secured.client("worker"),
        secured.cat.contact_due(Channel.SMS).name,
        [(b"cust-1", encode(contact), None)],
    )
    [answer] = consume(
        secured.client("worker"),
        [secured.cat.contact_outcomes.name],
        group=secured.app_id,
        until=lambda got: len(got) >= 1,
    )
    outcome = decode(answer.value(), ContactOutcome)
    assert (outcome.contact_id, outcome.outcome) == ("c-secured", Outcome.DELIVERED)
    assert '"contact_id": "c-secured"' in gateway.out.read_text()


def send_contacts(secured: Secured, *contacts: ContactDue) -> None:
    topic = secured.cat.contact_due(Channel.SMS).name
    records = [(c.customer_id.encode(), encode(c), None) for c in contacts]
    produce(secured.client("worker"), topic, records)  # as the worker sends them


def test_forget_erases_the_customer_at_the_gateway_and_tombstones_the_profile(
    secured: Secured, gateway: RunningGateway
) -> None:
    now = datetime.now(UTC)
    gone = contact_due("c-gone", customer_id="cust-gone-4711", due_at=now)
    stays = contact_due("c-stays", customer_id="cust-stays-0815", due_at=now)
    send_contacts(secured, gone, stays)
    wait_for(lambda: gateway.out.exists() and "c-stays" in gateway.out.read_text()
             and "c-gone" in gateway.out.read_text(), "both deliveries")  # fmt: skip

    forget = collectctl(
        secured.settings("privacy"), "forget", "cust-gone-4711", stdout=subprocess.PIPE
    )
    event_id = forget.communicate(timeout=60)[0].strip()
    assert forget.returncode == 0 and event_id.startswith("erase-")
    audit = gateway.data_dir / "erasure-audit-sms.jsonl"
    wait_for(lambda: audit.exists() and event_id in audit.read_text(), "the audit entry")

    entry = json.loads(audit.read_text())
    assert entry["purged"] == {"delivered_store": 1, "sms_adapter": 1}
    assert "cust-gone-4711" not in audit.read_text()
    assert "cust-gone-4711" not in gateway.out.read_text()
    assert "cust-stays-0815" in gateway.out.read_text()
    stored = b"".join(p.read_bytes() for p in gateway.data_dir.glob("*.sqlite*"))
    assert b"cust-gone-4711" not in stored and b"cust-stays-0815" in stored

    profiles = consume(
        secured.client("admin"),
        [secured.cat.account_profiles.name],
        until=lambda got: len(got) >= 1,
    )
    assert [(m.key(), m.value()) for m in profiles] == [(b"cust-gone-4711", None)]

    send_contacts(secured, gone)  # replayed from the topic after the erasure
    wait_for(lambda: gateway.metric("collections_gateway_erased_contacts_total") == 1,
             "the replayed contact to be dropped")  # fmt: skip
    assert "cust-gone-4711" not in gateway.out.read_text()


def refusal(client: dict[str, object], topic: str, idempotent: bool = True) -> KafkaError | None:
    """Produce one record; the broker's error, or None if it was accepted."""
    errors: list[KafkaError | None] = []
    producer = Producer({**client, "message.timeout.ms": 10_000, "enable.idempotence": idempotent})
    producer.produce(topic, b"v", b"cust-1", on_delivery=lambda err, _m: errors.append(err))
    producer.flush(20)
    assert errors, "no delivery report"
    return errors[0]


def test_a_gateway_principal_is_refused_when_it_writes_repayments(secured: Secured) -> None:
    gateway = secured.client("gateway-sms")
    refused = refusal(gateway, secured.cat.repayments.name)
    assert refused is not None
    assert refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert refusal(gateway, secured.cat.contact_outcomes.name) is None  # its own grant works
    assert refusal(secured.client("publisher"), secured.cat.repayments.name) is None


def test_a_gateway_principal_cannot_read_another_channels_contacts(secured: Secured) -> None:
    consumer = Consumer(
        {
            **secured.client("gateway-sms"),
            "group.id": gateway_group(secured.app_id, Channel.SMS),
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([secured.cat.contact_due(Channel.IVR).name])
    try:
        error = None
        for _ in range(100):
            msg = consumer.poll(0.2)
            if msg is not None and msg.error():
                error = msg.error()
                break
    finally:
        consumer.close()
    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_the_lag_monitor_reads_the_workers_lag_and_nothing_else(secured: Secured) -> None:
    """What an autoscaler needs (the group's committed offsets, the topics' ends), no more."""
    aging = secured.cat.aging.name
    assert refusal(secured.client("publisher"), aging) is None  # one record: end offset 1
    committer = Consumer({**secured.client("admin"), "group.id": secured.app_id})
    committer.commit(offsets=[TopicPartition(aging, 0, 0)], asynchronous=False)
    committer.close()

    monitor = AdminClient(secured.client("lag-monitor"))
    request = ConsumerGroupTopicPartitions(secured.app_id, [TopicPartition(aging, 0)])
    [(_group, future)] = monitor.list_consumer_group_offsets([request]).items()
    [committed] = future.result(timeout=30).topic_partitions
    assert (committed.offset, committed.error) == (0, None)
    ends = monitor.list_offsets({TopicPartition(aging, p): OffsetSpec.latest() for p in range(3)})
    assert sum(f.result(timeout=30).offset for f in ends.values()) == 1

    refused = refusal(secured.client("lag-monitor"), aging, idempotent=False)
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    reader = Consumer(
        {
            **secured.client("lag-monitor"),
            "group.id": secured.app_id,
            "auto.offset.reset": "earliest",
        }
    )
    reader.subscribe([aging])
    try:
        error = None
        for _ in range(100):
            msg = reader.poll(0.2)
            if msg is not None:
                error = msg.error()
                break
    finally:
        reader.close()
    assert error is not None, "the lag monitor read a record"
    assert error.code() in (
        KafkaError.GROUP_AUTHORIZATION_FAILED,
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
    )


def test_a_wrong_password_or_no_credentials_get_nothing(secured: Secured, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.password"
    wrong.write_text("guess")
    bad = replace(secured.settings("admin"), kafka_password_file=wrong)
    with pytest.raises(KafkaException) as refused:
        AdminClient(kafka_config(bad)).list_topics(timeout=10)
    assert refused.value.args[0].code() in (
        KafkaError._AUTHENTICATION,
        KafkaError._TRANSPORT,
        KafkaError._TIMED_OUT,
    )
    plaintext = AdminClient({"bootstrap.servers": secured.broker.bootstrap})
    with pytest.raises(KafkaException):
        plaintext.list_topics(timeout=5)


def test_the_worker_runs_on_the_secured_broker_as_its_principal(
    secured: Secured, tmp_path: Path
) -> None:
    settings = secured.settings(
        "worker", store="memory://", data_dir=tmp_path / "worker", clock="event"
    )
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready(timeout=60)
        source = tmp_path / "aging.csv"
        source.write_text(AGING_CSV)
        publish = collectctl(
            secured.settings("publisher"), "publish", "aging", str(source), "--quiet"
        )
        assert publish.wait(60) == 0
        [change] = consume(
            secured.client("admin"),
            [secured.cat.segment_changes.name],
            until=lambda got: len(got) >= 1,
        )
        assert decode(change.value(), SegmentChanged).customer_id == "cust-1"
    finally:
        worker.stop()
