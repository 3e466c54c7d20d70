"""``PipelineMetrics``: every metric a worker exposes, on the registry it is given.

Never the global registry: each worker (and each test) builds its own ``CollectorRegistry``
and serves ``render(registry)`` on its own port. Label values of bounded enums are
initialised up front, so a counter's first increment is visible to ``increase()`` and
dashboards show zeros instead of gaps. No label ever holds an account or customer id.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry

from streams.core.model import Channel, PromiseStatus, SuppressionReason, Tier
from streams.metrics.contacts import ContactMetrics
from streams.metrics.delivery import DeliveryMetrics
from streams.metrics.figures import AccountFigures, check_currency
from streams.metrics.flows import FlowMetrics
from streams.metrics.health import DEAD_LETTER_REASONS, HealthMetrics
from streams.metrics.kpis import KpiMetrics
from streams.metrics.portfolio import PortfolioAggregate


class PipelineMetrics:
    """The worker's metrics. ``portfolio`` is the per-partition portfolio aggregate.

    ``topics`` (input topic names), ``currencies`` and ``variants`` (the strategy's) pre-initialise
    those label values (``kpis.prepare`` adds variants later).
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        topics: Iterable[str] = (),
        currencies: Iterable[str] = (),
        dead_letter_reasons: Iterable[str] = DEAD_LETTER_REASONS,
        variants: Iterable[str] = (),
    ) -> None:
        known_currencies = [check_currency(c) for c in currencies]
        self.portfolio = PortfolioAggregate(known_currencies)
        registry.register(self.portfolio)
        self.flows = FlowMetrics(registry, known_currencies)
        self.contacts = ContactMetrics(registry)
        self.health = HealthMetrics(registry, topics, dead_letter_reasons)
        self.delivery = DeliveryMetrics(registry)
        self.kpis = KpiMetrics(registry, variants)

    # ------------------------------------------------------------- accounts and flows

    def account_changed(
        self,
        partition: int,
        account_key: str,
        before: AccountFigures | None,
        after: AccountFigures | None,
    ) -> None:
        """One call per stored account change: portfolio gauges and tier-flow counters.

        ``before=None``: the account is new (its flow starts from current). Do not also call
        ``record_segment_change`` for the same change: it would be counted twice.
        """
        self.portfolio.update(partition, account_key, before, after)
        if after is not None:
            self.record_segment_change(
                Tier.CURRENT if before is None else before.tier,
                after.tier,
                overdue_before=0 if before is None else before.overdue_amount,
                overdue_after=after.overdue_amount,
                currency=after.currency,
            )

    def record_segment_change(
        self,
        from_tier: Tier,
        to_tier: Tier,
        *,
        overdue_before: int,
        overdue_after: int,
        currency: str,
    ) -> None:
        """Entered ``to_tier`` (with ``overdue_after``), or recovered from ``from_tier``."""
        self.flows.record_segment_change(
            from_tier,
            to_tier,
            overdue_before=overdue_before,
            overdue_after=overdue_after,
            currency=currency,
        )

    def assigned(self, partition: int, figures: Iterable[AccountFigures]) -> None:
        """A partition was assigned and its table recovered: report its accounts."""
        self.portfolio.rebuild_partition(partition, figures)

    def revoked(self, partition: int) -> None:
        """A partition was revoked: stop reporting its accounts and its consumer lag."""
        self.portfolio.drop_partition(partition)
        self.health.forget_consumer_lag(partition)
        self.delivery.forget(partition)

    # ---------------------------------------------------------- contacts and promises

    def record_contact(self, channel: Channel) -> None:
        self.contacts.record_contact(channel)

    def record_suppressed(self, channel: Channel, reason: SuppressionReason) -> None:
        self.contacts.record_suppressed(channel, reason)

    def record_deferred(self, channel: Channel, reason: SuppressionReason) -> None:
        self.contacts.record_deferred(channel, reason)

    def record_promise(self, status: PromiseStatus) -> None:
        """``PENDING`` = a promise was made; ``KEPT``/``BROKEN`` = one was resolved."""
        self.contacts.record_promise(status)

    # ------------------------------------------------------------------ pipeline health

    def record_event(self, topic: str, count: int = 1) -> None:
        self.health.record_event(topic, count)

    def record_dead_letter(self, reason: str) -> None:
        self.health.record_dead_letter(reason)

    def observe_latency(self, seconds: float) -> None:
        self.health.observe_latency(seconds)

    def set_consumer_lag(self, topic: str, partition: int, lag: int) -> None:
        self.health.set_consumer_lag(topic, partition, lag)

    def record_rebalance(self) -> None:
        self.health.record_rebalance()

    def observe_table_recovery(self, seconds: float) -> None:
        self.health.observe_table_recovery(seconds)

    # ------------------------------------------------------------------- delivery

    def record_transaction(self, committed: bool) -> None:
        self.delivery.transactions.labels("committed" if committed else "aborted").inc()

    def record_retry(self, reason: str) -> None:
        self.delivery.retries.labels(reason).inc()

    def record_erasure(self) -> None:
        self.delivery.erasures.inc()

    def record_due_failure(self) -> None:
        self.delivery.due_failures.inc()

    def record_hold(self, partition: int, held: int) -> None:
        """A customer was put on hold; ``held`` customers of ``partition`` are held now."""
        self.delivery.holds.inc()
        self.delivery.set_held(partition, held)

    def record_release(self, partition: int, held: int) -> None:
        self.delivery.releases.inc()
        self.delivery.set_held(partition, held)

    def set_held(self, partition: int, held: int) -> None:
        self.delivery.set_held(partition, held)

    def set_stalled(self, partition: int, seconds: float) -> None:
        self.delivery.stalled.labels(str(partition)).set(seconds)
