"""A real Prometheus server scrapes two real worker processes; its recording rules and the
recovery alert give the values a scripted scenario implies.

The scenario (one account per customer, all in CNY, aging snapshots only):

    phase 1   10 current, 10 mild (3 DPD), 10 moderate (15 DPD)
    phase 2   the 10 mild pay up (DPD 0); of the moderate, 3 pay up, 4 roll to heavy
              (31 DPD) and 3 stay moderate

so recovery per tier is mild 10/10, moderate 3/10, heavy 0/4; the delinquency ratio goes
from 20/30 to 7/30; the one-day roll rates out of moderate are 3/10 to current and 4/10 to
heavy. Prometheus runs the rule files of deploy/prometheus/ on a fast clock (see
``prometheus_server``): a day lasts 30 s there, so the test sees windows and offsets work.

Rates computed with ``increase()`` are extrapolated by Prometheus to the window's edges, a
few per cent at 1 s scrapes; those values are compared with a 10 % tolerance, which still
tells 3/10 from 2/10 or 4/10. Gauge ratios are exact.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from streams.contract.admin import ensure_topics
from streams.contract.catalogue import Catalogue, catalogue
from streams.core.model import AgingSnapshot
from streams.demo.kafka_io import EventPublisher
from streams.settings import Settings
from tests.integration.prometheus_server import PrometheusServer, scaled_seconds
from tests.integration.worker_process import WorkerProcess
from tests.kafka_broker import ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(400)]

PARTITIONS = 4
DAY1 = date(2026, 3, 2)
DAY2 = date(2026, 3, 3)
OVERDUE = 50_000
TOLERANCE = 0.1
ALERT = "CollectionsRecoveryBelowTarget"
DAY_S = scaled_seconds(1, "d")  # one day on the test Prometheus' clock


def snapshot(customer: str, day: date, dpd: int) -> AgingSnapshot:
    at = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    return AgingSnapshot(
        event_id=f"{customer}-{day.isoformat()}",
        occurred_at=at,
        customer_id=customer,
        account_id=f"{customer}-loan",
        as_of=day,
        days_past_due=dpd,
        overdue_amount=OVERDUE if dpd else 0,
        outstanding_balance=900_000,
        currency="CNY",
        product="cash_loan",
    )


def phase_one() -> list[AgingSnapshot]:
    return [
        *(snapshot(f"cur{i}", DAY1, 0) for i in range(10)),
        *(snapshot(f"mild{i}", DAY1, 3) for i in range(10)),
        *(snapshot(f"mod{i}", DAY1, 15) for i in range(10)),
    ]


def phase_two() -> list[AgingSnapshot]:
    return [
        *(snapshot(f"cur{i}", DAY2, 0) for i in range(10)),
        *(snapshot(f"mild{i}", DAY2, 0) for i in range(10)),
        *(snapshot(f"mod{i}", DAY2, 0) for i in range(3)),
        *(snapshot(f"mod{i}", DAY2, 31) for i in range(3, 7)),
        *(snapshot(f"mod{i}", DAY2, 16) for i in range(7, 10)),
    ]


@pytest.fixture
def workers(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> Iterator[tuple[Catalogue, list[WorkerProcess]]]:
    name = unique_name()
    base = Settings(
        kafka_bootstrap=kafka_bootstrap,
        app_id=f"{name}-app",
        store="memory://",
        clock="event",
        partitions=PARTITIONS,
        topic_prefix=f"{name}.",
        batch_within=0.02,
        replication_factor=1,
    )
    cat = catalogue(base.topic_prefix, base.partitions)
    report = ensure_topics(kafka_bootstrap, cat)
    assert report.ok, report.lines()
    procs = [
        WorkerProcess(
            dataclasses.replace(base, data_dir=tmp_path / f"worker-{i}"),
            tmp_path / f"worker-{i}.log",
        )
        for i in range(2)
    ]
    try:
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.wait_ready(timeout=180)
        yield cat, procs
    finally:
        for proc in procs:
            assert proc.stop() == 0, f"worker did not stop cleanly; see {proc.log_path}"


@pytest.fixture
def prometheus(
    workers: tuple[Catalogue, list[WorkerProcess]], tmp_path: Path
) -> Iterator[PrometheusServer]:
    _, procs = workers
    server = PrometheusServer(tmp_path / "prometheus", [f"127.0.0.1:{p.port}" for p in procs])
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def one(result: dict[frozenset[tuple[str, str]], float], **labels: str) -> float | None:
    return result.get(frozenset(labels.items()))


def test_recording_rules_and_the_recovery_alert_over_two_scraped_workers(
    workers: tuple[Catalogue, list[WorkerProcess]], prometheus: PrometheusServer
) -> None:
    cat, procs = workers
    prom = prometheus

    # both workers share the partitions, and Prometheus has seen their zero counters
    prom.wait_for(
        lambda: (
            prom.query("sum(collections_portfolio_partitions)") == {frozenset(): PARTITIONS}
            and prom.query("count(collections_portfolio_partitions > 0)") == {frozenset(): 2}
        ),
        "two workers owning every partition between them",
    )
    loaded = {g["name"] for g in prom.api("rules")["groups"]}
    shipped = {
        group["name"]
        for path in sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
        for group in yaml.safe_load(path.read_text())["groups"]
    }
    assert loaded == shipped and "collections-recovery" in loaded

    publisher = EventPublisher(procs[0].settings.kafka_bootstrap, cat)
    try:
        publisher.publish(phase_one())
        prom.wait_for(
            lambda: (
                one(prom.query("tier:collections_portfolio_accounts:sum"), tier="moderate") == 10
                and one(prom.query("tier:collections_portfolio_accounts:sum"), tier="mild") == 10
            ),
            "phase one in the portfolio",
        )
        per_worker = prom.query("sum by (instance) (collections_portfolio_accounts)")
        assert len(per_worker) == 2 and all(v > 0 for v in per_worker.values()), per_worker
        assert prom.query("portfolio:collections_delinquent_accounts:ratio") == {
            frozenset(): pytest.approx(20 / 30)
        }
        # nobody has recovered yet: both delinquent tiers miss their targets
        prom.wait_for(lambda: prom.firing(ALERT) == {"mild", "moderate"}, "phase one alerts")

        phase_two_at = time.time()
        publisher.publish(phase_two())
    finally:
        publisher.close()

    prom.wait_for(
        lambda: (
            one(prom.query("tier:collections_portfolio_accounts:sum"), tier="heavy") == 4
            and one(prom.query("tier:collections_portfolio_accounts:sum"), tier="current") == 23
        ),
        "phase two in the portfolio",
    )
    assert prom.query("portfolio:collections_delinquent_accounts:ratio") == {
        frozenset(): pytest.approx(7 / 30)
    }
    assert prom.query("portfolio:collections_delinquent_accounts_30dpd:ratio") == {
        frozenset(): pytest.approx(4 / 30)
    }

    # mild recovered in full and its alert resolves; moderate and heavy still miss
    prom.wait_for(lambda: prom.firing(ALERT) == {"moderate", "heavy"}, "phase two alerts")
    recovery = prom.query("tier:collections_recovery_accounts:ratio_7d")
    assert set(recovery) == {frozenset({("tier", t)}) for t in ("mild", "moderate", "heavy")}
    assert one(recovery, tier="mild") == pytest.approx(1.0)
    assert one(recovery, tier="moderate") == pytest.approx(3 / 10, rel=TOLERANCE)
    assert one(recovery, tier="heavy") == 0.0

    # Roll rates: transitions over the last "day" / accounts in the tier a "day" ago. The
    # ratio is defined while that day-ago look sees phase one and the window holds phase
    # two, i.e. until one (fast) day after phase two was published: read it just before.
    at = phase_two_at + DAY_S - 2
    prom.wait_for(lambda: time.time() > at + 2, "the rules' evaluation after the roll")
    rolls = prom.query_at("from_tier_to_tier:collections_roll:ratio_1d", at)
    assert one(rolls, from_tier="moderate", to_tier="heavy") == pytest.approx(4 / 10, rel=TOLERANCE)
    assert one(rolls, from_tier="moderate", to_tier="current") == pytest.approx(
        3 / 10, rel=TOLERANCE
    )
    assert one(rolls, from_tier="mild", to_tier="current") == pytest.approx(1.0, rel=TOLERANCE)
    assert one(rolls, from_tier="moderate", to_tier="severe") == 0.0
