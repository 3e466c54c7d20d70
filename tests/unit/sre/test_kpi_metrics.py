"""The managers' KPIs: one recovery definition for Prometheus and the replay, variants,
contact and connect rates, customer-type mix, plans and referrals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from streams.contract.examples import CONTACT_DUE, LITIGATION_REFERRAL, SEGMENT_CHANGED
from streams.core import load_policy
from streams.core.model import (
    Channel,
    ContactResult,
    CustomerType,
    InstalmentResolved,
    Output,
    PlanStatus,
    PromiseStatus,
    SegmentChanged,
    Tier,
)
from streams.core.state import CustomerState
from streams.metrics import PipelineMetrics
from streams.metrics.kpis import count_decision
from streams.metrics.recovery import Flow, recovery_rate, tier_flow
from streams.replay_report import Tally
from tests.unit.core.walk_support import START, Driver, aging, at, repayment

AT = datetime(2026, 3, 1, tzinfo=UTC)


def fresh(
    variants: tuple[str, ...] = ("champion", "challenger"),
) -> tuple[PipelineMetrics, CollectorRegistry]:
    registry = CollectorRegistry()
    return PipelineMetrics(registry, currencies=["CNY"], variants=variants), registry


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    assert found is not None, f"{name}{labels} is not exported"
    return found


@pytest.mark.parametrize(
    ("before", "after", "flow"),
    [
        (Tier.CURRENT, Tier.MILD, Flow("entered", Tier.MILD)),
        (Tier.MILD, Tier.MODERATE, Flow("entered", Tier.MODERATE)),
        (Tier.HEAVY, Tier.MODERATE, Flow("entered", Tier.MODERATE)),  # a new stay in it
        (Tier.MODERATE, Tier.CURRENT, Flow("recovered", Tier.MODERATE)),
        (Tier.MILD, Tier.MILD, None),
    ],
)
def test_one_definition_of_entering_and_recovering(before: Tier, after: Tier, flow: Flow) -> None:
    assert tier_flow(before, after) == flow


def test_a_rate_needs_entries() -> None:
    assert recovery_rate(3, 4) == 0.75
    assert recovery_rate(0, 0) is None


def test_variant_series_are_exported_at_zero_up_front() -> None:
    _, registry = fresh()
    for variant in ("champion", "challenger"):
        for tier in ("mild", "moderate", "heavy", "severe"):
            labels = {"variant": variant, "tier": tier}
            assert (
                sample(registry, "collections_variant_tier_entered_accounts_total", **labels) == 0
            )


def test_outputs_count_recovery_per_variant_contacts_connects_plans_and_referrals() -> None:
    metrics, registry = fresh()
    entered = replace(
        SEGMENT_CHANGED, from_tier=Tier.CURRENT, to_tier=Tier.MILD, strategy_variant="challenger"
    )
    cured = replace(entered, from_tier=Tier.MILD, to_tier=Tier.CURRENT)
    broken = InstalmentResolved(
        "c1", "plan-1", 2, 3, PromiseStatus.BROKEN, 100, "CNY", AT, PlanStatus.BROKEN
    )
    outputs: list[Output] = [
        entered,
        cured,
        replace(CONTACT_DUE, strategy_variant="challenger"),
        ContactResult(Channel.IVR, connected=True, right_party=False, strategy_variant="x"),
        ContactResult(Channel.IVR, connected=False, right_party=True, strategy_variant="x"),
        broken,
        LITIGATION_REFERRAL,
    ]
    count_decision(metrics.kpis, None, CustomerState("c1"), outputs)
    challenger_mild = {"variant": "challenger", "tier": "mild"}
    assert (
        sample(registry, "collections_variant_tier_entered_accounts_total", **challenger_mild) == 1
    )
    assert (
        sample(registry, "collections_variant_tier_recovered_accounts_total", **challenger_mild)
        == 1
    )
    assert (
        sample(
            registry,
            "collections_variant_contacts_emitted_total",
            variant="challenger",
            channel="agent_call",
        )
        == 1
    )
    assert sample(registry, "collections_contacts_connected_total", channel="ivr") == 1
    assert sample(registry, "collections_contacts_right_party_total", channel="ivr") == 1
    assert sample(registry, "collections_plan_instalments_total", status="broken") == 1
    assert sample(registry, "collections_repayment_plans_total", status="broken") == 1
    assert sample(registry, "collections_litigation_referrals_total") == 1


def test_a_customer_opening_an_episode_counts_once_by_type_and_type_changes_after() -> None:
    metrics, registry = fresh()
    current = CustomerState("c1", customer_type=CustomerType.FIRST_TIME)
    delinquent = replace(current, episode_started=date(2026, 3, 1))
    count_decision(metrics.kpis, current, delinquent, [])
    count_decision(metrics.kpis, delinquent, delinquent, [])  # no new episode
    wilful = replace(delinquent, customer_type=CustomerType.WILFUL)
    count_decision(metrics.kpis, delinquent, wilful, [])
    assert (
        sample(
            registry, "collections_delinquent_customers_entered_total", customer_type="first_time"
        )
        == 1
    )
    assert (
        sample(
            registry,
            "collections_customer_type_changes_total",
            from_type="first_time",
            to_type="wilful",
        )
        == 1
    )


def test_the_replay_and_the_workers_count_the_same_recoveries() -> None:
    policy = load_policy()
    driver = Driver(policy)
    for account, missed in (("a1", 0), ("a2", 5)):
        for n in range(missed + 1, missed + 12):
            driver.send(aging(account, START + timedelta(days=n), n - missed, 5000))
    driver.send(repayment("a1", 5000, at(START + timedelta(days=12), 9)))
    outputs = [o for _, o in driver.log]
    tally = Tally()
    tally.count(outputs)
    metrics, registry = fresh((driver.state.strategy_variant,) if driver.state else ())
    assert driver.state is not None
    count_decision(metrics.kpis, driver.state, driver.state, outputs)
    variant = driver.state.strategy_variant
    for tier in (Tier.MILD, Tier.MODERATE):
        labels = {"variant": variant, "tier": tier.value}
        assert tally.entered[(variant, tier)] == sample(
            registry, "collections_variant_tier_entered_accounts_total", **labels
        )
        assert tally.recovered[(variant, tier)] == sample(
            registry, "collections_variant_tier_recovered_accounts_total", **labels
        )
    assert tally.recovered[(variant, Tier.MODERATE)] == 1
    assert isinstance(outputs[0], SegmentChanged)
