"""The simulated loan book: compact per-customer and per-account state in parallel arrays.

One Python object per account would cost hundreds of bytes; a million accounts held as
``array`` columns cost a few tens of megabytes. Customer ``c`` owns the contiguous accounts
``first_account[c] .. first_account[c + 1] - 1``.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass, field

from streams.sim.config import SimConfig
from streams.sim.draw import TIER_CEILING, TIER_FLOOR, TIERS, TYPES, pick, rng_for

PRODUCTS: tuple[str, ...] = ("cash_loan", "instalment_loan", "credit_line")
SEVERE_MEAN_EXTRA_DAYS = 45.0  # initial severe accounts: 61 + exponential extra days
SEVERE_MAX_DPD = 360


@dataclass(slots=True)
class Book:
    # per customer
    first_account: array[int]  # length customers + 1
    ctype: array[int]  # index into draw.TYPES
    propensity: array[float]  # hidden willingness/ability to pay, mean 1
    zone: array[int]  # index into the config's zones
    boost: array[float]  # repayment hazard multiplier after a contact that reached them
    boost_until: array[int]  # last day (ordinal) the boost applies
    # per account
    owner: array[int]
    dpd: array[int]
    overdue: array[int]  # minor units
    balance: array[int]  # outstanding, overdue included
    instalment: array[int]
    product: array[int]  # index into PRODUCTS
    promise_day: array[int]  # ordinal of the day a promise is acted on, 0 = none
    promise_plan: array[int]  # 2 = pay in full, 1 = pay part, 0 = break
    # account -> (day ordinal, amount) of the repayment-plan instalments it will pay
    plan_payments: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Book:
        return cls(
            first_account=array("i"),
            ctype=array("b"),
            propensity=array("f"),
            zone=array("b"),
            boost=array("f"),
            boost_until=array("i"),
            owner=array("i"),
            dpd=array("i"),
            overdue=array("q"),
            balance=array("q"),
            instalment=array("q"),
            product=array("b"),
            promise_day=array("i"),
            promise_plan=array("b"),
        )

    @property
    def customers(self) -> int:
        return len(self.ctype)

    def accounts_of(self, customer: int) -> range:
        return range(self.first_account[customer], self.first_account[customer + 1])

    def pay(self, account: int, amount: int) -> None:
        """Apply a repayment: oldest instalments first; the whole overdue amount cures."""
        self.balance[account] = max(0, self.balance[account] - amount)
        left = self.overdue[account] - amount
        if left <= 0:
            self.overdue[account] = 0
            self.dpd[account] = 0
            return
        self.overdue[account] = left
        unpaid = math.ceil(left / self.instalment[account])
        dpd = self.dpd[account]
        self.dpd[account] = min(dpd, (unpaid - 1) * 30 + (dpd - 1) % 30 + 1)

    def age(self, account: int) -> None:
        """One more day overdue; another instalment falls due every 30 days."""
        dpd = self.dpd[account] + 1
        self.dpd[account] = dpd
        if dpd == 1 or dpd % 30 == 1:
            self.overdue[account] = min(
                self.balance[account], self.overdue[account] + self.instalment[account]
            )


def build_book(config: SimConfig) -> Book:
    """The book as it stands at the end of the day before ``config.start``."""
    rng = rng_for(config.seed, "book")
    book = Book.empty()
    type_weights = [config.types[t].share for t in TYPES]
    zone_weights = list(config.zones.values())
    sigma = config.propensity_sigma
    book.first_account.append(0)
    while len(book.owner) < config.accounts:
        c = len(book.ctype)
        book.ctype.append(pick(rng, type_weights))
        book.propensity.append(math.exp(rng.gauss(0.0, sigma) - sigma * sigma / 2))
        book.zone.append(pick(rng, zone_weights))
        book.boost.append(1.0)
        book.boost_until.append(0)
        two = rng.random() < config.second_account_share
        for _ in range(min(2 if two else 1, config.accounts - len(book.owner))):
            _open_account(book, c, config, rng)
        book.first_account.append(len(book.owner))
    return book


def _open_account(book: Book, customer: int, config: SimConfig, rng: random.Random) -> None:
    low, high = config.balance_range
    balance = round(math.exp(rng.uniform(math.log(low), math.log(high))) / 100) * 100
    term = rng.choice(config.terms)
    instalment = round(balance * (1 + config.monthly_rate * term) / term)
    dpd = _initial_dpd(config, rng)
    overdue = min(balance, math.ceil(dpd / 30) * instalment)
    book.owner.append(customer)
    book.dpd.append(dpd)
    book.overdue.append(overdue)
    book.balance.append(balance)
    book.instalment.append(instalment)
    book.product.append(rng.randrange(len(PRODUCTS)))
    book.promise_day.append(0)
    book.promise_plan.append(0)


def _initial_dpd(config: SimConfig, rng: random.Random) -> int:
    if rng.random() < config.current_share:
        return 0
    overdue_tiers = TIERS[1:]
    tier = overdue_tiers[pick(rng, [config.tier_mix[t] for t in overdue_tiers])]
    floor = TIER_FLOOR[tier]
    if tier in TIER_CEILING:
        return rng.randint(floor, TIER_CEILING[tier])
    extra = int(rng.expovariate(1 / SEVERE_MEAN_EXTRA_DAYS))
    return min(SEVERE_MAX_DPD, floor + extra)
