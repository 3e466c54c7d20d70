"""The gateway runner against a real broker and a real local HTTP gateway peer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from prometheus_client import CollectorRegistry

from connectors.backoff import Backoff
from connectors.breaker import CircuitBreaker
from connectors.delivered_store import DeliveredStore
from connectors.gateway_runner import GatewayRunner
from connectors.kafka_io import AsyncProducer
from connectors.metrics import GatewayMetrics
from connectors.webhook import WebhookGateway
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import decode, encode
from streams.core.model import Channel, ContactDue, ContactOutcome, Outcome
from tests.integration.kafka_tools import consume, create_topics, produce
from tests.unit.connectors.factories import NOW, GatewayPeer, contact_due, running_peer

pytestmark = pytest.mark.kafka

FAST = Backoff(base_seconds=0.01, cap_seconds=0.05)


def make_topics(bootstrap: str, prefix: str) -> Catalogue:
    cat = catalogue(prefix, partitions=3)
    create_topics(bootstrap, [t.name for t in cat.all()], partitions=3)
    return cat


def produce_contacts(bootstrap: str, cat: Catalogue, contacts: Iterable[ContactDue]) -> None:
    for contact in contacts:
        produce(
            bootstrap,
            cat.contact_due(contact.channel).name,
            [(contact.customer_id.encode(), encode(contact), None)],
        )


async def until(condition: Callable[[], bool], what: str, deadline_seconds: float = 60.0) -> None:
    """Wait for ``condition`` (checked every few ms); fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


@asynccontextmanager
async def running_runner(
    bootstrap: str,
    cat: Catalogue,
    url: str,
    *,
    store_path: Path,
    group: str,
    registry: CollectorRegistry,
    now: Callable[[], datetime] = lambda: NOW,
) -> AsyncIterator[GatewayRunner]:
    gateway = WebhookGateway(
        url,
        timeout_seconds=5.0,
        max_attempts=2,
        backoff=FAST,
        breaker=CircuitBreaker(failure_threshold=3, reset_seconds=0.05),
        allow_http=True,  # the local peer speaks plain http
    )
    producer = AsyncProducer({"bootstrap.servers": bootstrap})
    store = DeliveredStore(store_path)
    runner = GatewayRunner(
        gateways={Channel.SMS: gateway},
        catalogue=cat,
        consumer_config={"bootstrap.servers": bootstrap, "group.id": group},
        producer=producer,
        store=store,
        metrics=GatewayMetrics(registry),
        now=now,
        backoff=FAST,
        poll_seconds=0.2,
    )
    task = asyncio.create_task(runner.run())
    try:
        yield runner
    finally:
        runner.stop()
        await task
        producer.close()
        store.close()


def committed_total(bootstrap: str, group: str, topic: str, partitions: int = 3) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        offsets = consumer.committed(
            [TopicPartition(topic, p) for p in range(partitions)], timeout=30
        )
    finally:
        consumer.close()
    return sum(max(tp.offset, 0) for tp in offsets)


async def read_outcomes(bootstrap: str, topic: str, count: int) -> list[ContactOutcome]:
    messages = await asyncio.to_thread(
        consume, bootstrap, [topic], until=lambda got: len(got) >= count
    )
    return [decode(m.value(), ContactOutcome) for m in messages]


