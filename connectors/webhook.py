"""Generic HTTP webhook adapter: POST the contact as JSON to a channel gateway.

Every request carries ``Idempotency-Key: <contact_id>`` so the gateway can drop repeats.
Status mapping: 2xx delivered; 408, 409, 425, 429 and 5xx retryable; other 4xx and any 3xx
permanent (the runner sends the contact to the DLQ); timeouts and connection errors
retryable. Retries inside one :meth:`deliver` use exponential backoff with full jitter; a
circuit breaker stops hammering a gateway that is down (the runner then retries later).

The contact is personal data, so the adapter is strict about where it goes: ``https`` only
unless the channel explicitly allows plain ``http``; TLS verified (optionally against the
channel's own CA, optionally with a client certificate); redirects are never followed (a
307/308 would re-post the body to wherever the gateway points); authentication is a bearer
token or an HMAC signature of the body (``connectors.signing``), secrets read from files.
Responses are read at most ``RESPONSE_CAP`` bytes and never copied anywhere: a failure's
detail is the status and its standard phrase only, as the gateway's text may echo
personal data (and would land in DLQ headers).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from connectors.backoff import Backoff
from connectors.base import DeliveryResult, Gateway
from connectors.breaker import CircuitBreaker
from connectors.contact_tags import contact_tag
from connectors.signing import HEADER, sign
from streams.contract.codec import record_to_json
from streams.core.model import ContactDue

RETRYABLE_4XX = frozenset({408, 409, 425, 429})
RESPONSE_CAP = 4096  # bytes of a response body ever read
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BearerAuth:
    token: str

    def headers(self, body: bytes, now: float) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True, slots=True)
class HmacAuth:
    """``Collections-Signature`` over the exact body, as the callback endpoint checks it."""

    secret: bytes

    def headers(self, body: bytes, now: float) -> dict[str, str]:
        return {HEADER: sign(self.secret, int(now), body)}


Auth = BearerAuth | HmacAuth


def classify_status(status: int) -> DeliveryResult:
    """Map an HTTP status to a delivery result (see the module docstring).

    The detail is the status and its standard phrase: nothing the gateway wrote, not even
    its reason phrase, which could carry a name or a number.
    """
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    detail = f"HTTP {status} {phrase}".strip()
    if 200 <= status < 300:
        return DeliveryResult.delivered()
    if 300 <= status < 400:
        return DeliveryResult.permanent(f"http_{status}", f"{detail}; redirect not followed")
    if status in RETRYABLE_4XX or status >= 500:
        return DeliveryResult.retryable(f"http_{status}", detail)
    return DeliveryResult.permanent(f"http_{status}", detail)


def check_url(url: str, *, allow_http: bool = False) -> str:
    """``url`` if it is an absolute https URL (or http when allowed); ``ValueError`` if not."""
    parts = urlsplit(url)
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        hint = "" if allow_http else " (plain http needs allow_http for this channel)"
        raise ValueError(f"webhook URL must be an absolute {' or '.join(allowed)} URL{hint}")
    if parts.username or parts.password:
        raise ValueError("webhook URL must not carry credentials: use the auth option")
    return url


def tls_context(
    ca_file: Path | None, cert_file: Path | None = None, key_file: Path | None = None
) -> ssl.SSLContext:
    """Verifying TLS: the system CAs or ``ca_file``; a client certificate for mutual TLS."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if cert_file is not None:
        context.load_cert_chain(str(cert_file), str(key_file) if key_file else None)
    return context


class WebhookGateway(Gateway):
    def __init__(
        self,
        url: str,
        *,
        timeout_seconds: float = 5.0,
        max_attempts: int = 3,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Sleep = asyncio.sleep,
        allow_http: bool = False,
        auth: Auth | None = None,
        tls: ssl.SSLContext | None = None,
        tag_key: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.url = check_url(url, allow_http=allow_http)
        parts = urlsplit(url)
        self._target = f"{parts.scheme}://{parts.netloc}"  # no path or query in any detail
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._max_attempts = max_attempts
        self._backoff = backoff or Backoff()
        self.breaker = breaker or CircuitBreaker()
        self._headers = dict(headers or {})
        self._sleep = sleep
        self._auth = auth
        self._tls = tls
        self._tag_key = tag_key
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(ssl=self._tls) if self._tls else None
            self._session = aiohttp.ClientSession(timeout=self._timeout, connector=connector)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def body(self, contact: ContactDue) -> bytes:
        """The JSON sent: the contact, plus its tag when the channel has a tag key."""
        content: dict[str, object] = record_to_json(contact)
        if self._tag_key is not None:
            content["contact_tag"] = contact_tag(
                self._tag_key, contact.channel, contact.customer_id, contact.contact_id
            )
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()

    async def deliver(self, contact: ContactDue) -> DeliveryResult:
        body = self.body(contact)
        result = DeliveryResult.retryable("circuit_open", self._target)
        for attempt in range(self._max_attempts):
            if attempt:
                await self._sleep(self._backoff.delay(attempt - 1))
            if not self.breaker.allow():
                return DeliveryResult.retryable("circuit_open", self._target)
            result = await self._post(contact.contact_id, body)
            if result.is_final:
                self.breaker.record_success()
                return result
            self.breaker.record_failure()
        return result

    async def _post(self, contact_id: str, body: bytes) -> DeliveryResult:
        await self.start()
        assert self._session is not None
        headers = {
            **self._headers,
            "Content-Type": "application/json",
            "Idempotency-Key": contact_id,
        }
        if self._auth is not None:
            headers.update(self._auth.headers(body, self._clock()))
        try:
            async with self._session.post(
                self.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                await response.content.read(RESPONSE_CAP)  # drained up to the cap, not kept
                return classify_status(response.status)
        except TimeoutError:
            return DeliveryResult.retryable("timeout", self._target)
        except aiohttp.ClientError as exc:
            return DeliveryResult.retryable("connection_error", type(exc).__name__)
