"""Test helpers shared by the connector tests: a contact-due factory and a gateway peer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestServer

from streams.core.model import Channel, ContactDue, CoveredAccount, Tier

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def contact_due(
    contact_id: str = "c-1",
    *,
    customer_id: str = "cust-1",
    channel: Channel = Channel.SMS,
    due_at: datetime = NOW,
    expires_at: datetime | None = None,
) -> ContactDue:
    return ContactDue(
        contact_id=contact_id,
        occurred_at=due_at,
        customer_id=customer_id,
        channel=channel,
        accounts=(CoveredAccount(account_id="acc-1", days_past_due=5, amount_due=12_000),),
        due_at=due_at,
        expires_at=expires_at or due_at + timedelta(hours=4),
        tier=Tier.MILD,
        days_past_due=5,
        amount_due=12_000,
        currency="CNY",
        template="sms.mild.reminder",
        attempt=1,
        strategy_variant="default",
        locale="zh-CN",
    )


@dataclass
class GatewayPeer:
    """A fake channel gateway: answers each POST with the next scripted status (then 200).

    ``received`` holds every request (``accepted`` only the 2xx ones) as
    ``(idempotency_key, json_body)``. Set ``outage`` to answer 503 until it is cleared.
    """

    script: list[int] = field(default_factory=list)
    outage: bool = False
    received: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    accepted: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        entry = (request.headers.get("Idempotency-Key", ""), body)
        self.received.append(entry)
        status = 503 if self.outage else (self.script.pop(0) if self.script else 200)
        if 200 <= status < 300:
            self.accepted.append(entry)
        return web.json_response({"status": status}, status=status)

    def accepted_keys(self) -> list[str]:
        return [key for key, _ in self.accepted]


@asynccontextmanager
async def running_peer(peer: GatewayPeer | None = None) -> AsyncIterator[GatewayPeer]:
    peer = peer or GatewayPeer()
    app = web.Application()
    app.router.add_post("/contacts", peer.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    peer.url = str(server.make_url("/contacts"))
    try:
        yield peer
    finally:
        await server.close()
