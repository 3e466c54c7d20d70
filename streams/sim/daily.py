"""One calendar day of the book: organic repayments during the day, then the nightly aging.

``play_day`` mutates the book and returns the day's repayments; ``snapshots`` then reads
the book as it stands after the day (every account, current ones included).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from streams.core.model import AgingSnapshot, Repayment
from streams.sim.book import PRODUCTS, Book
from streams.sim.config import SimConfig
from streams.sim.draw import (
    TIERS,
    TYPES,
    account_id,
    customer_id,
    local_instant,
    rng_for,
    seconds,
    tier_index,
)

PAY_WINDOW = (7 * 3600, 22 * 3600 + 30 * 60)  # seconds after local midnight
SNAPSHOT_AT = time(23, 0)  # the ledger's nightly batch, lender-local
SOURCES: tuple[str, ...] = ("app", "bank_transfer", "alipay", "wechat_pay", "auto_debit")
MAX_HAZARD = 0.95


def play_day(book: Book, config: SimConfig, d: date, zone: ZoneInfo) -> list[Repayment]:
    """Repayments of day ``d`` (in time order); ages every account still overdue."""
    today = d.toordinal()
    rng = rng_for(config.seed, "day", today)
    midnight = local_instant(d, time(0), zone)
    miss = [config.types[t].miss_rate for t in TYPES]
    mult = [config.types[t].pay_mult for t in TYPES]
    full = [config.types[t].full_share for t in TYPES]
    hazard = [0.0] + [config.hazards[t] for t in TIERS[1:]]
    dpd, owner, ctype, propensity = book.dpd, book.owner, book.ctype, book.propensity
    payments: list[Repayment] = []
    for i in range(len(dpd)):
        days = dpd[i]
        c = owner[i]
        kind = ctype[c]
        if days == 0:
            if rng.random() < miss[kind]:
                book.age(i)
            continue
        amount = _promised(book, i, today, rng) + _instalment(book, i, today)
        if not amount:
            h = hazard[tier_index(days)] * mult[kind] * propensity[c]
            if book.boost_until[c] >= today:
                h *= book.boost[c]
            if rng.random() < min(MAX_HAZARD, h):
                amount = repay_amount(book.overdue[i], full[kind], rng)
        if amount:
            at = midnight + seconds(rng.randrange(*PAY_WINDOW))
            event_id = f"sim-{config.seed}-pay-{d.isoformat()}-{i}"
            payments.append(repayment(event_id, config, i, c, amount, at, rng))
            book.pay(i, amount)
        if dpd[i]:
            book.age(i)
    payments.sort(key=lambda p: (p.occurred_at, p.event_id))
    return payments


def _promised(book: Book, i: int, today: int, rng: random.Random) -> int:
    """Amount paid today under a promise to pay (0 if none is due or it is broken)."""
    due = book.promise_day[i]
    if not due or due > today:
        return 0
    book.promise_day[i] = 0
    plan = book.promise_plan[i]
    if due < today or plan == 0:
        return 0
    return repay_amount(book.overdue[i], 1.0 if plan == 2 else 0.0, rng)


def _instalment(book: Book, i: int, today: int) -> int:
    """A repayment-plan instalment paid today (the plan's payments are drawn when agreed)."""
    planned = book.plan_payments.get(i)
    if not planned or planned[0][0] > today:
        return 0
    due = 0
    while planned and planned[0][0] <= today:
        due += planned.pop(0)[1]
    if not planned:
        del book.plan_payments[i]
    return min(due, book.overdue[i])


def repay_amount(overdue: int, full_share: float, rng: random.Random) -> int:
    """The whole overdue amount with probability ``full_share``, else 30-80 % of it."""
    if overdue <= 0:
        return 0
    if rng.random() < full_share:
        return overdue
    part = round(overdue * rng.uniform(0.3, 0.8) / 100) * 100
    return min(overdue, max(100, part))


def repayment(
    event_id: str,
    config: SimConfig,
    account: int,
    customer: int,
    amount: int,
    paid_at: datetime,
    rng: random.Random,
) -> Repayment:
    return Repayment(
        event_id=event_id,
        occurred_at=paid_at + seconds(rng.randrange(120)),  # the ledger posts it shortly after
        customer_id=customer_id(customer),
        account_id=account_id(account),
        amount=amount,
        currency=config.currency,
        paid_at=paid_at,
        source=rng.choice(SOURCES),
    )


def snapshots(book: Book, config: SimConfig, d: date, zone: ZoneInfo) -> Iterator[AgingSnapshot]:
    """The nightly aging snapshot of every account as of day ``d``, lazily."""
    at = local_instant(d, SNAPSHOT_AT, zone)
    prefix = f"sim-{config.seed}-aging-{d.isoformat()}-"
    currency = config.currency
    owner, dpd, overdue, balance, product = (
        book.owner,
        book.dpd,
        book.overdue,
        book.balance,
        book.product,
    )
    for i in range(len(dpd)):
        yield AgingSnapshot(
            event_id=f"{prefix}{i}",
            occurred_at=at,
            customer_id=f"C{owner[i]:08d}",  # draw.customer_id, inlined: a million a day
            account_id=f"A{i:08d}",
            as_of=d,
            days_past_due=dpd[i],
            overdue_amount=overdue[i],
            outstanding_balance=balance[i],
            currency=currency,
            product=PRODUCTS[product[i]],
        )
