"""The demo path end to end, headless: broker, topics, worker, gateways, simulator, metrics.

One demo run (ten simulated days of a couple of hundred accounts, as fast as the worker goes)
serves every test of this module; each test checks that one layer moved. A second run with
the same seed, on its own topics, must be the same run: day by day, contact by contact.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import decode, decode_any
from streams.core.model import Channel, ContactDue, ContactOutcome, Outcome
from tests.integration.worker_process import free_port

pytestmark = pytest.mark.kafka

ACCOUNTS = 200
DAYS = 10
PARTITIONS = 3
RUN_TIMEOUT_S = 240
# one calendar for both runs, even across midnight
START = datetime.now(UTC).date() + timedelta(days=2)


@dataclass(frozen=True)
class DemoRun:
    bootstrap: str
    catalogue: Catalogue
    state_dir: Path
    stdout: str
    stderr: str
    returncode: int
    ports: tuple[int, int]

    def scrape(self, name: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        text = (self.state_dir / name).read_text(encoding="utf-8")
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    def total(self, scrape: str, metric: str, **labels: str) -> float:
        return sum(
            v
            for (name, lbls), v in self.scrape(scrape).items()
            if name == metric and all(dict(lbls).get(k) == x for k, x in labels.items())
        )


@pytest.fixture(scope="module")
def demo(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return run_demo(kafka_bootstrap, tmp_path_factory)


@pytest.fixture(scope="module")
def demo_again(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory, demo: DemoRun
) -> DemoRun:
    """The same demo (seed, book, calendar) once more, after the first, on its own topics."""
    return run_demo(kafka_bootstrap, tmp_path_factory)


def run_demo(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    prefix = f"e2e{uuid.uuid4().hex[:8]}."
    state_dir = tmp_path_factory.mktemp("demo")
    worker_port = free_port_pair()  # the gateway serves on the next port
    argv = demo_argv(kafka_bootstrap, prefix, state_dir, worker_port, DAYS)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # the demo stops its children on SIGTERM
        out, err = proc.communicate(timeout=90)
        pytest.fail(f"demo still running after {RUN_TIMEOUT_S}s\n{out}\n{err}")
    cat = catalogue(prefix, PARTITIONS)
    return DemoRun(
        kafka_bootstrap, cat, state_dir, out, err, proc.returncode, (worker_port, worker_port + 1)
    )


def demo_argv(bootstrap: str, prefix: str, state_dir: Path, port: int, days: int) -> list[str]:
    return [
        sys.executable, "-m", "streams.cli", "demo", "--headless",
        "--bootstrap", bootstrap, "--topic-prefix", prefix,
        "--state-dir", str(state_dir), "--metrics-port", str(port),
        "--accounts", str(ACCOUNTS), "--days", str(days), "--seconds-per-day", "0",
        "--partitions", str(PARTITIONS), "--seed", "7", "--start", START.isoformat(),
    ]  # fmt: skip


def serving(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port_pair() -> int:
    """A free port whose successor is free too."""
    while True:
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def messages_on(bootstrap: str, topic: str) -> list[bytes]:
    """Every committed value on ``topic`` (all partitions, from the start to their end; the
    worker writes in transactions, so the last offsets are commit markers, not records)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"e2e-{uuid.uuid4().hex}",
            "enable.partition.eof": True,
            "isolation.level": "read_committed",
        }
    )
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
        pending = set(range(PARTITIONS))
        values: list[bytes] = []
        while pending:
            msg = consumer.poll(10)
            assert msg is not None, f"{topic}: stalled before its end"
            error = msg.error()
            if error is not None:
                assert error.code() == KafkaError._PARTITION_EOF, error
                pending.discard(msg.partition())
                continue
            values.append(msg.value())
        return values
    finally:
        consumer.close()


def test_demo_plays_every_day_and_exits_cleanly(demo: DemoRun) -> None:
    assert demo.returncode == 0, demo.stderr
    day_lines = [line for line in demo.stdout.splitlines() if line.startswith("day ")]
    assert len(day_lines) == DAYS, demo.stdout
    assert f"after {DAYS} of {DAYS} simulated days" in demo.stdout


def test_demo_leaves_no_worker_or_gateway_serving(demo: DemoRun) -> None:
    assert not any(serving(port) for port in demo.ports)


