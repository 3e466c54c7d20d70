"""Fixtures for the SRE asset tests: promtool and the names the workers export."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from streams.metrics import PipelineMetrics, exported_metric_names
from tests.unit.sre.prom_assets import ROOT, rules


@pytest.fixture(scope="session")
def promtool() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run promtool; fails (never skips) when it is not installed."""
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail(
            "promtool not found on PATH: install Debian's 'prometheus' package "
            "(apt-get install -y prometheus), as .ci/run does"
        )

    def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=240,
        )

    return run


@pytest.fixture(scope="session")
def exported_names() -> frozenset[str]:
    """Every series name a worker exposes (currency-labelled ones need a currency)."""
    registry = CollectorRegistry()
    PipelineMetrics(registry, topics=["collections.aging.v1"], currencies=["CNY"])
    return exported_metric_names(registry)


@pytest.fixture(scope="session")
def recorded_names() -> frozenset[str]:
    return frozenset(rule["record"] for rule in rules() if "record" in rule)
