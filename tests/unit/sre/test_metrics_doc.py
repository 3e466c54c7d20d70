"""docs/metrics.md names every metric the workers export and every rule."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from streams.metrics import PipelineMetrics
from tests.unit.sre.prom_assets import ROOT, rules

DOC = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")


def test_every_exported_metric_is_documented() -> None:
    registry = CollectorRegistry()
    PipelineMetrics(registry)
    names = {f.name + ("_total" if f.type == "counter" else "") for f in registry.collect()}
    assert {n for n in names if f"`{n}`" not in DOC} == set()


def test_every_recording_rule_and_alert_is_documented() -> None:
    names = {rule.get("record") or rule["alert"] for rule in rules()}
    assert {n for n in names if n not in DOC} == set()
