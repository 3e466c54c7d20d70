"""Delivery health: transactions, retries, holds, failures of one customer's schedule, stalls.

These say whether the guarantee "every input applied or dead-lettered, nothing twice" is
holding right now: an aborted transaction is retried (never committed half), a customer
whose protective input could not be applied is held (no contact) until a valid profile
arrives, and a partition whose merge waits on an input it cannot read shows as stalled.
"""

from __future__ import annotations

import contextlib

from prometheus_client import CollectorRegistry, Counter, Gauge

RETRY_REASONS = ("kafka", "registry", "restore")


class DeliveryMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.transactions = Counter(
            "collections_transactions",
            "Kafka transactions of the worker (outputs, state and offsets together), by result.",
            ["result"],
            registry=registry,
        )
        self.retries = Counter(
            "collections_batch_retries",
            "Batches rolled back to the last commit and retried, by cause.",
            ["reason"],
            registry=registry,
        )
        self.due_failures = Counter(
            "collections_due_failures",
            "Times a customer's scheduled work raised (retried an hour later).",
            registry=registry,
        )
        self.holds = Counter(
            "collections_holds",
            "Customers put on hold (no contact) because protective input could not be applied.",
            registry=registry,
        )
        self.releases = Counter(
            "collections_hold_releases",
            "Holds lifted by a later valid profile.",
            registry=registry,
        )
        self.erasures = Counter(
            "collections_erasures",
            "Customers forgotten on request (state tombstoned, schedule and holds dropped).",
            registry=registry,
        )
        self.held = Gauge(
            "collections_customers_held",
            "Customers on hold right now, per owned partition.",
            ["partition"],
            registry=registry,
        )
        self.stalled = Gauge(
            "collections_partition_stalled_seconds",
            "Seconds a partition's ordered merge has waited on an input it has not read yet.",
            ["partition"],
            registry=registry,
        )
        self.started = Gauge(
            "collections_worker_start_time_seconds",
            "When this worker process started (Unix time): changes show restarts.",
            registry=registry,
        )
        self.unclean = Gauge(
            "collections_worker_unclean_start",
            "1 if this worker started after its previous run ended without a clean stop (a "
            "crash or a kill), else 0.",
            registry=registry,
        )
        for result in ("committed", "aborted"):
            self.transactions.labels(result)
        for reason in RETRY_REASONS:
            self.retries.labels(reason)

    def started_at(self, unix_time: float, *, unclean: bool) -> None:
        self.started.set(unix_time)
        self.unclean.set(1 if unclean else 0)

    def set_held(self, partition: int, count: int) -> None:
        self.held.labels(str(partition)).set(count)

    def forget(self, partition: int) -> None:
        for gauge in (self.held, self.stalled):
            with contextlib.suppress(KeyError):
                gauge.remove(str(partition))
