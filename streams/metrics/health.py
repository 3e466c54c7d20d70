"""Pipeline health (RED): events, dead letters, latency, consumer lag, rebalances, recovery."""

from __future__ import annotations

import re
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

DEAD_LETTER_REASONS: tuple[str, ...] = ("decode", "validation", "currency_mismatch", "other")
MAX_DEAD_LETTER_REASONS = 32
REASON = re.compile(r"[a-z][a-z0-9_]{0,39}")

LATENCY_BUCKETS = (
    0.01,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    900.0,
    3600.0,
)
RECOVERY_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


class HealthMetrics:
    """RED metrics of the pipeline: events, dead letters, latency, lag, rebalances."""

    def __init__(
        self, registry: CollectorRegistry, topics: Iterable[str], reasons: Iterable[str]
    ) -> None:
        self.events = Counter(
            "collections_events_processed",
            "Input events processed, by topic.",
            ["topic"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "collections_dead_letters",
            "Inputs sent to the dead-letter topic, by reason.",
            ["reason"],
            registry=registry,
        )
        self.latency = Histogram(
            "collections_processing_latency_seconds",
            "Seconds from an input event's occurred_at to the output it caused.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.lag = Gauge(
            "collections_consumer_lag_messages",
            "Messages between the high watermark and this worker's position, per partition.",
            ["topic", "partition"],
            registry=registry,
        )
        self.rebalances = Counter(
            "collections_rebalances",
            "Partition rebalances this worker went through.",
            registry=registry,
        )
        self.recovery = Histogram(
            "collections_table_recovery_seconds",
            "Seconds the worker spent recovering its tables after an assignment.",
            buckets=RECOVERY_BUCKETS,
            registry=registry,
        )
        for topic in topics:
            self.events.labels(topic)
        self._lag_topics: dict[int, set[str]] = {}
        self._reasons: set[str] = set()
        for reason in reasons:
            self.record_dead_letter(reason, count=0)

    def record_event(self, topic: str, count: int = 1) -> None:
        self.events.labels(topic).inc(count)

    def record_dead_letter(self, reason: str, count: int = 1) -> None:
        """Unknown, malformed or too many distinct reasons are counted as ``other``."""
        if reason not in self._reasons:
            if not REASON.fullmatch(reason) or len(self._reasons) >= MAX_DEAD_LETTER_REASONS:
                reason = "other"
            self._reasons.add(reason)
        self.dead_letters.labels(reason).inc(count)

    def observe_latency(self, seconds: float) -> None:
        """Negative values (clock skew between producer and worker) count as zero."""
        self.latency.observe(max(seconds, 0.0))

    def set_consumer_lag(self, topic: str, partition: int, lag: int) -> None:
        self.lag.labels(topic, str(partition)).set(max(lag, 0))
        self._lag_topics.setdefault(partition, set()).add(topic)

    def forget_consumer_lag(self, partition: int) -> None:
        """On revocation: the new owner reports this partition's lag from now on."""
        for topic in self._lag_topics.pop(partition, set()):
            self.lag.remove(topic, str(partition))

    def record_rebalance(self) -> None:
        self.rebalances.inc()

    def observe_table_recovery(self, seconds: float) -> None:
        self.recovery.observe(max(seconds, 0.0))
