"""The callback endpoint publishes outcome events a real consumer can read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from connectors.callbacks import CallbackSecurity, create_app
from connectors.contact_tags import contact_tag
from connectors.kafka_io import AsyncProducer
from connectors.metrics import GatewayMetrics
from connectors.replay_guard import ReplayGuard
from connectors.signing import HEADER, sign
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import decode
from streams.core.model import Channel, ContactOutcome, Outcome
from tests.integration.kafka_tools import consume, create_topics
from tests.unit.connectors.factories import NOW

pytestmark = pytest.mark.kafka


def make_topics(bootstrap: str, prefix: str) -> Catalogue:
    cat = catalogue(prefix, partitions=3)
    create_topics(bootstrap, [t.name for t in cat.all()], partitions=3)
    return cat


KEY, TAG_KEY = b"ivr-vendor-signing-secret-01", b"internal-contact-tag-key-01"


async def test_a_posted_promise_to_pay_is_readable_from_the_outcomes_topic(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    producer = AsyncProducer({"bootstrap.servers": kafka_bootstrap})
    guard = ReplayGuard(tmp_path / "nonces.sqlite", keep_seconds=660)
    security = CallbackSecurity({Channel.IVR: (KEY,)}, {Channel.IVR: (TAG_KEY,)}, guard)
    metrics = GatewayMetrics(CollectorRegistry())
    app = create_app(
        emitter=producer, catalogue=cat, now=lambda: NOW, security=security, metrics=metrics
    )
    body = {
        "contact_id": "c-7",
        "customer_id": "cust-7",
        "outcome": "promise_to_pay",
        "account_id": "acc-7",
        "promise_amount": 25000,
        "promise_date": "2025-03-08",
        "currency": "CNY",
        "contact_tag": contact_tag(TAG_KEY, Channel.IVR, "cust-7", "c-7"),
    }
    data = json.dumps(body).encode()
    headers = {HEADER: sign(KEY, int(NOW.timestamp()), data)}
    try:
        async with TestClient(TestServer(app)) as client:
            response = await client.post("/v1/callbacks/ivr", data=data, headers=headers)
            answer = await response.json()
    finally:
        producer.close()
        guard.close()
    assert response.status == 202
    [message] = await asyncio.to_thread(
        consume, kafka_bootstrap, [cat.contact_outcomes.name], until=lambda got: len(got) >= 1
    )
    event = decode(message.value(), ContactOutcome)
    assert message.key() == b"cust-7"
    assert event.event_id == answer["event_id"]
    assert (event.channel, event.outcome, event.contact_id) == (
        Channel.IVR,
        Outcome.PROMISE_TO_PAY,
        "c-7",
    )
    assert (event.promise_amount, event.promise_date, event.currency) == (
        25000,
        date(2025, 3, 8),
        "CNY",
    )
