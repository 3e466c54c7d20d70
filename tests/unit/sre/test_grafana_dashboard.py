"""deploy/grafana: the provisioned dashboard parses and names only metrics that exist."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.sre.prom_assets import BUILTIN_SERIES, GRAFANA, load_yaml, promql_metric_names

Promtool = Callable[..., subprocess.CompletedProcess[str]]
DASHBOARD = GRAFANA / "dashboards" / "collections-overview.json"
# Grafana's variables, replaced by a value of the right kind before PromQL parsing
VARIABLES = {"__rate_interval": "5m", "__interval": "1m", "__range": "1d", "currency": "CNY"}
VARIABLE = re.compile(r"\$\{?([A-Za-z_]\w*)\}?")


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _dashboard() -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return dashboard


def _exprs() -> list[str]:
    return [
        target["expr"]
        for panel in _panels(_dashboard()["panels"])
        for target in panel.get("targets", [])
    ]


def _substituted(expr: str) -> str:
    def value(match: re.Match[str]) -> str:
        if match.group(1) not in VARIABLES:
            raise AssertionError(f"unknown dashboard variable ${match.group(1)} in {expr!r}")
        return VARIABLES[match.group(1)]

    return VARIABLE.sub(value, expr)


def _variable_queries() -> list[str]:
    return [v["definition"] for v in _dashboard()["templating"]["list"] if v["type"] == "query"]


def test_every_dashboard_query_parses_as_promql(promtool: Promtool, tmp_path: Path) -> None:
    exprs = [_substituted(e) for e in _exprs()]
    rules = [{"record": f"dashboard:query_{i}:check", "expr": e} for i, e in enumerate(exprs)]
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = promtool("check", "rules", path)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert f"{len(exprs)} rules found" in result.stdout


def test_dashboard_queries_name_only_exported_metrics_or_recording_rules(
    exported_names: frozenset[str], recorded_names: frozenset[str]
) -> None:
    known = exported_names | recorded_names | BUILTIN_SERIES
    used = {name for expr in _exprs() for name in promql_metric_names(_substituted(expr))}
    assert used - known == set()


def test_template_variables_query_an_exported_metric(exported_names: frozenset[str]) -> None:
    metrics = {re.fullmatch(r"label_values\((\w+), *\w+\)", q) for q in _variable_queries()}
    assert None not in metrics
    assert {m.group(1) for m in metrics if m} <= exported_names


def test_dashboard_has_the_overview_and_pipeline_health_rows() -> None:
    rows = [p["title"] for p in _dashboard()["panels"] if p["type"] == "row"]
    assert rows == ["Collections overview", "Pipeline health"]


@pytest.mark.parametrize(
    "metric",
    [
        "tier:collections_portfolio_accounts:sum",
        "tier:collections_recovery_accounts:ratio_7d",
        "tier:collections_recovery_target:ratio",
        "portfolio:collections_delinquent_accounts:ratio",
        "from_tier_to_tier:collections_roll:ratio_1d",
        "channel:collections_contacts_emitted:rate5m",
        "collections_promises_resolved_total",
        "topic:collections_events_processed:rate5m",
        "reason:collections_dead_letters:increase1h",
        "job:collections_processing_latency_seconds:p99_5m",
        "topic:collections_consumer_lag_messages:sum",
        "collections_rebalances_total",
        "collections_table_recovery_seconds_count",
        # the managers' KPIs (issue 12)
        "variant_tier:collections_recovery_accounts:ratio_7d",
        "channel:collections_connect:ratio_1d",
        "channel:collections_right_party_contact:ratio_1d",
        "portfolio:collections_delinquent_accounts_m1_m3:ratio",
        "tier:collections_overdue_accounts:share",
        "customer_type:collections_delinquent_customers_entered:share_30d",
        "status:collections_repayment_plans:increase30d",
        "collections_litigation_referrals_total",
    ],
)
def test_dashboard_shows(metric: str) -> None:
    assert any(metric in promql_metric_names(_substituted(e)) for e in _exprs())


def test_every_panel_uses_the_provisioned_prometheus_datasource() -> None:
    provisioned = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")
    uid = provisioned["datasources"][0]["uid"]
    panels = [p for p in _panels(_dashboard()["panels"]) if p["type"] != "row"]
    assert {p["datasource"]["uid"] for p in panels} == {uid}


def test_dashboard_provider_loads_json_files_from_a_directory() -> None:
    provider = load_yaml(GRAFANA / "provisioning" / "dashboards" / "collections.yml")
    assert provider["providers"][0]["type"] == "file"
    assert provider["providers"][0]["options"]["path"]
