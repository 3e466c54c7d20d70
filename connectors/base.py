"""The two small base classes of the connectors: a channel gateway and a record source.

A channel adapter (SMS provider, IVR platform, dialler, field dispatch, letter service)
subclasses :class:`Gateway`; the gateway runner owns the Kafka side (offsets, duplicates,
expiry, the DLQ and outcome events) and only asks the adapter to deliver one contact.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from streams.core.model import AgingSnapshot, ContactDue, Repayment


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"  # the gateway accepted the contact (2xx)
    PERMANENT_FAILURE = "permanent_failure"  # it refused it for good (4xx): goes to the DLQ
    RETRYABLE_FAILURE = "retryable_failure"  # outage (5xx, timeout, circuit open): try again


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What one call of :meth:`Gateway.deliver` achieved."""

    status: DeliveryStatus
    reason: str = ""  # short and bounded for failures, e.g. "http_422", "timeout"
    detail: str = ""  # free text for logs and the DLQ message header

    @classmethod
    def delivered(cls) -> DeliveryResult:
        return cls(DeliveryStatus.DELIVERED)

    @classmethod
    def permanent(cls, reason: str, detail: str = "") -> DeliveryResult:
        return cls(DeliveryStatus.PERMANENT_FAILURE, reason, detail)

    @classmethod
    def retryable(cls, reason: str, detail: str = "") -> DeliveryResult:
        return cls(DeliveryStatus.RETRYABLE_FAILURE, reason, detail)

    @property
    def is_final(self) -> bool:
        """Delivered or refused for good: the runner may commit the message's offset."""
        return self.status is not DeliveryStatus.RETRYABLE_FAILURE


class Gateway(ABC):
    """One channel's delivery adapter. Configured through its constructor only.

    The runner calls :meth:`start` once before the first delivery and :meth:`close` once
    when it stops. It calls :meth:`deliver` once per contact-due message that is not a
    duplicate (its ``contact_id`` was never delivered) and not expired, one contact at a
    time, in partition order. A retryable result makes the runner call :meth:`deliver`
    again later with the same contact; the message's offset is committed only after a
    final result, so a contact may be offered again after a crash: pass ``contact_id`` to
    the downstream system as its idempotency key.
    """

    async def start(self) -> None:
        """Called once before the first delivery (open sessions, files)."""
        return

    async def close(self) -> None:
        """Called once when the runner stops (close sessions, flush files)."""
        return

    @abstractmethod
    async def deliver(self, contact: ContactDue) -> DeliveryResult:
        """Hand ``contact`` to the channel. Must not raise for delivery errors: report them."""

    async def forget(self, customer_id: str) -> int:
        """Erase what this adapter itself keeps on ``customer_id``; returns records removed.

        Called once per erasure request. An adapter that keeps nothing (a webhook: the
        downstream system has its own erasure duty) removes nothing.
        """
        return 0


UpstreamEvent = AgingSnapshot | Repayment


class RecordSource(ABC):
    """The publisher side: something that yields upstream events or rejects, line by line.

    The publisher iterates :meth:`rows` once; each item is ``(line, event)`` for a valid
    row or ``(line, RowRejected)`` for a row that must go to the reject file.
    """

    @abstractmethod
    def rows(self) -> Iterator[tuple[int, UpstreamEvent | RowRejected]]:
        """Yield every row of the source, in order, exactly once."""


@dataclass(frozen=True, slots=True)
class RowRejected:
    """A row that failed validation: written to the reject file, never silently skipped."""

    reason: str  # every problem, joined with "; "
    raw: object
    problems: tuple[str, ...] = ()  # one entry per bad field, when the parser knows them
