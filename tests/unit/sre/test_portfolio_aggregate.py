"""PortfolioAggregate: per-partition totals, summed at scrape time, right across workers."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from streams.core.model import Bucket, Tier
from streams.metrics import AccountFigures, PortfolioAggregate

ACCOUNTS = "collections_portfolio_accounts"
OVERDUE = "collections_portfolio_overdue_minor_units"
OUTSTANDING = "collections_portfolio_outstanding_minor_units"


def figures(tier: Tier = Tier.MILD, overdue: int = 100, currency: str = "CNY") -> AccountFigures:
    bucket = {
        Tier.CURRENT: Bucket.M0,
        Tier.MILD: Bucket.M1,
        Tier.MODERATE: Bucket.M1,
        Tier.HEAVY: Bucket.M2,
        Tier.SEVERE: Bucket.M3,
    }[tier]
    dpd = {Tier.CURRENT: 0, Tier.MILD: 3, Tier.MODERATE: 20, Tier.HEAVY: 45, Tier.SEVERE: 70}
    return AccountFigures(tier, bucket, dpd[tier], overdue, overdue * 10, currency)


class Worker:
    """One worker's registry and aggregate."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.portfolio = PortfolioAggregate()
        self.registry.register(self.portfolio)

    def accounts(self, tier: Tier, bucket: Bucket) -> float:
        value = self.registry.get_sample_value(ACCOUNTS, {"tier": tier, "bucket": bucket})
        assert value is not None
        return value

    def money(self, name: str, tier: Tier, bucket: Bucket, currency: str = "CNY") -> float | None:
        labels = {"tier": tier, "bucket": bucket, "currency": currency}
        return self.registry.get_sample_value(name, labels)


def test_rebuilt_partition_reports_its_accounts_by_tier_and_bucket() -> None:
    worker = Worker()
    worker.portfolio.rebuild_partition(
        0, [figures(Tier.MILD, 100), figures(Tier.MILD, 50), figures(Tier.HEAVY, 700)]
    )
    assert worker.accounts(Tier.MILD, Bucket.M1) == 2
    assert worker.accounts(Tier.HEAVY, Bucket.M2) == 1
    assert worker.money(OVERDUE, Tier.MILD, Bucket.M1) == 150
    assert worker.money(OUTSTANDING, Tier.HEAVY, Bucket.M2) == 7000


def test_a_change_moves_the_account_between_tiers_without_a_rebuild() -> None:
    worker = Worker()
    worker.portfolio.rebuild_partition(3, [figures(Tier.MILD, 100)])
    worker.portfolio.update(3, "acct-1", figures(Tier.MILD, 100), figures(Tier.MODERATE, 300))
    assert (worker.accounts(Tier.MILD, Bucket.M1), worker.accounts(Tier.MODERATE, Bucket.M1)) == (
        0,
        1,
    )
    assert worker.money(OVERDUE, Tier.MODERATE, Bucket.M1) == 300


def test_a_new_account_adds_and_a_removed_one_subtracts() -> None:
    worker = Worker()
    worker.portfolio.update(1, "acct-1", None, figures(Tier.SEVERE, 900))
    worker.portfolio.update(1, "acct-2", None, figures(Tier.SEVERE, 100))
    worker.portfolio.update(1, "acct-1", figures(Tier.SEVERE, 900), None)
    assert worker.accounts(Tier.SEVERE, Bucket.M3) == 1
    assert worker.money(OVERDUE, Tier.SEVERE, Bucket.M3) == 100


def test_revoked_partition_vanishes_from_the_gauges() -> None:
    worker = Worker()
    worker.portfolio.rebuild_partition(0, [figures(Tier.MILD)])
    worker.portfolio.rebuild_partition(1, [figures(Tier.MILD), figures(Tier.MILD)])
    worker.portfolio.drop_partition(1)
    assert worker.accounts(Tier.MILD, Bucket.M1) == 1
    assert worker.registry.get_sample_value("collections_portfolio_partitions") == 1


def test_rebuilding_a_partition_replaces_its_totals_instead_of_adding() -> None:
    worker = Worker()
    table = [figures(Tier.MODERATE), figures(Tier.MODERATE)]
    worker.portfolio.rebuild_partition(2, table)
    worker.portfolio.rebuild_partition(2, table)
    assert worker.accounts(Tier.MODERATE, Bucket.M1) == 2


