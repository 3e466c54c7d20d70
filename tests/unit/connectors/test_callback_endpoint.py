from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from connectors.callbacks import create_app
from connectors.kafka_io import DeliveryError
from streams.contract.catalogue import catalogue
from streams.contract.codec import decode
from streams.core.model import Channel, ContactOutcome, Outcome
from tests.unit.connectors.factories import NOW

CATALOGUE = catalogue("t-")
PROMISE = {
    "contact_id": "c-9",
    "customer_id": "cust-1",
    "outcome": "promise_to_pay",
    "account_id": "acc-1",
    "promise_amount": 30000,
    "promise_date": "2025-03-10",
    "currency": "CNY",
}


class FakeEmitter:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.sent: list[tuple[str, bytes | None, ContactOutcome]] = []

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None:
        if self.fail:
            raise DeliveryError("broker down")
        self.sent.append((topic, key, decode(value or b"", ContactOutcome)))


@pytest.fixture
def emitter() -> FakeEmitter:
    return FakeEmitter()


@pytest.fixture
async def client(emitter: FakeEmitter) -> AsyncIterator[TestClient[object, object]]:
    app = create_app(emitter=emitter, catalogue=CATALOGUE, now=lambda: NOW)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_a_promise_to_pay_becomes_an_outcome_event_keyed_by_customer(
    client: TestClient[object, object], emitter: FakeEmitter
) -> None:
    response = await client.post("/v1/callbacks/agent_call", json=PROMISE)
    assert response.status == 202
    [(topic, key, event)] = emitter.sent
    assert (topic, key) == (CATALOGUE.contact_outcomes.name, b"cust-1")
    assert event.channel is Channel.AGENT_CALL
    assert event.outcome is Outcome.PROMISE_TO_PAY
    assert (event.promise_amount, event.promise_date) == (30000, date(2025, 3, 10))
    assert event.occurred_at == NOW
    assert (await response.json())["event_id"] == event.event_id


async def test_the_same_callback_twice_gets_the_same_event_id_and_is_published_once(
    client: TestClient[object, object], emitter: FakeEmitter
) -> None:
    first = await (await client.post("/v1/callbacks/ivr", json=PROMISE)).json()
    second = await (await client.post("/v1/callbacks/ivr", json=PROMISE)).json()
    assert first["event_id"] == second["event_id"]
    assert second["duplicate"] is True
    assert len(emitter.sent) == 1


async def test_a_caller_event_id_and_occurred_at_are_kept(
    client: TestClient[object, object], emitter: FakeEmitter
) -> None:
    body = {
        "contact_id": "c-1",
        "customer_id": "cust-1",
        "outcome": "no_answer",
        "event_id": "ivr-123",
        "occurred_at": "2025-03-03T17:00:00+08:00",
    }
    assert (await client.post("/v1/callbacks/ivr", json=body)).status == 202
    [(_, _, event)] = emitter.sent
    assert event.event_id == "ivr-123"
    assert event.occurred_at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**PROMISE, "outcome": "maybe"}, "unknown outcome 'maybe'"),
        ({**PROMISE, "promise_amount": -5}, "promise_amount: must not be negative"),
        ({**PROMISE, "promise_date": None}, "promise_date: required for outcome promise_to_pay"),
        ({**PROMISE, "currency": None}, "currency: required with an amount"),
        ({**PROMISE, "instalments": [{"due_on": "2025-03-10"}]}, "amount"),
        (
            {
                **PROMISE,
                "outcome": "refused",
                "instalments": [{"due_on": "2025-03-10", "amount": 1}],
            },
            "instalments: only for",
        ),
        ({**PROMISE, "customer_id": ""}, "customer_id: required"),
        ({**PROMISE, "colour": "blue"}, "colour: unknown field"),
        ([1, 2], "body must be a JSON object"),
    ],
)
async def test_bad_callbacks_are_refused_with_a_clear_message(
    client: TestClient[object, object], emitter: FakeEmitter, body: object, message: str
) -> None:
    response = await client.post("/v1/callbacks/ivr", json=body)
    assert response.status == 400
    assert message in (await response.json())["error"]
    assert emitter.sent == []


async def test_a_body_that_is_not_json_is_refused(client: TestClient[object, object]) -> None:
    response = await client.post("/v1/callbacks/ivr", data=b"{oops")
    assert response.status == 400


async def test_an_unknown_channel_is_not_found(client: TestClient[object, object]) -> None:
    response = await client.post("/v1/callbacks/fax", json=PROMISE)
    assert response.status == 404


async def test_a_broker_failure_answers_503_so_the_gateway_retries() -> None:
    app = create_app(emitter=FakeEmitter(fail=True), catalogue=CATALOGUE, now=lambda: NOW)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/v1/callbacks/ivr", json=PROMISE)
    assert response.status == 503


async def test_a_key_press_promise_needs_no_amount(
    client: TestClient[object, object], emitter: FakeEmitter
) -> None:
    body = {k: v for k, v in PROMISE.items() if k not in ("promise_amount", "currency")}
    assert (await client.post("/v1/callbacks/ivr", json=body)).status == 202
    [(_, _, event)] = emitter.sent
    assert (event.promise_amount, event.promise_date) == (None, date(2025, 3, 10))


async def test_an_agreed_plan_carries_its_instalments(
    client: TestClient[object, object], emitter: FakeEmitter
) -> None:
    plan = [{"due_on": "2025-03-10", "amount": 10000}, {"due_on": "2025-04-10", "amount": 20000}]
    body = {k: v for k, v in PROMISE.items() if k not in ("promise_amount", "promise_date")}
    response = await client.post("/v1/callbacks/agent_call", json={**body, "instalments": plan})
    assert response.status == 202
    [(_, _, event)] = emitter.sent
    assert [(i.due_on, i.amount) for i in event.instalments] == [
        (date(2025, 3, 10), 10000),
        (date(2025, 4, 10), 20000),
    ]
    assert (event.promise_amount, event.promise_date) == (10000, date(2025, 3, 10))
