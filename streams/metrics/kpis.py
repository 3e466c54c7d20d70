"""The KPIs collections managers steer by, counted from the core's outputs and state changes.

- Recovery per strategy variant (champion/challenger): entries into and recoveries from each
  tier, labelled with the variant, by the one definition of ``recovery.py``.
- Contact and connect rates: contacts that got through (answered, delivered) and contacts that
  reached the right party, per channel, over contacts emitted (``ContactResult``).
- Customer-type mix of newly delinquent customers, and type changes while delinquent.
- Repayment plans (agreed, completed, broken; instalments kept or broken) and litigation
  referrals.

The engine calls :func:`count_decision` once per ``decide``/``due`` it applies (with the
state before and after), after :func:`prepare` once with the strategy's variants. Label
values are bounded: channels, tiers, types and the variants the strategy file names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter

from streams.core.model import (
    Channel,
    ContactDue,
    ContactResult,
    CustomerType,
    InstalmentResolved,
    LitigationReferral,
    Output,
    PlanStatus,
    PromiseStatus,
    SegmentChanged,
)
from streams.core.state import CustomerState
from streams.metrics.figures import DELINQUENT_TIERS
from streams.metrics.recovery import tier_flow

TYPES = (CustomerType.FIRST_TIME, CustomerType.REPEAT, CustomerType.WILFUL)


class KpiMetrics:
    def __init__(self, registry: CollectorRegistry, variants: Iterable[str] = ()) -> None:
        self.entered = Counter(
            "collections_variant_tier_entered_accounts",
            "Accounts that entered a delinquent tier, by strategy variant (recovery.py).",
            ["variant", "tier"],
            registry=registry,
        )
        self.recovered = Counter(
            "collections_variant_tier_recovered_accounts",
            "Accounts that went back to current from a delinquent tier, by strategy variant.",
            ["variant", "tier"],
            registry=registry,
        )
        self.contacts = Counter(
            "collections_variant_contacts_emitted",
            "Contacts sent to a gateway, by strategy variant and channel (cost per variant).",
            ["variant", "channel"],
            registry=registry,
        )
        self.connected = Counter(
            "collections_contacts_connected",
            "Contacts that got through: answered (voice) or delivered (SMS, letters, visits).",
            ["channel"],
            registry=registry,
        )
        self.right_party = Counter(
            "collections_contacts_right_party",
            "Contacts that reached the customer: a right-party conversation, promise, refusal "
            "or dispute.",
            ["channel"],
            registry=registry,
        )
        self.new_delinquent = Counter(
            "collections_delinquent_customers_entered",
            "Customers whose first overdue account opened a delinquency episode, by their type.",
            ["customer_type"],
            registry=registry,
        )
        self.type_changes = Counter(
            "collections_customer_type_changes",
            "Delinquent customers whose type changed (e.g. to wilful on evidence).",
            ["from_type", "to_type"],
            registry=registry,
        )
        self.plans = Counter(
            "collections_repayment_plans",
            "Repayment plans agreed, completed (every instalment kept) or broken.",
            ["status"],
            registry=registry,
        )
        self.instalments = Counter(
            "collections_plan_instalments",
            "Repayment-plan instalments decided kept or broken at the end of their grace.",
            ["status"],
            registry=registry,
        )
        self.referrals = Counter(
            "collections_litigation_referrals",
            "Litigation referrals: every legal stage delivered, no payment or plan since.",
            registry=registry,
        )
        for channel in Channel:
            self.connected.labels(channel.value)
            self.right_party.labels(channel.value)
        for kind in TYPES:
            self.new_delinquent.labels(kind.value)
        for status in ("agreed", PlanStatus.COMPLETED.value, PlanStatus.BROKEN.value):
            self.plans.labels(status)
        for result in (PromiseStatus.KEPT, PromiseStatus.BROKEN):
            self.instalments.labels(result.value)
        self.prepare(variants)

    def prepare(self, variants: Iterable[str]) -> None:
        """Export the variants' series at zero, so their first increase is seen."""
        for variant in variants:
            for tier in DELINQUENT_TIERS:
                self.entered.labels(variant, tier.value)
                self.recovered.labels(variant, tier.value)
            for channel in Channel:
                self.contacts.labels(variant, channel.value)


def prepare(kpis: KpiMetrics, variants: Iterable[str]) -> None:
    kpis.prepare(variants)


def count_decision(
    kpis: KpiMetrics,
    before: CustomerState | None,
    after: CustomerState,
    outputs: Sequence[Output],
) -> None:
    """Count what one decision did (outputs, and the customer's state before and after)."""
    for out in outputs:
        if isinstance(out, SegmentChanged):
            flow = tier_flow(out.from_tier, out.to_tier)
            if flow is not None:
                counter = kpis.entered if flow.kind == "entered" else kpis.recovered
                counter.labels(out.strategy_variant, flow.tier.value).inc()
        elif isinstance(out, ContactDue):
            kpis.contacts.labels(out.strategy_variant, out.channel.value).inc()
        elif isinstance(out, ContactResult):
            if out.connected:
                kpis.connected.labels(out.channel.value).inc()
            if out.right_party:
                kpis.right_party.labels(out.channel.value).inc()
        elif isinstance(out, InstalmentResolved):
            kpis.instalments.labels(out.status.value).inc()
            if out.plan_status in (PlanStatus.COMPLETED, PlanStatus.BROKEN):
                kpis.plans.labels(out.plan_status.value).inc()
        elif isinstance(out, LitigationReferral):
            kpis.referrals.inc()
    _count_customer(kpis, before, after)


def _count_customer(kpis: KpiMetrics, before: CustomerState | None, after: CustomerState) -> None:
    was = before is not None and before.episode_started is not None
    now = after.episode_started is not None
    if now and not was and after.customer_type in TYPES:
        kpis.new_delinquent.labels(after.customer_type.value).inc()
    elif now and was and before is not None and before.customer_type != after.customer_type:
        kpis.type_changes.labels(before.customer_type.value, after.customer_type.value).inc()
    plan = after.repayment_plan
    old = before.repayment_plan if before is not None else None
    if plan is not None and (old is None or old.plan_id != plan.plan_id):
        kpis.plans.labels("agreed").inc()
