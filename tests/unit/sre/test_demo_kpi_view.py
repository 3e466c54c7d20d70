"""The demo's live view shows the managers' KPIs, read from a real worker registry."""

from __future__ import annotations

from dataclasses import replace

from prometheus_client import CollectorRegistry

from streams.contract.examples import SEGMENT_CHANGED
from streams.core.model import Bucket, Channel, ContactResult, Output, Tier
from streams.core.state import CustomerState
from streams.demo.scrape import WorkerFigures
from streams.demo.view import kpi_lines
from streams.metrics import AccountFigures, PipelineMetrics, render
from streams.metrics.kpis import count_decision


def test_the_live_view_shows_variants_connects_mixes_and_plans() -> None:
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry, currencies=["CNY"], variants=["champion"])
    for i, (tier, bucket) in enumerate(
        [(Tier.CURRENT, Bucket.M0)] * 6 + [(Tier.MILD, Bucket.M1)] * 3 + [(Tier.SEVERE, Bucket.M3)]
    ):
        figures = AccountFigures(tier, bucket, 0 if tier is Tier.CURRENT else 5, 100, 1000, "CNY")
        metrics.account_changed(0, f"k{i}", None, figures)
    entered = replace(
        SEGMENT_CHANGED, from_tier=Tier.CURRENT, to_tier=Tier.MILD, strategy_variant="champion"
    )
    outputs: list[Output] = [
        entered,
        replace(entered, from_tier=Tier.MILD, to_tier=Tier.CURRENT),
        ContactResult(Channel.AGENT_CALL, True, True, "champion"),
    ]
    count_decision(metrics.kpis, None, CustomerState("c1"), outputs)
    for _ in range(4):
        metrics.record_contact(Channel.AGENT_CALL)
    text = "\n".join(kpi_lines(WorkerFigures.from_text(render(registry).decode())))
    assert "champion: mild 100%" in text
    assert "agent 25%/25%" in text
    assert "M1-M3 delinquency ratio: 40%" in text
    assert "mild 75% (60%)" in text and "severe 25% (5%)" in text
    assert "litigation referrals 0" in text
