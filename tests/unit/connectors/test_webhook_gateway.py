import asyncio

from connectors.backoff import Backoff
from connectors.base import DeliveryStatus
from connectors.breaker import CircuitBreaker
from connectors.webhook import WebhookGateway, classify_status
from tests.unit.connectors.factories import GatewayPeer, contact_due, running_peer


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def gateway(url: str, sleep: RecordingSleep, **kwargs: object) -> WebhookGateway:
    backoff = Backoff(base_seconds=1.0, cap_seconds=8.0, rand=lambda: 0.5)
    return WebhookGateway(url, backoff=backoff, sleep=sleep, allow_http=True, **kwargs)  # type: ignore[arg-type]


def test_statuses_map_to_delivered_permanent_or_retryable() -> None:
    assert classify_status(202).status is DeliveryStatus.DELIVERED
    assert classify_status(422).status is DeliveryStatus.PERMANENT_FAILURE
    assert classify_status(429).status is DeliveryStatus.RETRYABLE_FAILURE
    assert classify_status(503).status is DeliveryStatus.RETRYABLE_FAILURE


async def test_posts_the_contact_as_json_with_the_contact_id_as_idempotency_key() -> None:
    async with running_peer() as peer:
        adapter = gateway(peer.url, RecordingSleep())
        result = await adapter.deliver(contact_due("c-42"))
        await adapter.close()
    assert result.status is DeliveryStatus.DELIVERED
    [(key, body)] = peer.received
    assert key == "c-42"
    assert body["contact_id"] == "c-42"
    assert body["channel"] == "sms"


async def test_server_errors_are_retried_with_jittered_exponential_backoff() -> None:
    sleep = RecordingSleep()
    async with running_peer(GatewayPeer(script=[503, 500])) as peer:
        adapter = gateway(peer.url, sleep, max_attempts=3)
        result = await adapter.deliver(contact_due())
        await adapter.close()
    assert result.status is DeliveryStatus.DELIVERED
    assert len(peer.received) == 3
    assert sleep.delays == [0.5, 1.0]


async def test_a_client_error_is_permanent_and_not_retried() -> None:
    async with running_peer(GatewayPeer(script=[422])) as peer:
        adapter = gateway(peer.url, RecordingSleep())
        result = await adapter.deliver(contact_due())
        await adapter.close()
    assert (result.status, result.reason) == (DeliveryStatus.PERMANENT_FAILURE, "http_422")
    assert len(peer.received) == 1


async def test_exhausted_retries_report_a_retryable_failure() -> None:
    async with running_peer(GatewayPeer(outage=True)) as peer:
        adapter = gateway(peer.url, RecordingSleep(), max_attempts=2)
        result = await adapter.deliver(contact_due())
        await adapter.close()
    assert (result.status, result.reason) == (DeliveryStatus.RETRYABLE_FAILURE, "http_503")
    assert len(peer.received) == 2


async def test_a_slow_gateway_times_out_as_retryable() -> None:
    release = asyncio.Event()
    peer = GatewayPeer()
    original = peer.handle

    async def slow(request):  # type: ignore[no-untyped-def]
        await release.wait()
        return await original(request)

    peer.handle = slow  # type: ignore[method-assign]
    async with running_peer(peer):
        adapter = gateway(peer.url, RecordingSleep(), max_attempts=1, timeout_seconds=0.05)
        result = await adapter.deliver(contact_due())
        release.set()
        await adapter.close()
    assert (result.status, result.reason) == (DeliveryStatus.RETRYABLE_FAILURE, "timeout")


async def test_an_unreachable_gateway_is_a_retryable_connection_error() -> None:
    async with running_peer() as peer:
        url = peer.url
    adapter = gateway(url, RecordingSleep(), max_attempts=1)
    result = await adapter.deliver(contact_due())
    await adapter.close()
    assert (result.status, result.reason) == (DeliveryStatus.RETRYABLE_FAILURE, "connection_error")


async def test_an_open_breaker_stops_calling_the_gateway() -> None:
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=3600.0)
    async with running_peer(GatewayPeer(outage=True)) as peer:
        adapter = gateway(peer.url, RecordingSleep(), max_attempts=5, breaker=breaker)
        first = await adapter.deliver(contact_due("c-1"))
        second = await adapter.deliver(contact_due("c-2"))
        await adapter.close()
    assert first.reason == second.reason == "circuit_open"
    assert len(peer.received) == 2