def test_sum_over_workers_is_the_portfolio_before_and_after_a_partition_moves() -> None:
    tables = {
        0: [figures(Tier.MILD, 10), figures(Tier.CURRENT, 0)],
        1: [figures(Tier.MILD, 20), figures(Tier.HEAVY, 40)],
        2: [figures(Tier.MILD, 30)],
    }
    first, second = Worker(), Worker()
    for partition in (0, 1):
        first.portfolio.rebuild_partition(partition, tables[partition])
    second.portfolio.rebuild_partition(2, tables[2])

    def total_mild() -> tuple[float, float | None]:
        count = first.accounts(Tier.MILD, Bucket.M1) + second.accounts(Tier.MILD, Bucket.M1)
        overdue = [w.money(OVERDUE, Tier.MILD, Bucket.M1) for w in (first, second)]
        return count, sum(v for v in overdue if v is not None)

    assert total_mild() == (3, 60)
    first.portfolio.drop_partition(1)  # rebalance: partition 1 moves to the second worker
    second.portfolio.rebuild_partition(1, tables[1])
    assert total_mild() == (3, 60)
    assert first.accounts(Tier.HEAVY, Bucket.M2) + second.accounts(Tier.HEAVY, Bucket.M2) == 1


def test_standard_tier_bucket_cells_are_exported_at_zero_before_any_account() -> None:
    worker = Worker()
    assert worker.accounts(Tier.SEVERE, Bucket.M3_PLUS) == 0
    assert worker.accounts(Tier.CURRENT, Bucket.M0) == 0


def test_money_is_split_by_currency() -> None:
    worker = Worker()
    worker.portfolio.rebuild_partition(
        0, [figures(Tier.MILD, 100, "CNY"), figures(Tier.MILD, 7, "USD")]
    )
    assert worker.money(OVERDUE, Tier.MILD, Bucket.M1, "CNY") == 100
    assert worker.money(OVERDUE, Tier.MILD, Bucket.M1, "USD") == 7
    assert worker.money(OVERDUE, Tier.HEAVY, Bucket.M2, "USD") == 0


def test_an_unusual_tier_bucket_pair_is_still_counted() -> None:
    worker = Worker()
    odd = AccountFigures(Tier.MILD, Bucket.M2, 5, 1, 1, "CNY")
    worker.portfolio.update(0, "acct-1", None, odd)
    assert worker.accounts(Tier.MILD, Bucket.M2) == 1


def test_scrape_size_does_not_grow_with_the_number_of_accounts() -> None:
    few, many = Worker(), Worker()
    few.portfolio.rebuild_partition(0, [figures(Tier.MILD)])
    many.portfolio.rebuild_partition(0, [figures(t) for t in Tier for _ in range(500)])

    def samples(worker: Worker) -> int:
        return sum(len(family.samples) for family in worker.registry.collect())

    assert samples(few) == samples(many)


@pytest.mark.parametrize("currency", ["cny", "RMB1", "", "account-42"])
def test_figures_refuse_a_currency_that_is_not_an_iso_code(currency: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        figures(currency=currency)


changes = st.lists(
    st.tuples(
        st.integers(0, 3),  # partition
        st.integers(0, 9),  # account
        st.none() | st.tuples(st.sampled_from(list(Tier)), st.integers(0, 1000)),
    ),
    max_size=60,
)


@given(changes)
def test_gauges_equal_a_recount_of_the_accounts_after_any_sequence_of_changes(
    steps: list[tuple[int, int, tuple[Tier, int] | None]],
) -> None:
    worker = Worker()
    state: dict[tuple[int, int], AccountFigures] = {}
    for partition, account, new in steps:
        after = None if new is None else figures(*new)
        worker.portfolio.update(
            partition, f"acct-{account}", state.get((partition, account)), after
        )
        if after is None:
            state.pop((partition, account), None)
        else:
            state[(partition, account)] = after
    expected = Counter((f.tier, f.bucket) for f in state.values())
    overdue: Counter[tuple[Tier, Bucket]] = Counter()
    for f in state.values():
        overdue[(f.tier, f.bucket)] += f.overdue_amount
    for tier, bucket in {(f.tier, f.bucket) for f in map(figures, Tier)}:
        assert worker.accounts(tier, bucket) == expected[(tier, bucket)]
        assert (worker.money(OVERDUE, tier, bucket) or 0) == overdue[(tier, bucket)]
