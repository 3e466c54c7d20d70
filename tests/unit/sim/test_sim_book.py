"""The simulated book at the start: mixes, amounts, and the arithmetic of a loan."""

from __future__ import annotations

from array import array

import pytest

from streams.core.model import AgingSnapshot, CustomerType, Repayment, Tier
from streams.sim import SimConfig, Simulator
from streams.sim.book import Book, build_book
from streams.sim.draw import TYPES

BRIEF_TIER_MIX = {Tier.MILD: 0.60, Tier.MODERATE: 0.25, Tier.HEAVY: 0.10, Tier.SEVERE: 0.05}


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(SimConfig(accounts=20_000))


def test_overdue_accounts_start_split_about_60_25_10_5_over_the_tiers(sim: Simulator) -> None:
    mix = sim.overdue_mix()
    for tier, share in BRIEF_TIER_MIX.items():
        assert mix[tier] == pytest.approx(share, abs=0.03), tier


def test_most_accounts_start_current_as_in_a_real_book(sim: Simulator) -> None:
    assert 0.85 <= sim.current_share() <= 0.90


def test_about_fifteen_percent_of_customers_hold_two_accounts(sim: Simulator) -> None:
    customers = len(sim.profiles())
    assert 0.12 <= 20_000 / customers - 1 <= 0.18


def test_hidden_customer_types_are_about_70_25_5() -> None:
    book = build_book(SimConfig(accounts=20_000))
    shares = {t: book.ctype.count(i) / book.customers for i, t in enumerate(TYPES)}
    assert shares[CustomerType.FIRST_TIME] == pytest.approx(0.70, abs=0.02)
    assert shares[CustomerType.REPEAT] == pytest.approx(0.25, abs=0.02)
    assert shares[CustomerType.WILFUL] == pytest.approx(0.05, abs=0.01)


def test_balances_are_1000_to_50000_yuan_and_cover_the_overdue_amount() -> None:
    events = Simulator(SimConfig(accounts=2000)).day(SimConfig().start)
    paid = {e.account_id for e in events if isinstance(e, Repayment)}
    aging = [e for e in events if isinstance(e, AgingSnapshot)]
    assert all(0 <= s.overdue_amount <= s.outstanding_balance for s in aging)
    untouched = [s for s in aging if s.account_id not in paid]
    assert all(1_000_00 <= s.outstanding_balance <= 50_000_00 for s in untouched)
    assert all(s.overdue_amount > 0 for s in aging if s.days_past_due > 0)
    assert all(s.currency == "CNY" for s in aging)


def _one_account(dpd: int, overdue: int, instalment: int = 1000) -> Book:
    book = Book.empty()
    book.owner.append(0)
    book.dpd.append(dpd)
    book.overdue.append(overdue)
    book.balance.append(50_000)
    book.instalment.append(instalment)
    return book


@pytest.mark.parametrize(
    ("dpd", "overdue", "paid", "dpd_after", "overdue_after"),
    [
        (5, 1000, 1000, 0, 0),  # the whole overdue amount cures
        (5, 1000, 400, 5, 600),  # part of the only instalment: still 5 days late
        (45, 2000, 1000, 15, 1000),  # the oldest of two instalments: 15 days late
        (75, 3000, 2500, 15, 500),  # two of three and part of the last
        (75, 3000, 5000, 0, 0),  # more than owed still cures
    ],
)
def test_a_repayment_pays_the_oldest_instalments_first(
    dpd: int, overdue: int, paid: int, dpd_after: int, overdue_after: int
) -> None:
    book = _one_account(dpd, overdue)
    book.pay(0, paid)
    assert (book.dpd[0], book.overdue[0]) == (dpd_after, overdue_after)
    assert book.balance[0] == 50_000 - paid


def test_another_instalment_falls_due_every_thirty_days_overdue() -> None:
    book = _one_account(0, 0)
    seen = []
    for _ in range(61):
        book.age(0)
        seen.append(book.overdue[0])
    assert (seen[0], seen[29], seen[30], seen[59], seen[60]) == (1000, 1000, 2000, 2000, 3000)


def test_book_columns_are_compact_arrays_not_objects() -> None:
    book = build_book(SimConfig(accounts=100))
    sparse = {"plan_payments"}  # agreed repayment plans: a few accounts, a dict
    assert all(isinstance(getattr(book, name), array) for name in set(Book.__slots__) - sparse)
