"""Prometheus metrics of the gateway runner and the callback endpoint (injected registry)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram

from streams.core.model import Channel

DELIVERY_RESULTS = ("delivered", "duplicate", "permanent_failure", "retryable_failure")


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry, channels: Iterable[Channel] = Channel) -> None:
        self.deliveries = Counter(
            "collections_gateway_deliveries_total",
            "Contact-due messages by final or retryable delivery result.",
            ["channel", "result"],
            registry=registry,
        )
        self.expired = Counter(
            "collections_gateway_expired_total",
            "Contacts dropped because they arrived after expires_at.",
            ["channel"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "collections_gateway_dead_letters_total",
            "Contact-due messages sent to the DLQ, by reason.",
            ["channel", "reason"],
            registry=registry,
        )
        self.delivery_seconds = Histogram(
            "collections_gateway_delivery_seconds",
            "Time spent in one Gateway.deliver call, retries inside the adapter included.",
            ["channel"],
            registry=registry,
        )
        self.outcomes = Counter(
            "collections_gateway_outcomes_total",
            "Contact outcome events published (deliveries and callbacks).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.callbacks_refused = Counter(
            "collections_gateway_callbacks_refused_total",
            "Callbacks refused, by reason (rate_limited, too_large, signature_*, replayed, "
            "malformed, unknown_contact, replay_guard_full).",
            ["channel", "reason"],
            registry=registry,
        )
        self.erased_contacts = Counter(
            "collections_gateway_erased_contacts_total",
            "Contacts dropped because their customer was erased before delivery.",
            ["channel"],
            registry=registry,
        )
        self.erasures = Counter(
            "collections_gateway_erasures_total",
            "Erasure requests applied (delivered store and adapters purged, audit written).",
            registry=registry,
        )
        for channel in channels:
            self.expired.labels(channel.value)
            for result in DELIVERY_RESULTS:
                self.deliveries.labels(channel.value, result)
