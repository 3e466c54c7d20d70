"""deploy/prometheus: promtool unit tests, rule and config checks, names the rules use."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry

from streams.metrics import PipelineMetrics, render
from streams.settings import Settings
from tests.unit.sre.prom_assets import (
    BUILTIN_SERIES,
    PROMETHEUS,
    load_yaml,
    promql_metric_names,
    rule_files,
    rules,
)

Promtool = Callable[..., subprocess.CompletedProcess[str]]
TESTS = sorted((PROMETHEUS / "tests").glob("*_test.yml"))


def _ok(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == 0


def _report(result: subprocess.CompletedProcess[str]) -> str:
    return f"promtool exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def _unit_tests() -> list[dict[str, Any]]:
    return [case for path in TESTS for case in load_yaml(path)["tests"]]


def test_promtool_unit_tests_of_the_rules_pass(promtool: Promtool) -> None:
    result = promtool("test", "rules", *TESTS)
    assert _ok(result), _report(result)


def test_rule_files_pass_promtool_check(promtool: Promtool) -> None:
    result = promtool("check", "rules", *rule_files())
    assert _ok(result), _report(result)


def test_prometheus_config_is_valid_and_loads_every_rule_file(promtool: Promtool) -> None:
    result = promtool("check", "config", PROMETHEUS / "prometheus.yml")
    assert _ok(result), _report(result)
    assert f"{len(rule_files())} rule files found" in result.stdout


def test_scrape_config_targets_the_default_worker_metrics_port() -> None:
    config = load_yaml(PROMETHEUS / "prometheus.yml")
    targets = [
        t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]
    ]
    assert f"127.0.0.1:{Settings().metrics_port}" in targets


def test_every_recording_rule_is_checked_by_a_unit_test() -> None:
    tested = {
        name
        for case in _unit_tests()
        for check in case.get("promql_expr_test", [])
        for name in promql_metric_names(check["expr"])
    }
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    assert recorded - tested == set()


def test_every_alert_is_tested_both_firing_and_quiet() -> None:
    checks = [check for case in _unit_tests() for check in case.get("alert_rule_test", [])]
    firing = {c["alertname"] for c in checks if c["exp_alerts"]}
    quiet = {c["alertname"] for c in checks if not c["exp_alerts"]}
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}
    assert (alerts - firing, alerts - quiet) == (set(), set())


def test_rules_use_only_metrics_the_workers_export_or_rules_record(
    exported_names: frozenset[str], recorded_names: frozenset[str]
) -> None:
    known = exported_names | recorded_names | BUILTIN_SERIES
    used = {name for rule in rules() for name in promql_metric_names(rule["expr"])}
    assert used - known == set()


def metric_name(series: str) -> str:
    """The metric name a ``promtool`` input series starts with."""
    name = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", series)
    assert name is not None, series
    return name.group()


def test_unit_test_inputs_are_series_the_workers_export(exported_names: frozenset[str]) -> None:
    inputs = {
        metric_name(series["series"]) for case in _unit_tests() for series in case["input_series"]
    }
    assert inputs - exported_names - BUILTIN_SERIES == set()


def test_recording_rules_are_named_level_metric_operation() -> None:
    names = {rule["record"] for rule in rules() if "record" in rule}
    malformed = {n for n in names if not re.fullmatch(r"[a-z_]+:collections_[a-z0-9_]+:\w+", n)}
    assert malformed == set()


def test_exposition_of_a_worker_passes_promtool_check_metrics(promtool: Promtool) -> None:
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry, topics=["collections.aging.v1"], currencies=["CNY"])
    metrics.observe_latency(0.2)
    metrics.set_consumer_lag("collections.aging.v1", 0, 3)
    result = promtool("check", "metrics", stdin=render(registry).decode())
    assert _ok(result), _report(result)
