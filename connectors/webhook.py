"""Generic HTTP webhook adapter: POST the contact as JSON to a channel gateway.

Every request carries ``Idempotency-Key: <contact_id>`` so the gateway can drop repeats.
Status mapping: 2xx delivered; 408, 409, 425, 429 and 5xx retryable; other 4xx permanent
(the runner sends the contact to the DLQ); timeouts and connection errors retryable.
Retries inside one :meth:`deliver` use exponential backoff with full jitter; a circuit
breaker stops hammering a gateway that is down (the runner then retries later).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import aiohttp

from connectors.backoff import Backoff
from connectors.base import DeliveryResult, Gateway
from connectors.breaker import CircuitBreaker
from streams.contract.codec import record_to_json
from streams.core.model import ContactDue

RETRYABLE_4XX = frozenset({408, 409, 425, 429})
Sleep = Callable[[float], Awaitable[None]]


def classify_status(status: int, body: str = "") -> DeliveryResult:
    """Map an HTTP status to a delivery result (see the module docstring)."""
    detail = body[:500]
    if 200 <= status < 300:
        return DeliveryResult.delivered()
    if status in RETRYABLE_4XX or status >= 500:
        return DeliveryResult.retryable(f"http_{status}", detail)
    return DeliveryResult.permanent(f"http_{status}", detail)


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
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._max_attempts = max_attempts
        self._backoff = backoff or Backoff()
        self.breaker = breaker or CircuitBreaker()
        self._headers = dict(headers or {})
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def deliver(self, contact: ContactDue) -> DeliveryResult:
        body = record_to_json(contact)
        result = DeliveryResult.retryable("circuit_open", self.url)
        for attempt in range(self._max_attempts):
            if attempt:
                await self._sleep(self._backoff.delay(attempt - 1))
            if not self.breaker.allow():
                return DeliveryResult.retryable("circuit_open", self.url)
            result = await self._post(contact.contact_id, body)
            if result.is_final:
                self.breaker.record_success()
                return result
            self.breaker.record_failure()
        return result

    async def _post(self, contact_id: str, body: dict[str, object]) -> DeliveryResult:
        await self.start()
        assert self._session is not None
        headers = {**self._headers, "Idempotency-Key": contact_id}
        try:
            async with self._session.post(self.url, json=body, headers=headers) as response:
                text = await response.text(errors="replace")
                return classify_status(response.status, text)
        except TimeoutError:
            return DeliveryResult.retryable("timeout", self.url)
        except aiohttp.ClientError as exc:
            return DeliveryResult.retryable("connection_error", f"{type(exc).__name__}: {exc}")
