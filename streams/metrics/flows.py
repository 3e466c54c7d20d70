"""Tier-flow counters: entries into delinquent tiers, recoveries from them, transitions.

Recovery rate per tier is a ratio of these counters over a window (recording rules), so it
stays right across workers and restarts; what counts as an entry and a recovery is defined
once, in ``recovery.py``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from streams.core.model import Tier
from streams.metrics.figures import DELINQUENT_TIERS, check_currency
from streams.metrics.recovery import tier_flow


class FlowMetrics:
    """Entries into tiers, recoveries from them and tier-to-tier transitions (counters)."""

    def __init__(self, registry: CollectorRegistry, currencies: list[str]) -> None:
        self.entered = Counter(
            "collections_tier_entered_accounts",
            "Accounts that entered a delinquent tier.",
            ["tier"],
            registry=registry,
        )
        self.entered_amount = Counter(
            "collections_tier_entered_overdue_minor_units",
            "Overdue amount (minor units) of accounts when they entered a delinquent tier.",
            ["tier", "currency"],
            registry=registry,
        )
        self.recovered = Counter(
            "collections_tier_recovered_accounts",
            "Accounts that went back to current while in a delinquent tier.",
            ["tier"],
            registry=registry,
        )
        self.recovered_amount = Counter(
            "collections_tier_recovered_overdue_minor_units",
            "Overdue amount (minor units) accounts had when they went back to current.",
            ["tier", "currency"],
            registry=registry,
        )
        self.transitions = Counter(
            "collections_tier_transitions",
            "Accounts that moved from one tier to another.",
            ["from_tier", "to_tier"],
            registry=registry,
        )
        for tier in DELINQUENT_TIERS:
            self.entered.labels(tier.value)
            self.recovered.labels(tier.value)
            for currency in currencies:
                self.entered_amount.labels(tier.value, currency)
                self.recovered_amount.labels(tier.value, currency)
        for source in Tier:
            for target in Tier:
                if source is not target:
                    self.transitions.labels(source.value, target.value)

    def record_segment_change(
        self,
        from_tier: Tier,
        to_tier: Tier,
        *,
        overdue_before: int,
        overdue_after: int,
        currency: str,
    ) -> None:
        """Count an account's tier change (``recovery.tier_flow``); a change of bucket or
        type alone counts nothing."""
        flow = tier_flow(from_tier, to_tier)
        if flow is None:
            return
        check_currency(currency)
        self.transitions.labels(from_tier.value, to_tier.value).inc()
        if flow.kind == "recovered":
            self.recovered.labels(flow.tier.value).inc()
            self.recovered_amount.labels(flow.tier.value, currency).inc(max(overdue_before, 0))
        else:
            self.entered.labels(flow.tier.value).inc()
            self.entered_amount.labels(flow.tier.value, currency).inc(max(overdue_after, 0))
