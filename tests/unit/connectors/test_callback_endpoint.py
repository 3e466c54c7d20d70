"""The callback endpoint over real HTTP (aiohttp test server and client), broker faked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from connectors.callbacks import CallbackLimits, CallbackSecurity, create_app
from connectors.contact_tags import contact_tag
from connectors.kafka_io import DeliveryError
from connectors.metrics import GatewayMetrics
from connectors.rate_limit import RateLimiter
from connectors.replay_guard import ReplayGuard
from connectors.signing import HEADER, sign
from streams.contract.catalogue import catalogue
from streams.contract.codec import decode
from streams.core.model import Channel, ContactOutcome, Outcome
from tests.unit.connectors.factories import NOW

CATALOGUE = catalogue("t-")
KEY = b"ivr-vendor-signing-secret-0001"
OLD_KEY = b"ivr-vendor-signing-secret-0000"
TAG_KEY = b"internal-contact-tag-key-ivr-01"
Client = TestClient[web.Request, web.Application]


def tagged(body: dict[str, object], channel: Channel = Channel.IVR) -> dict[str, object]:
    """``body`` with the contact tag the gateway runner gave its contact."""
    tag = contact_tag(TAG_KEY, channel, str(body["customer_id"]), str(body["contact_id"]))
    return {**body, "contact_tag": tag}


PROMISE = tagged(
    {
        "contact_id": "c-9",
        "customer_id": "cust-1",
        "outcome": "promise_to_pay",
        "account_id": "acc-1",
        "promise_amount": 30000,
        "promise_date": "2025-03-10",
        "currency": "CNY",
    }
)


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


def security(guard: ReplayGuard, limiter: RateLimiter | None = None) -> CallbackSecurity:
    keys = {Channel.IVR: (KEY, OLD_KEY), Channel.AGENT_CALL: (KEY,)}
    tags = {Channel.IVR: (TAG_KEY,), Channel.AGENT_CALL: (TAG_KEY,)}
    return CallbackSecurity(keys, tags, guard, CallbackLimits(), limiter or RateLimiter(100, 100))


@pytest.fixture
def emitter() -> FakeEmitter:
    return FakeEmitter()


@pytest.fixture
def guard(tmp_path: Path) -> Iterator[ReplayGuard]:
    guard = ReplayGuard(tmp_path / "nonces.sqlite", keep_seconds=660)
    yield guard
    guard.close()


def app_for(
    emitter: FakeEmitter, sec: CallbackSecurity, registry: CollectorRegistry | None = None
) -> web.Application:
    metrics = GatewayMetrics(registry or CollectorRegistry())
    return create_app(
        emitter=emitter, catalogue=CATALOGUE, now=lambda: NOW, security=sec, metrics=metrics
    )


@pytest.fixture
async def client(emitter: FakeEmitter, guard: ReplayGuard) -> AsyncIterator[Client]:
    async with TestClient(TestServer(app_for(emitter, security(guard)))) as test_client:
        yield test_client


def stamp(at: datetime = NOW) -> int:
    return int(at.timestamp())


async def post(
    client: Client,
    body: object,
    *,
    channel: str = "ivr",
    key: bytes = KEY,
    at: int | None = None,
    raw: bytes | None = None,
    header: str | None = None,
) -> tuple[int, dict[str, object]]:
    data = raw if raw is not None else json.dumps(body).encode()
    signature = header if header is not None else sign(key, stamp() if at is None else at, data)
    headers = {"Content-Type": "application/json", HEADER: signature} if signature else {}
    response = await client.post(f"/v1/callbacks/{channel}", data=data, headers=headers)
    return response.status, await response.json(content_type=None)


async def test_a_signed_promise_to_pay_becomes_an_outcome_event_keyed_by_customer(
    client: Client, emitter: FakeEmitter
) -> None:
    status, answer = await post(client, PROMISE)
    assert status == 202
    [(topic, key, event)] = emitter.sent
    assert (topic, key) == (CATALOGUE.contact_outcomes.name, b"cust-1")
    assert (event.channel, event.outcome) == (Channel.IVR, Outcome.PROMISE_TO_PAY)
    assert (event.promise_amount, event.promise_date) == (30000, date(2025, 3, 10))
    assert event.occurred_at == NOW
    assert answer["event_id"] == event.event_id


async def test_a_retry_signed_again_gets_the_same_event_id_and_is_published_once(
    client: Client, emitter: FakeEmitter
) -> None:
    _, first = await post(client, PROMISE)
    status, second = await post(client, PROMISE, at=stamp() + 1)  # signed afresh
    assert status == 202
    assert (first["event_id"], second["duplicate"]) == (second["event_id"], True)
    assert len(emitter.sent) == 1


async def test_a_caller_event_id_and_occurred_at_are_kept(
    client: Client, emitter: FakeEmitter
) -> None:
    body = tagged(
        {
            "contact_id": "c-1",
            "customer_id": "cust-1",
            "outcome": "no_answer",
            "event_id": "ivr-123",
            "occurred_at": "2025-03-03T17:00:00+08:00",
        }
    )
    assert (await post(client, body))[0] == 202
    [(_, _, event)] = emitter.sent
    assert (event.event_id, event.occurred_at) == ("ivr-123", datetime(2025, 3, 3, 9, tzinfo=UTC))


async def test_a_secret_being_rotated_out_still_verifies(client: Client) -> None:
    assert (await post(client, PROMISE, key=OLD_KEY))[0] == 202


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("", "header is required"),
        ("t=abc,v1=00", "expected Collections-Signature"),
        (sign(b"a-forger-guessing-the-secret", stamp(), b"{}"), "does not match"),
    ],
)
async def test_a_missing_malformed_or_forged_signature_is_refused_401(
    client: Client, emitter: FakeEmitter, header: str, complaint: str
) -> None:
    status, answer = await post(client, PROMISE, header=header or "")
    assert status == 401
    assert complaint in str(answer["error"])
    assert emitter.sent == []


async def test_a_signature_for_another_body_is_refused_401(client: Client) -> None:
    other = sign(KEY, stamp(), json.dumps({**PROMISE, "promise_amount": 1}).encode())
    assert (await post(client, PROMISE, header=other))[0] == 401


async def test_another_channels_secret_does_not_open_this_channel(client: Client) -> None:
    assert (await post(client, PROMISE, channel="sms"))[0] == 401  # sms has no key at all


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6), timedelta(days=1)])
async def test_a_timestamp_outside_the_tolerance_window_is_refused(
    client: Client, emitter: FakeEmitter, skew: timedelta
) -> None:
    status, answer = await post(client, PROMISE, at=stamp(NOW + skew))
    assert (status, "tolerance" in str(answer["error"])) == (401, True)
    assert emitter.sent == []


async def test_a_replayed_request_is_refused_even_by_a_restarted_endpoint(
    emitter: FakeEmitter, tmp_path: Path
) -> None:
    path = tmp_path / "nonces.sqlite"
    data = json.dumps(PROMISE).encode()
    header = sign(KEY, stamp(), data)
    first = ReplayGuard(path, keep_seconds=660)
    async with TestClient(TestServer(app_for(emitter, security(first)))) as client:
        assert (await post(client, None, raw=data, header=header))[0] == 202
        assert (await post(client, None, raw=data, header=header))[0] == 409
    first.close()
    restarted = ReplayGuard(path, keep_seconds=660)
    async with TestClient(TestServer(app_for(emitter, security(restarted)))) as client:
        status, answer = await post(client, None, raw=data, header=header)
    restarted.close()
    assert (status, answer["error"]) == (409, "this signed request was already received")
    assert len(emitter.sent) == 1


async def test_an_oversized_body_is_refused_413_without_being_parsed(
    client: Client, emitter: FakeEmitter
) -> None:
    huge = json.dumps({**PROMISE, "account_id": "x" * 20_000}).encode()
    assert (await post(client, None, raw=huge))[0] == 413
    assert emitter.sent == []


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "flat JSON object"),
        (b'{"contact_id": {"a": {"b": {"c": 1}}}}', "flat JSON object"),
        (b"{oops", "JSON object"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'{"outcome": NaN}', "JSON object"),
        (b'{"outcome": "no_answer", "outcome": "opt_out"}', "JSON object"),
        (b'{"promise_amount": ' + b"9" * 5000 + b"}", "JSON object"),
    ],
)
async def test_malformed_bodies_are_refused_400_never_500(
    client: Client, emitter: FakeEmitter, raw: bytes, complaint: str
) -> None:
    status, answer = await post(client, None, raw=raw)
    assert status == 400 if len(raw) <= 16_384 else status == 413
    if status == 400:
        assert complaint in str(answer["error"])
    assert emitter.sent == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcome": "maybe"}, "unknown outcome 'maybe'"),
        ({"promise_amount": -5}, "promise_amount: must not be negative"),
        ({"promise_amount": 2**63}, "promise_amount: too large"),
        ({"promise_amount": "9" * 30}, "promise_amount: expected an integer"),
        ({"promise_date": None}, "promise_date: required for outcome promise_to_pay"),
        ({"currency": None}, "currency: required with an amount"),
        ({"instalments": [{"due_on": "2025-03-10"}]}, "amount"),
        (
            {"outcome": "refused", "instalments": [{"due_on": "2025-03-10", "amount": 1}]},
            "instalments: only for",
        ),
        ({"promise_date": "2099-12-31"}, "promise_date: more than 366 days ahead"),
        ({"occurred_at": "9999-12-31T23:59:59-14:00"}, "occurred_at: out of range"),
        ({"occurred_at": "2030-01-01T00:00:00Z"}, "occurred_at: in the future"),
        ({"customer_id": ""}, "customer_id: required"),
        ({"event_id": "e" * 129}, "event_id: longer than 128"),
        ({"colour": "blue"}, "colour: unknown field"),
        ({"outcome": ["opt_out"]}, "outcome: expected a string"),
    ],
)
async def test_bad_fields_are_refused_400_with_a_clear_message(
    client: Client, emitter: FakeEmitter, change: dict[str, object], message: str
) -> None:
    status, answer = await post(client, {**PROMISE, **change})
    assert (status, message in str(answer["error"])) == (400, True), answer
    assert emitter.sent == []


@pytest.mark.parametrize(
    "forgery",
    [
        {"contact_tag": None},  # no tag
        {"contact_tag": "0" * 64},  # made up
        {"customer_id": "someone-else"},  # a real tag moved to another customer
        {"contact_id": "c-other"},  # ... or to a contact never sent
    ],
)
async def test_a_contact_not_issued_to_this_channel_for_this_customer_is_refused_403(
    client: Client, emitter: FakeEmitter, forgery: dict[str, object]
) -> None:
    body = {k: v for k, v in {**PROMISE, **forgery}.items() if v is not None}
    status, answer = await post(client, body)
    assert (status, "not issued" in str(answer["error"])) == (403, True)
    assert emitter.sent == []


async def test_a_tag_from_another_channel_is_refused(client: Client) -> None:
    sms_tag = contact_tag(TAG_KEY, Channel.SMS, "cust-1", "c-9")
    assert (await post(client, {**PROMISE, "contact_tag": sms_tag}))[0] == 403


async def test_a_flood_from_one_source_is_rate_limited_429(
    emitter: FakeEmitter, guard: ReplayGuard
) -> None:
    registry = CollectorRegistry()
    app = app_for(emitter, security(guard, RateLimiter(per_second=0.001, burst=3)), registry)
    async with TestClient(TestServer(app)) as client:
        statuses = [(await post(client, PROMISE, at=stamp() + i))[0] for i in range(5)]
        refused = await client.post("/v1/callbacks/ivr", data=b"{}")
    assert statuses == [202, 202, 202, 429, 429]
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    labels = {"channel": "ivr", "reason": "rate_limited"}
    assert registry.get_sample_value("collections_gateway_callbacks_refused_total", labels) == 3


async def test_an_unknown_channel_is_not_found(client: Client) -> None:
    assert (await post(client, PROMISE, channel="fax"))[0] == 404


async def test_a_broker_failure_answers_503_so_the_gateway_retries(guard: ReplayGuard) -> None:
    async with TestClient(TestServer(app_for(FakeEmitter(fail=True), security(guard)))) as client:
        assert (await post(client, PROMISE))[0] == 503


async def test_a_key_press_promise_needs_no_amount(client: Client, emitter: FakeEmitter) -> None:
    body = {k: v for k, v in PROMISE.items() if k not in ("promise_amount", "currency")}
    assert (await post(client, body))[0] == 202
    [(_, _, event)] = emitter.sent
    assert (event.promise_amount, event.promise_date) == (None, date(2025, 3, 10))


async def test_an_agreed_plan_carries_its_instalments(client: Client, emitter: FakeEmitter) -> None:
    plan = [{"due_on": "2025-03-10", "amount": 10000}, {"due_on": "2025-04-10", "amount": 20000}]
    body = {k: v for k, v in PROMISE.items() if k not in ("promise_amount", "promise_date")}
    body = tagged({**body, "instalments": plan}, Channel.AGENT_CALL)
    assert (await post(client, body, channel="agent_call"))[0] == 202
    [(_, _, event)] = emitter.sent
    assert [(i.due_on, i.amount) for i in event.instalments] == [
        (date(2025, 3, 10), 10000),
        (date(2025, 4, 10), 20000),
    ]
    assert (event.promise_amount, event.promise_date) == (10000, date(2025, 3, 10))