def test_sigterm_mid_run_stops_the_worker_and_gateway_and_prints_a_summary(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    port = free_port_pair()
    argv = demo_argv(kafka_bootstrap, unique_name() + ".", tmp_path, port, days=60)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first simulated day is done: all is running
        assert first.startswith("day "), first
        assert serving(port) and serving(port + 1)
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "demo stopped after" in out
    assert not serving(port) and not serving(port + 1)


def test_worker_processed_events_of_every_input_topic(demo: DemoRun) -> None:
    cat = demo.catalogue
    for topic in (cat.aging, cat.repayments, cat.contact_outcomes, cat.account_profiles):
        processed = demo.total(
            "metrics-worker.prom", "collections_events_processed_total", topic=topic.name
        )
        assert processed > 0, topic.name


def test_segment_changes_reach_their_topic(demo: DemoRun) -> None:
    assert messages_on(demo.bootstrap, demo.catalogue.segment_changes.name)


@pytest.mark.parametrize("channel", list(Channel), ids=lambda c: c.value)
def test_contacts_fall_due_on_every_channel(demo: DemoRun, channel: Channel) -> None:
    assert messages_on(demo.bootstrap, demo.catalogue.contact_due(channel).name)
    emitted = demo.total(
        "metrics-worker.prom", "collections_contacts_emitted_total", channel=channel.value
    )
    assert emitted > 0


@pytest.mark.parametrize("channel", list(Channel), ids=lambda c: c.value)
def test_gateway_delivered_every_channel_to_its_file(demo: DemoRun, channel: Channel) -> None:
    lines = (demo.state_dir / "gateway" / f"{channel.value}.jsonl").read_text().splitlines()
    assert lines
    assert all(json.loads(line)["channel"] == channel.value for line in lines)


def test_outcomes_come_back_from_the_gateway_and_the_customers(demo: DemoRun) -> None:
    events = [
        decode_any(v) for v in messages_on(demo.bootstrap, demo.catalogue.contact_outcomes.name)
    ]
    assert all(isinstance(e, ContactOutcome) for e in events)
    outcomes = [e for e in events if isinstance(e, ContactOutcome)]  # all of them, typed
    delivered = [o for o in outcomes if o.event_id.endswith(":delivered")]  # gateway receipts
    replies = [o for o in outcomes if o not in delivered]  # the simulated customers' reactions
    # legal letters wait for a lawyer's review: the letter service (here the simulated
    # customers) reports their delivery, not the gateway's receipt
    assert {o.channel for o in delivered} == set(Channel) - {Channel.LEGAL_LETTER}
    letters = [o for o in replies if o.channel is Channel.LEGAL_LETTER]
    assert {o.outcome for o in letters} & {Outcome.DELIVERED, Outcome.FAILED}
    assert any(o.outcome is Outcome.PROMISE_TO_PAY for o in replies)
    assert any(o.outcome in (Outcome.ANSWERED, Outcome.RIGHT_PARTY) for o in replies)


def test_metrics_moved_in_the_worker_and_the_gateway(demo: DemoRun) -> None:
    worker = "metrics-worker.prom"
    assert demo.total(worker, "collections_portfolio_accounts") == ACCOUNTS
    assert demo.total(worker, "collections_tier_entered_accounts_total") > 0
    assert demo.total(worker, "collections_tier_recovered_accounts_total") > 0
    assert demo.total(worker, "collections_contacts_suppressed_total") > 0
    gateway = "metrics-gateway.prom"
    assert demo.total(gateway, "collections_gateway_deliveries_total", result="delivered") > 0
    assert demo.total(gateway, "collections_gateway_outcomes_total") > 0


def day_lines(run: DemoRun) -> list[str]:
    """The per-day totals (events, delinquency, contacts per channel, recoveries, dead
    letters) and the summary, without the run's own paths."""
    return [line for line in run.stdout.splitlines() if not line.startswith("gateway files:")]


def contacts_of(run: DemoRun) -> dict[str, list[tuple[str, str]]]:
    """Channel -> every contact sent on it, as (due time, contact id), in order."""
    return {
        channel.value: sorted(
            (c.due_at.isoformat(), c.contact_id)
            for c in (
                decode(v, ContactDue)
                for v in messages_on(run.bootstrap, run.catalogue.contact_due(channel).name)
            )
        )
        for channel in Channel
    }


def outcomes_of(run: DemoRun) -> Counter[tuple[str, str, str]]:
    """Every outcome the worker read: the customers' reactions and the gateway's receipts."""
    values = messages_on(run.bootstrap, run.catalogue.contact_outcomes.name)
    outcomes = [decode(v, ContactOutcome) for v in values]
    return Counter((o.event_id, o.occurred_at.isoformat(), o.outcome.value) for o in outcomes)


def test_the_same_seed_gives_the_same_totals_day_by_day(demo: DemoRun, demo_again: DemoRun) -> None:
    assert demo.returncode == demo_again.returncode == 0, demo_again.stderr
    assert len([line for line in day_lines(demo) if line.startswith("day ")]) == DAYS
    assert day_lines(demo_again) == day_lines(demo)


def test_the_same_seed_sends_the_same_contacts_and_reads_the_same_outcomes(
    demo: DemoRun, demo_again: DemoRun
) -> None:
    first = contacts_of(demo)
    assert all(first.values()), first  # every channel sent something to compare
    assert contacts_of(demo_again) == first
    # the gateway's receipts too: made at each contact's own (simulated) time
    assert outcomes_of(demo_again) == outcomes_of(demo)
