"""PipelineMetrics: names, labels initialised up front, and what each recording call counts."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY, CollectorRegistry

from streams.core.model import Bucket, Channel, PromiseStatus, SuppressionReason, Tier
from streams.metrics import AccountFigures, PipelineMetrics, exported_metric_names

ALLOWED_LABELS = {
    "tier",
    "bucket",
    "currency",
    "from_tier",
    "to_tier",
    "channel",
    "reason",
    "status",
    "topic",
    "partition",
    "result",
    "le",
    "variant",  # the strategy file's variant names
    "customer_type",  # first_time, repeat, wilful
    "from_type",
    "to_type",
}


def new() -> tuple[PipelineMetrics, CollectorRegistry]:
    registry = CollectorRegistry()
    return PipelineMetrics(registry, topics=["collections.aging.v1"], currencies=["CNY"]), registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    sample = registry.get_sample_value(name, labels)
    assert sample is not None, f"{name}{labels} is not exported"
    return sample


def test_metrics_go_to_the_given_registry_and_not_the_global_one() -> None:
    _, registry = new()
    new()  # a second worker in the same process does not clash
    assert "collections_events_processed_total" in exported_metric_names(registry)
    assert not any(name.startswith("collections_") for name in exported_metric_names(REGISTRY))


def test_bounded_label_values_are_exported_at_zero_before_anything_happens() -> None:
    _, registry = new()
    assert (
        value(
            registry,
            "collections_contacts_suppressed_total",
            channel="legal_letter",
            reason="daily_cap",
        )
        == 0
    )
    assert (
        value(registry, "collections_contacts_deferred_total", channel="ivr", reason="quiet_hours")
        == 0
    )
    assert (
        value(registry, "collections_tier_transitions_total", from_tier="severe", to_tier="current")
        == 0
    )
    assert (
        value(
            registry,
            "collections_tier_recovered_overdue_minor_units_total",
            tier="heavy",
            currency="CNY",
        )
        == 0
    )
    assert value(registry, "collections_events_processed_total", topic="collections.aging.v1") == 0
    assert value(registry, "collections_dead_letters_total", reason="decode") == 0


def test_entering_a_tier_counts_the_account_and_its_overdue_amount() -> None:
    metrics, registry = new()
    metrics.record_segment_change(
        Tier.MILD, Tier.MODERATE, overdue_before=100, overdue_after=250, currency="CNY"
    )
    assert value(registry, "collections_tier_entered_accounts_total", tier="moderate") == 1
    assert (
        value(
            registry,
            "collections_tier_entered_overdue_minor_units_total",
            tier="moderate",
            currency="CNY",
        )
        == 250
    )
    assert (
        value(registry, "collections_tier_transitions_total", from_tier="mild", to_tier="moderate")
        == 1
    )


def test_going_back_to_current_is_a_recovery_of_the_tier_left_with_what_was_owed() -> None:
    metrics, registry = new()
    metrics.record_segment_change(
        Tier.HEAVY, Tier.CURRENT, overdue_before=4200, overdue_after=0, currency="CNY"
    )
    assert value(registry, "collections_tier_recovered_accounts_total", tier="heavy") == 1
    assert (
        value(
            registry,
            "collections_tier_recovered_overdue_minor_units_total",
            tier="heavy",
            currency="CNY",
        )
        == 4200
    )
    assert value(registry, "collections_tier_entered_accounts_total", tier="heavy") == 0


def test_a_bucket_or_type_change_within_a_tier_counts_nothing() -> None:
    metrics, registry = new()
    metrics.record_segment_change(
        Tier.SEVERE, Tier.SEVERE, overdue_before=1, overdue_after=2, currency="CNY"
    )
    assert value(registry, "collections_tier_entered_accounts_total", tier="severe") == 0


def test_account_changed_moves_the_portfolio_and_counts_the_flow_once() -> None:
    metrics, registry = new()
    mild = AccountFigures(Tier.MILD, Bucket.M1, 5, 300, 3000, "CNY")
    cured = AccountFigures(Tier.CURRENT, Bucket.M0, 0, 0, 2700, "CNY")
    metrics.account_changed(4, "acct-9", None, mild)
    metrics.account_changed(4, "acct-9", mild, cured)
    assert value(registry, "collections_tier_entered_accounts_total", tier="mild") == 1
    assert (
        value(
            registry,
            "collections_tier_recovered_overdue_minor_units_total",
            tier="mild",
            currency="CNY",
        )
        == 300
    )
    assert (
        value(registry, "collections_tier_transitions_total", from_tier="current", to_tier="mild")
        == 1
    )
    assert value(registry, "collections_portfolio_accounts", tier="current", bucket="M0") == 1
    assert value(registry, "collections_portfolio_accounts", tier="mild", bucket="M1") == 0


def test_revoked_partition_drops_its_accounts_and_its_lag() -> None:
    metrics, registry = new()
    metrics.assigned(1, [AccountFigures(Tier.MILD, Bucket.M1, 2, 10, 100, "CNY")])
    metrics.set_consumer_lag("collections.aging.v1", 1, 40)
    metrics.set_consumer_lag("collections.aging.v1", 2, 5)
    metrics.revoked(1)
    assert value(registry, "collections_portfolio_accounts", tier="mild", bucket="M1") == 0
    assert (
        registry.get_sample_value(
            "collections_consumer_lag_messages", {"topic": "collections.aging.v1", "partition": "1"}
        )
        is None
    )


def test_promises_made_and_resolved_are_separate_counters() -> None:
    metrics, registry = new()
    for status in (
        PromiseStatus.PENDING,
        PromiseStatus.PENDING,
        PromiseStatus.KEPT,
        PromiseStatus.BROKEN,
    ):
        metrics.record_promise(status)
    assert value(registry, "collections_promises_made_total") == 2
    assert value(registry, "collections_promises_resolved_total", status="kept") == 1
    assert value(registry, "collections_promises_resolved_total", status="broken") == 1


def test_contacts_are_counted_by_channel_and_held_back_ones_by_reason() -> None:
    metrics, registry = new()
    metrics.record_contact(Channel.SMS)
    metrics.record_suppressed(Channel.AGENT_CALL, SuppressionReason.ATTEMPT_CAP)
    metrics.record_deferred(Channel.IVR, SuppressionReason.QUIET_HOURS)
    assert value(registry, "collections_contacts_emitted_total", channel="sms") == 1
    assert (
        value(
            registry,
            "collections_contacts_suppressed_total",
            channel="agent_call",
            reason="attempt_cap",
        )
        == 1
    )
    assert (
        value(registry, "collections_contacts_deferred_total", channel="ivr", reason="quiet_hours")
        == 1
    )


@pytest.mark.parametrize("reason", ["Customer C-1001 bad", "x" * 41, "", "acct:42"])
def test_a_malformed_dead_letter_reason_is_counted_as_other(reason: str) -> None:
    metrics, registry = new()
    metrics.record_dead_letter(reason)
    assert value(registry, "collections_dead_letters_total", reason="other") == 1


def test_dead_letter_reasons_stop_growing_past_the_cap() -> None:
    metrics, registry = new()
    for i in range(100):
        metrics.record_dead_letter(f"reason_{i}")
    family = next(f for f in registry.collect() if f.name == "collections_dead_letters")
    reasons = {s.labels["reason"] for s in family.samples if s.name.endswith("_total")}
    assert len(reasons) <= 32
    assert value(registry, "collections_dead_letters_total", reason="other") > 0


def test_latency_is_observed_in_seconds_and_clock_skew_counts_as_zero() -> None:
    metrics, registry = new()
    metrics.observe_latency(0.3)
    metrics.observe_latency(-2.0)
    name = "collections_processing_latency_seconds"
    assert value(registry, f"{name}_count") == 2
    assert value(registry, f"{name}_bucket", le="0.01") == 1
    assert value(registry, f"{name}_sum") == pytest.approx(0.3)


def test_events_rebalances_and_table_recovery_are_counted() -> None:
    metrics, registry = new()
    metrics.record_event("collections.aging.v1")
    metrics.record_rebalance()
    metrics.observe_table_recovery(12.5)
    assert value(registry, "collections_events_processed_total", topic="collections.aging.v1") == 1
    assert value(registry, "collections_rebalances_total") == 1
    assert value(registry, "collections_table_recovery_seconds_sum") == 12.5


def test_names_are_prefixed_and_labels_never_carry_an_account_or_customer() -> None:
    metrics, registry = new()
    figures = AccountFigures(Tier.MILD, Bucket.M1, 5, 300, 3000, "CNY")
    metrics.account_changed(0, "customer-77/account-42", None, figures)
    metrics.record_event("collections.aging.v1")
    families = list(registry.collect())
    assert all(f.name.startswith("collections_") for f in families)
    labels = {name for f in families for s in f.samples for name in s.labels}
    values = {v for f in families for s in f.samples for v in s.labels.values()}
    assert labels <= ALLOWED_LABELS
    assert not any("account" in v or "customer" in v for v in values)


def test_counters_end_in_total_and_gauges_do_not() -> None:
    _, registry = new()
    for family in registry.collect():
        for sample in family.samples:
            if family.type == "counter" and not sample.name.endswith("_created"):
                assert sample.name.endswith("_total")
            if family.type == "gauge":
                assert not sample.name.endswith("_total")