async def test_contacts_are_delivered_reported_and_committed(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    prefix, group = unique_name() + "-", unique_name()
    cat = make_topics(kafka_bootstrap, prefix)
    contacts = [contact_due(f"c-{i}", customer_id=f"cust-{i}") for i in range(3)]
    produce_contacts(kafka_bootstrap, cat, contacts)
    registry = CollectorRegistry()
    async with (
        running_peer() as peer,
        running_runner(
            kafka_bootstrap,
            cat,
            peer.url,
            store_path=tmp_path / "d.sqlite",
            group=group,
            registry=registry,
        ),
    ):
        await until(lambda: len(peer.accepted) == 3, "three deliveries")
        outcomes = await read_outcomes(kafka_bootstrap, cat.contact_outcomes.name, 3)
    assert sorted(peer.accepted_keys()) == ["c-0", "c-1", "c-2"]
    assert {(o.event_id, o.outcome) for o in outcomes} == {
        (f"c-{i}:delivered", Outcome.DELIVERED) for i in range(3)
    }
    assert all(body["contact_id"] == key for key, body in peer.accepted)
    assert committed_total(kafka_bootstrap, group, cat.contact_due(contacts[0].channel).name) == 3


async def test_a_contact_id_is_delivered_once_even_across_a_runner_restart(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    store = tmp_path / "delivered.sqlite"
    produce_contacts(
        kafka_bootstrap, cat, [contact_due("c-1"), contact_due("c-2"), contact_due("c-1")]
    )
    async with running_peer() as peer:
        first = CollectorRegistry()
        async with running_runner(
            kafka_bootstrap, cat, peer.url, store_path=store, group=unique_name(), registry=first
        ):
            duplicates = {"channel": "sms", "result": "duplicate"}
            await until(
                lambda: sample(first, "collections_gateway_deliveries_total", **duplicates) == 1,
                "the in-run duplicate",
            )
        # a new group re-reads every message from the start; only the store prevents resends
        produce_contacts(kafka_bootstrap, cat, [contact_due("c-3")])
        second = CollectorRegistry()
        async with running_runner(
            kafka_bootstrap, cat, peer.url, store_path=store, group=unique_name(), registry=second
        ):
            await until(lambda: "c-3" in peer.accepted_keys(), "the new contact")
    assert peer.accepted_keys() == ["c-1", "c-2", "c-3"]
    assert sample(second, "collections_gateway_deliveries_total", **duplicates) == 3


async def test_a_gateway_outage_in_the_middle_loses_nothing(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    registry = CollectorRegistry()
    async with (
        running_peer() as peer,
        running_runner(
            kafka_bootstrap,
            cat,
            peer.url,
            store_path=tmp_path / "d.sqlite",
            group=unique_name(),
            registry=registry,
        ),
    ):
        produce_contacts(kafka_bootstrap, cat, [contact_due("c-1")])
        await until(lambda: peer.accepted_keys() == ["c-1"], "delivery before the outage")
        peer.outage = True
        produce_contacts(kafka_bootstrap, cat, [contact_due("c-2"), contact_due("c-3")])
        retryable = {"channel": "sms", "result": "retryable_failure"}
        await until(
            lambda: sample(registry, "collections_gateway_deliveries_total", **retryable) >= 3,
            "several failed rounds",
        )
        peer.outage = False
        await until(lambda: len(peer.accepted) == 3, "deliveries after the outage")
        outcomes = await read_outcomes(kafka_bootstrap, cat.contact_outcomes.name, 3)
    attempts = [key for key, _ in peer.received]
    assert peer.accepted_keys() == ["c-1", "c-2", "c-3"]
    assert attempts[0] == "c-1" and attempts[-2:] == ["c-2", "c-3"]
    during_outage = attempts[1:-2]
    assert len(during_outage) >= 2
    assert set(during_outage) == {"c-2"}  # c-3 waited behind c-2: nothing skipped
    assert sorted(o.event_id for o in outcomes) == [
        "c-1:delivered",
        "c-2:delivered",
        "c-3:delivered",
    ]


async def test_a_refused_contact_lands_in_the_dlq_with_provenance_headers(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    topic = cat.contact_due(contact_due().channel).name
    produce_contacts(kafka_bootstrap, cat, [contact_due("c-bad")])
    async with (
        running_peer(GatewayPeer(script=[422])) as peer,
        running_runner(
            kafka_bootstrap,
            cat,
            peer.url,
            store_path=tmp_path / "d.sqlite",
            group=unique_name(),
            registry=CollectorRegistry(),
        ),
    ):
        [dead] = await asyncio.to_thread(
            consume, kafka_bootstrap, [cat.dlq.name], until=lambda got: len(got) >= 1
        )
        [outcome] = await read_outcomes(kafka_bootstrap, cat.contact_outcomes.name, 1)
    [original] = await asyncio.to_thread(
        consume, kafka_bootstrap, [topic], until=lambda got: len(got) >= 1
    )
    headers = dict(dead.headers() or [])
    assert (dead.key(), dead.value()) == (original.key(), original.value())
    assert headers["dlq.original.topic"] == topic.encode()
    assert headers["dlq.original.offset"] == str(original.offset()).encode()
    assert headers["dlq.stage"] == b"gateway"
    assert headers["dlq.reason"] == b"http_422"
    assert (outcome.event_id, outcome.outcome) == ("c-bad:failed", Outcome.FAILED)
    assert len(peer.received) == 1


async def test_an_expired_contact_is_dropped_and_counted(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    stale = contact_due(
        "c-stale", due_at=NOW - timedelta(hours=6), expires_at=NOW - timedelta(minutes=1)
    )
    produce_contacts(kafka_bootstrap, cat, [stale, contact_due("c-fresh")])
    registry = CollectorRegistry()
    async with (
        running_peer() as peer,
        running_runner(
            kafka_bootstrap,
            cat,
            peer.url,
            store_path=tmp_path / "d.sqlite",
            group=unique_name(),
            registry=registry,
        ),
    ):
        await until(lambda: "c-fresh" in peer.accepted_keys(), "the fresh contact")
    assert [key for key, _ in peer.received] == ["c-fresh"]
    assert sample(registry, "collections_gateway_expired_total", channel="sms") == 1
