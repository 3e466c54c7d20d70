"""The webhook adapter keeps contacts where they belong: real local HTTP(S) peers."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from connectors.base import DeliveryStatus
from connectors.contact_tags import contact_tag, tag_matches
from connectors.signing import HEADER, verify
from connectors.webhook import (
    RESPONSE_CAP,
    BearerAuth,
    HmacAuth,
    WebhookGateway,
    check_url,
    classify_status,
    tls_context,
)
from streams.core.model import Channel
from tests.unit.connectors.factories import contact_due

PERSONAL = "Li Wei, 138-0013-8000, owes 12,000"


class Peer:
    """A gateway that records raw requests; ``/redirect`` answers with a redirect."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.redirect_status = 307

    async def record(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers), await request.read()))
        if request.path == "/redirect":
            raise (
                web.HTTPTemporaryRedirect("/elsewhere")
                if self.redirect_status == 307
                else (web.HTTPPermanentRedirect("/elsewhere"))
            )
        if request.path == "/refuse":
            return web.Response(
                status=422, reason="Bad <b>request</b>; name=Li Wei", text=PERSONAL * 1000
            )
        if request.path == "/endless":  # a 422 whose body never ends
            response = web.StreamResponse(status=422)
            await response.prepare(request)
            await response.write(PERSONAL.encode() * 1000)
            await asyncio.sleep(3600)
        return web.json_response({"ok": True})


@asynccontextmanager
async def serving(peer: Peer, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", peer.record)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server(ssl=tls)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.port}"
    finally:
        await server.close()


def adapter(url: str, **kwargs: object) -> WebhookGateway:
    options: dict[str, object] = {"allow_http": True, "max_attempts": 1, **kwargs}
    return WebhookGateway(url, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "allow_http"),
    [
        ("http://sms-gw/contacts", False),
        ("ftp://sms-gw/contacts", True),
        ("file:///etc/passwd", True),
        ("https://user:pw@sms-gw/contacts", False),
        ("/relative/only", True),
    ],
)
def test_only_https_urls_are_accepted_unless_http_is_allowed(url: str, allow_http: bool) -> None:
    with pytest.raises(ValueError, match="webhook URL"):
        check_url(url, allow_http=allow_http)
    assert check_url("https://sms-gw/contacts") == "https://sms-gw/contacts"
    assert check_url("http://sms-gw/contacts", allow_http=True)


@pytest.mark.parametrize("status", [307, 308])
async def test_a_redirect_is_not_followed_and_the_contact_goes_to_the_dlq(status: int) -> None:
    peer = Peer()
    peer.redirect_status = status
    async with serving(peer) as base:
        gateway = adapter(f"{base}/redirect")
        result = await gateway.deliver(contact_due("c-1"))
        await gateway.close()
    assert [path for path, _, _ in peer.requests] == ["/redirect"]  # /elsewhere never posted
    assert (result.status, result.reason) == (DeliveryStatus.PERMANENT_FAILURE, f"http_{status}")
    assert "redirect not followed" in result.detail


async def test_a_bearer_token_is_sent_as_authorization() -> None:
    peer = Peer()
    async with serving(peer) as base:
        gateway = adapter(f"{base}/send", auth=BearerAuth("tok-123"))
        assert (await gateway.deliver(contact_due())).status is DeliveryStatus.DELIVERED
        await gateway.close()
    [(_, headers, _)] = peer.requests
    assert headers["Authorization"] == "Bearer tok-123"


async def test_an_hmac_signature_covers_the_exact_body_and_the_contact_tag() -> None:
    peer = Peer()
    secret, tag_key = b"sms-vendor-inbound-secret", b"internal-tag-key-sms-0001"
    async with serving(peer) as base:
        gateway = adapter(
            f"{base}/send", auth=HmacAuth(secret), tag_key=tag_key, clock=lambda: 1_700_000_000
        )
        await gateway.deliver(contact_due("c-7", customer_id="cust-7"))
        await gateway.close()
    [(_, headers, body)] = peer.requests
    verify([secret], headers[HEADER], body, now=1_700_000_000, tolerance=300)
    sent = json.loads(body)
    assert sent["contact_tag"] == contact_tag(tag_key, Channel.SMS, "cust-7", "c-7")
    assert tag_matches([tag_key], sent["contact_tag"], Channel.SMS, "cust-7", "c-7")
    assert headers["Idempotency-Key"] == "c-7"


async def test_a_refusal_keeps_no_response_text_and_a_sanitised_reason_only() -> None:
    peer = Peer()
    async with serving(peer) as base:
        gateway = adapter(f"{base}/refuse")
        result = await gateway.deliver(contact_due())
        await gateway.close()
    assert (result.status, result.reason) == (DeliveryStatus.PERMANENT_FAILURE, "http_422")
    assert result.detail == "HTTP 422 Unprocessable Entity"  # not the gateway's own words


async def test_an_endless_response_is_read_only_up_to_the_cap() -> None:
    peer = Peer()
    async with serving(peer) as base:
        gateway = adapter(f"{base}/endless", timeout_seconds=30)
        result = await asyncio.wait_for(gateway.deliver(contact_due()), timeout=20)
        await gateway.close()
    assert result.reason == "http_422"  # not a timeout: the body was never read to its end
    assert len(PERSONAL) * 1000 > RESPONSE_CAP


def test_an_unknown_status_still_gets_a_short_detail() -> None:
    assert classify_status(499).detail == "HTTP 499"


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1, made with openssl."""

    def run(*argv: str) -> None:
        subprocess.run(["openssl", *argv], cwd=folder, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.pem")
    run("req", *ec, "-subj", "/CN=gw", "-keyout", "gw.key", "-out", "gw.csr")
    (folder / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "gw.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext", "-out", "gw.pem")  # fmt: skip
    return folder / "ca.pem", folder / "gw.pem", folder / "gw.key"


async def test_https_to_a_gateway_is_verified_against_the_channels_ca(tmp_path: Path) -> None:
    ca, cert, key = make_certificates(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    peer = Peer()
    async with serving(peer, server_tls) as base:
        trusted = WebhookGateway(f"{base}/send", max_attempts=1, tls=tls_context(ca))
        untrusted = WebhookGateway(f"{base}/send", max_attempts=1)  # system CAs only
        ok = await trusted.deliver(contact_due("c-1"))
        refused = await untrusted.deliver(contact_due("c-2"))
        await trusted.close()
        await untrusted.close()
    assert ok.status is DeliveryStatus.DELIVERED
    assert (refused.status, refused.reason) == (
        DeliveryStatus.RETRYABLE_FAILURE,
        "connection_error",
    )
    assert [json.loads(body)["contact_id"] for _, _, body in peer.requests] == ["c-1"]
