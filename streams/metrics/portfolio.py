"""Portfolio gauges kept per owned partition and summed at scrape time.

A worker reports only the accounts of the partitions it owns right now, so ``sum()`` over
workers is the whole portfolio: on assignment the worker rebuilds a partition's totals from
its table, on revocation it drops them, and in between it applies per-account deltas. A
scrape costs O(partitions x tiers x buckets x currencies), never O(accounts).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from streams.metrics.figures import TIER_BUCKETS, AccountFigures, check_currency

log = logging.getLogger(__name__)

ACCOUNTS = "collections_portfolio_accounts"
OVERDUE = "collections_portfolio_overdue_minor_units"
OUTSTANDING = "collections_portfolio_outstanding_minor_units"
PARTITIONS = "collections_portfolio_partitions"

Cell = tuple[str, str]  # (tier, bucket)
MoneyCell = tuple[str, str, str]  # (tier, bucket, currency)
K = TypeVar("K", Cell, MoneyCell)

STANDARD_CELLS: list[Cell] = [(t.value, b.value) for t, b in TIER_BUCKETS]


@dataclass(slots=True)
class _Totals:
    """Sums over a set of accounts (one partition, or all owned ones at scrape time)."""

    accounts: Counter[Cell] = field(default_factory=Counter)
    overdue: Counter[MoneyCell] = field(default_factory=Counter)
    outstanding: Counter[MoneyCell] = field(default_factory=Counter)

    def apply(self, figures: AccountFigures, sign: int) -> None:
        cell = (figures.tier.value, figures.bucket.value)
        money = (*cell, figures.currency)
        self.accounts[cell] += sign
        self.overdue[money] += sign * figures.overdue_amount
        self.outstanding[money] += sign * figures.outstanding_balance

    def add(self, other: _Totals) -> None:
        self.accounts.update(other.accounts)
        self.overdue.update(other.overdue)
        self.outstanding.update(other.outstanding)


class PortfolioAggregate(Collector):
    """Accounts, overdue and outstanding balance per tier and M-bucket, for owned partitions.

    Thread-safe: the worker updates it from its event loop while an HTTP thread scrapes it.
    """

    def __init__(self, currencies: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._partitions: dict[int, _Totals] = {}
        self._currencies = {check_currency(c) for c in currencies}

    def update(
        self,
        partition: int,
        account_key: str,
        before: AccountFigures | None,
        after: AccountFigures | None,
    ) -> None:
        """Replace one account's contribution; ``None`` = the account was (is) not there."""
        with self._lock:
            totals = self._partitions.setdefault(partition, _Totals())
            if before is not None:
                totals.apply(before, -1)
                if totals.accounts[(before.tier.value, before.bucket.value)] < 0:
                    log.warning("portfolio drift: partition %s, account %s", partition, account_key)
            if after is not None:
                totals.apply(after, +1)
                self._currencies.add(after.currency)

    def rebuild_partition(self, partition: int, figures: Iterable[AccountFigures]) -> None:
        """On assignment: the partition's totals become those of ``figures`` (its table)."""
        totals = _Totals()
        for account in figures:
            totals.apply(account, +1)
        with self._lock:
            self._partitions[partition] = totals
            self._currencies.update(currency for _, _, currency in totals.outstanding)

    def drop_partition(self, partition: int) -> None:
        """On revocation: this worker stops reporting the partition's accounts."""
        with self._lock:
            self._partitions.pop(partition, None)

    def partitions(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._partitions)

    def describe(self) -> Iterable[Metric]:
        return list(_families(_Totals(), [], 0))

    def collect(self) -> Iterable[Metric]:
        total = _Totals()
        with self._lock:
            for totals in self._partitions.values():
                total.add(totals)
            currencies = sorted(self._currencies)
            owned = len(self._partitions)
        return list(_families(total, currencies, owned))


def _families(total: _Totals, currencies: list[str], owned: int) -> Iterator[Metric]:
    accounts = GaugeMetricFamily(
        ACCOUNTS,
        "Accounts in the partitions this worker owns, by tier and M-bucket.",
        labels=["tier", "bucket"],
    )
    for cell in _cells(STANDARD_CELLS, total.accounts):
        accounts.add_metric(list(cell), total.accounts[cell])
    yield accounts
    standard_money = [(*cell, c) for cell in STANDARD_CELLS for c in currencies]
    for name, what, values in (
        (OVERDUE, "Overdue amount", total.overdue),
        (OUTSTANDING, "Outstanding balance", total.outstanding),
    ):
        family = GaugeMetricFamily(
            name,
            f"{what} in minor units of the owned partitions' accounts, by tier, "
            "M-bucket and currency.",
            labels=["tier", "bucket", "currency"],
        )
        for key in _cells(standard_money, values):
            family.add_metric(list(key), values[key])
        yield family
    yield GaugeMetricFamily(
        PARTITIONS,
        "Partitions whose accounts this worker reports in the portfolio gauges.",
        value=owned,
    )


def _cells(standard: list[K], values: Counter[K]) -> list[K]:
    """The standard cells (exported even at zero), then any other cell that is not zero."""
    known = set(standard)
    extra = sorted(key for key, value in values.items() if value and key not in known)
    return standard + extra
