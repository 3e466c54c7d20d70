"""A real worker process, scraped over HTTP: exact numbers after a small scenario, and a
scrape that promtool accepts."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from streams.core.model import AgingSnapshot, Repayment
from streams.settings import Settings
from tests.integration.pipeline_harness import pipeline_settings, publish, topics_for
from tests.integration.worker_process import WorkerProcess, committed_lag

pytestmark = pytest.mark.kafka

DAY1 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
PAID = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 the next morning
N_MILD, N_PAY, OVERDUE = 5, 3, 12_000


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    scrape: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


def wait_committed(settings: Settings, topics: list[str]) -> None:
    deadline = time.monotonic() + 60
    while committed_lag(settings.kafka_bootstrap, settings.app_id, topics, settings.partitions):
        assert time.monotonic() < deadline, "worker did not commit the scenario"
        time.sleep(0.2)


@pytest.mark.timeout(300)
def test_a_scraped_worker_reports_exactly_the_accounts_that_entered_mild_and_recovered(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    inputs = [t.name for t in cat.inputs()]
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        customers = [f"m{i}" for i in range(N_MILD)]
        publish(
            kafka_bootstrap,
            cat,
            [
                AgingSnapshot(
                    f"{c}-a1",
                    DAY1,
                    c,
                    f"{c}-loan",
                    date(2026, 3, 2),
                    2,
                    OVERDUE,
                    900_000,
                    "CNY",
                    "loan",
                )
                for c in customers
            ],
        )
        wait_committed(settings, inputs)
        publish(
            kafka_bootstrap,
            cat,
            [
                Repayment(f"{c}-pay", PAID, c, f"{c}-loan", OVERDUE, "CNY", PAID, "bank-transfer")
                for c in customers[:N_PAY]
            ],
        )
        wait_committed(settings, inputs)
        status, body = worker.get("/metrics")
        assert status == 200
        text = body.decode()
    finally:
        assert worker.stop() == 0, "a SIGTERM'd worker shuts down cleanly"

    scrape = samples(text)
    assert value(scrape, "collections_tier_entered_accounts_total", tier="mild") == N_MILD
    assert value(scrape, "collections_tier_recovered_accounts_total", tier="mild") == N_PAY
    assert (
        value(
            scrape,
            "collections_tier_recovered_overdue_minor_units_total",
            tier="mild",
            currency="CNY",
        )
        == N_PAY * OVERDUE
    )
    assert (
        value(scrape, "collections_portfolio_accounts", tier="mild", bucket="M1") == N_MILD - N_PAY
    )
    assert value(scrape, "collections_portfolio_accounts", tier="current", bucket="M0") == N_PAY
    assert (
        value(
            scrape,
            "collections_portfolio_overdue_minor_units",
            tier="mild",
            bucket="M1",
            currency="CNY",
        )
        == (N_MILD - N_PAY) * OVERDUE
    )
    assert value(scrape, "collections_events_processed_total", topic=cat.aging.name) == N_MILD
    assert value(scrape, "collections_events_processed_total", topic=cat.repayments.name) == N_PAY
    assert value(scrape, "collections_dead_letters_total", reason="undecodable") == 0

    # a restarted worker rebuilds its gauges from the recovered table alone
    again = WorkerProcess(settings, tmp_path / "worker-2.log")
    again.start()
    try:
        again.wait_ready()
        rebuilt = samples(again.get("/metrics")[1].decode())
    finally:
        assert again.stop() == 0
    for tier, bucket, count in (("mild", "M1", N_MILD - N_PAY), ("current", "M0", N_PAY)):
        assert value(rebuilt, "collections_portfolio_accounts", tier=tier, bucket=bucket) == count
    assert (
        value(
            rebuilt,
            "collections_portfolio_overdue_minor_units",
            tier="mild",
            bucket="M1",
            currency="CNY",
        )
        == (N_MILD - N_PAY) * OVERDUE
    )

    promtool = shutil.which("promtool")
    assert promtool, "promtool is required (Debian package 'prometheus'; make setup installs it)"
    check = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
