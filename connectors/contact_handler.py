"""What happens to one contact-due message, Kafka loop aside.

``ContactHandler.handle`` decodes the message and returns its disposition. Every
disposition except ``RETRY`` is final: the runner then commits the message's offset.

- undecodable, or no gateway for its channel -> DLQ (``DEAD_LETTERED``)
- contact id already delivered (durable store) -> ``DUPLICATE``, not delivered again
- the customer was erased -> ``ERASED_CUSTOMER``, dropped and counted
- ``now > expires_at`` -> ``EXPIRED``, dropped and counted (``now``: see below)
- gateway accepted -> stored, DELIVERED outcome published (``DELIVERED``); a contact with
  ``review_required`` (a legal letter) was only accepted for review: nothing is published,
  the letter service reports ``delivered`` or ``failed`` through the callback endpoint once
  the letter reached the customer or not (the pipeline's legal stages advance on that)
- gateway refused for good (4xx) -> DLQ + FAILED outcome (``DEAD_LETTERED``)
- gateway outage (5xx, timeout, circuit open) -> ``RETRY``: nothing recorded

On the wall clock (production) ``now`` is the gateway's clock. On the event clock (replays,
the demo: the worker's ``--clock event``) the pipeline runs on simulated time, which has
nothing to do with when the gateway gets to a contact: a contact is then delivered *at its
own time*, ``due_at``. Its expiry is judged and its outcome is stamped with that time, never
the wall clock (so nothing expires: the contract keeps ``expires_at`` at or after ``due_at``),
and the outcome is the same event in every run.

An erasure request (from the erasure-requests topic) purges the delivered store and each
adapter's own records of the customer and writes an audit line without the customer id
(``ERASED``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from connectors.base import DeliveryResult, DeliveryStatus, Gateway
from connectors.delivered_store import DeliveredStore
from connectors.erasure_audit import ErasureAudit
from connectors.metrics import GatewayMetrics
from streams.contract.catalogue import Catalogue
from streams.contract.codec import DecodeError, decode, encode
from streams.contract.dlq import dead_letter_headers
from streams.core.model import Channel, ContactDue, ContactOutcome, ErasureRequest, Outcome
from streams.settings import ClockMode

STAGE = "gateway"


class Emitter(Protocol):
    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> None: ...


class Disposition(StrEnum):
    DELIVERED = "delivered"
    DUPLICATE = "duplicate"
    EXPIRED = "expired"
    DEAD_LETTERED = "dead_lettered"
    ERASED_CUSTOMER = "erased_customer"
    ERASED = "erased"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class Incoming:
    """The parts of a consumed Kafka message the handler needs."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class ContactHandler:
    def __init__(
        self,
        *,
        gateways: Mapping[Channel, Gateway],
        catalogue: Catalogue,
        emitter: Emitter,
        store: DeliveredStore,
        metrics: GatewayMetrics,
        now: Callable[[], datetime],
        audit: ErasureAudit | None = None,
        clock: ClockMode = "wall",
    ) -> None:
        self._gateways = gateways
        self._audit = audit
        self._component = "gateway-" + "-".join(sorted(c.value for c in gateways))
        self._catalogue = catalogue
        self._emitter = emitter
        self._store = store
        self._metrics = metrics
        self._now = now
        self._clock = clock
        self._channel_of_topic = {catalogue.contact_due(ch).name: ch.value for ch in Channel}

    async def handle(self, msg: Incoming) -> Disposition:
        if msg.topic == self._catalogue.erasure_requests.name:
            return await self._erase(msg)
        try:
            contact = decode(msg.value or b"", ContactDue)
        except DecodeError as exc:
            channel = self._channel_of_topic.get(msg.topic, "unknown")
            await self._dead_letter(msg, channel, exc.reason, "DecodeError", str(exc))
            return Disposition.DEAD_LETTERED
        gateway = self._gateways.get(contact.channel)
        if gateway is None:
            message = f"no gateway configured for channel {contact.channel.value}"
            await self._dead_letter(
                msg, contact.channel.value, "no_gateway", "LookupError", message
            )
            return Disposition.DEAD_LETTERED
        return await self._handle_contact(msg, contact, gateway)

    async def _handle_contact(
        self, msg: Incoming, contact: ContactDue, gateway: Gateway
    ) -> Disposition:
        channel = contact.channel.value
        record = self._store.get(contact.contact_id)
        if record is not None:
            if not record.reported:  # crashed after delivering, before reporting
                await self._accepted(contact)
            self._metrics.deliveries.labels(channel, "duplicate").inc()
            return Disposition.DUPLICATE
        if self._store.is_erased(contact.customer_id):
            self._metrics.erased_contacts.labels(channel).inc()
            return Disposition.ERASED_CUSTOMER
        if self._at(contact) > contact.expires_at:
            self._metrics.expired.labels(channel).inc()
            return Disposition.EXPIRED
        result = await self._deliver(gateway, contact)
        self._metrics.deliveries.labels(channel, result.status.value).inc()
        if result.status is DeliveryStatus.DELIVERED:
            self._store.record_delivered(
                contact.contact_id, channel, self._now(), contact.customer_id
            )
            await self._accepted(contact)
            return Disposition.DELIVERED
        if result.status is DeliveryStatus.PERMANENT_FAILURE:
            await self._dead_letter(
                msg, channel, result.reason, "PermanentDeliveryFailure", result.detail
            )
            await self._report(contact, Outcome.FAILED)
            return Disposition.DEAD_LETTERED
        return Disposition.RETRY

    async def _deliver(self, gateway: Gateway, contact: ContactDue) -> DeliveryResult:
        started = time.perf_counter()
        try:
            return await gateway.deliver(contact)
        finally:
            elapsed = time.perf_counter() - started
            self._metrics.delivery_seconds.labels(contact.channel.value).observe(elapsed)

    async def _erase(self, msg: Incoming) -> Disposition:
        try:
            request = decode(msg.value or b"", ErasureRequest)
        except DecodeError as exc:
            await self._dead_letter(msg, "erasure", exc.reason, "DecodeError", str(exc))
            return Disposition.DEAD_LETTERED
        now = self._now()
        purged = {"delivered_store": self._store.forget(request.customer_id, now)}
        for channel, gateway in self._gateways.items():
            purged[f"{channel.value}_adapter"] = await gateway.forget(request.customer_id)
        if self._audit is not None:
            self._audit.record(request, self._component, purged, now)
        self._metrics.erasures.inc()
        return Disposition.ERASED

    async def _accepted(self, contact: ContactDue) -> None:
        """The gateway took the contact: it is delivered, unless it waits for a review."""
        if contact.review_required:
            self._store.mark_reported(contact.contact_id)  # its outcome comes by callback
            return
        await self._report(contact, Outcome.DELIVERED)

    def _at(self, contact: ContactDue) -> datetime:
        """When the contact is made: now, or on the event clock its own due time."""
        return contact.due_at if self._clock == "event" else self._now()

    async def _report(self, contact: ContactDue, outcome: Outcome) -> None:
        event = delivery_outcome(contact, outcome, self._at(contact))
        topic = self._catalogue.contact_outcomes.name
        await self._emitter.send(topic, contact.customer_id.encode(), encode(event))
        self._metrics.outcomes.labels(contact.channel.value, outcome.value).inc()
        if outcome is Outcome.DELIVERED:
            self._store.mark_reported(contact.contact_id)

    async def _dead_letter(
        self, msg: Incoming, channel: str, reason: str, error_class: str, message: str
    ) -> None:
        headers = dead_letter_headers(
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
            stage=STAGE,
            error_class=error_class,
            message=message,
            reason=reason,
        )
        await self._emitter.send(self._catalogue.dlq.name, msg.key, msg.value, headers)
        self._metrics.dead_letters.labels(channel, reason).inc()


def delivery_outcome(contact: ContactDue, outcome: Outcome, now: datetime) -> ContactOutcome:
    """The outcome event of a delivery; its event_id is deterministic per contact."""
    return ContactOutcome(
        event_id=f"{contact.contact_id}:{outcome.value}",
        occurred_at=now,
        customer_id=contact.customer_id,
        channel=contact.channel,
        outcome=outcome,
        contact_id=contact.contact_id,
    )
