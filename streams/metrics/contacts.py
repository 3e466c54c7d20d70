"""Contact and promise counters, by channel, suppression reason and promise status."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from streams.core.model import Channel, PromiseStatus, SuppressionReason


class ContactMetrics:
    """Contacts emitted, suppressed and deferred by channel; promises made and resolved."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.emitted = Counter(
            "collections_contacts_emitted",
            "Contacts sent to a channel gateway.",
            ["channel"],
            registry=registry,
        )
        self.suppressed = Counter(
            "collections_contacts_suppressed",
            "Contacts the compliance gate held back for good, by channel and reason.",
            ["channel", "reason"],
            registry=registry,
        )
        self.deferred = Counter(
            "collections_contacts_deferred",
            "Contacts the compliance gate moved to a later allowed time.",
            ["channel", "reason"],
            registry=registry,
        )
        self.promises_made = Counter(
            "collections_promises_made", "Promises to pay recorded.", registry=registry
        )
        self.promises_resolved = Counter(
            "collections_promises_resolved",
            "Promises to pay decided kept or broken.",
            ["status"],
            registry=registry,
        )
        for channel in Channel:
            self.emitted.labels(channel.value)
            for reason in SuppressionReason:
                self.suppressed.labels(channel.value, reason.value)
                self.deferred.labels(channel.value, reason.value)
        for status in (PromiseStatus.KEPT, PromiseStatus.BROKEN):
            self.promises_resolved.labels(status.value)

    def record_contact(self, channel: Channel) -> None:
        self.emitted.labels(channel.value).inc()

    def record_suppressed(self, channel: Channel, reason: SuppressionReason) -> None:
        self.suppressed.labels(channel.value, reason.value).inc()

    def record_deferred(self, channel: Channel, reason: SuppressionReason) -> None:
        self.deferred.labels(channel.value, reason.value).inc()

    def record_promise(self, status: PromiseStatus) -> None:
        """``PENDING`` = a promise was made; ``KEPT``/``BROKEN`` = one was resolved."""
        if status is PromiseStatus.PENDING:
            self.promises_made.inc()
        else:
            self.promises_resolved.labels(status.value).inc()
