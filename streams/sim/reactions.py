"""A customer's reaction to one contact: gateway outcomes, promises, repayments.

Draws come from an RNG seeded by (simulation seed, contact id), so the same contact gets
the same reaction in every replay. The reaction also changes the book: a customer who was
reached pays more readily for a few days, a promise schedules a payment (or not), a
repayment within hours is applied at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime

from streams.core.model import (
    Channel,
    ContactDue,
    ContactOutcome,
    Instalment,
    Outcome,
    Repayment,
)
from streams.sim.book import Book
from streams.sim.config import ChannelBehaviour, SimConfig, TypeBehaviour
from streams.sim.daily import MAX_HAZARD, repay_amount, repayment
from streams.sim.draw import TYPES, account_id, parse_id, rng_for, seconds

REACHED = {
    Channel.SMS: Outcome.DELIVERED,
    Channel.IVR: Outcome.ANSWERED,
    Channel.AGENT_CALL: Outcome.ANSWERED,
    Channel.FIELD_VISIT: Outcome.DELIVERED,
    Channel.LEGAL_LETTER: Outcome.DELIVERED,
}
MISSED = {
    Channel.SMS: Outcome.FAILED,
    Channel.IVR: Outcome.NO_ANSWER,
    Channel.AGENT_CALL: Outcome.NO_ANSWER,
    Channel.FIELD_VISIT: Outcome.FAILED,
    Channel.LEGAL_LETTER: Outcome.FAILED,
}
FACE_TO_FACE = (Channel.IVR, Channel.AGENT_CALL, Channel.FIELD_VISIT)  # identity checked
STEP = (20, 300)  # seconds between successive outcomes of one contact
CALL_BACK = (3600, 6 * 3600)  # a letter's recipient calls back hours after delivery
PAY_DELAY = (300, 3 * 3600)  # a reached customer who pays does so within hours
VOICE_REACH_FLOOR = 0.4

Event = ContactOutcome | Repayment


@dataclass(slots=True)
class _Reply:
    """Collects one contact's events with strictly increasing times."""

    config: SimConfig
    contact: ContactDue
    rng: random.Random
    at: datetime
    events: list[Event] = field(default_factory=list)

    def outcome(
        self,
        outcome: Outcome,
        account: str | None = None,
        amount: int | None = None,
        promised_for: date | None = None,
        instalments: tuple[Instalment, ...] = (),
    ) -> None:
        c = self.contact
        self.events.append(
            ContactOutcome(
                event_id=f"sim-{self.config.seed}-outcome-{c.contact_id}-{len(self.events)}",
                occurred_at=self.at,
                customer_id=c.customer_id,
                channel=c.channel,
                outcome=outcome,
                contact_id=c.contact_id,
                account_id=account,
                promise_amount=amount,
                promise_date=promised_for,
                currency=self.config.currency if amount is not None else None,
                instalments=instalments,
            )
        )
        self.at += seconds(self.rng.randint(*STEP))


def respond(
    book: Book, config: SimConfig, contact: ContactDue, now: datetime, today: int, first_open: int
) -> list[Event]:
    """Events caused by ``contact`` made at ``now`` (local day ``today``, an ordinal).

    ``first_open`` is the first day not yet played: scheduled payments land on or after it.
    """
    c = parse_id(contact.customer_id, "C")
    if c >= book.customers:
        raise ValueError(f"unknown customer {contact.customer_id!r}")
    rng = rng_for(config.seed, "contact", contact.contact_id)
    ch = config.channels[contact.channel]
    kind = config.types[TYPES[book.ctype[c]]]
    reply = _Reply(config, contact, rng, now + seconds(rng.randint(*ch.delay)))
    if rng.random() >= _reach(book, config, c, contact.channel):
        reply.outcome(MISSED[contact.channel])
        return reply.events
    reply.outcome(REACHED[contact.channel])
    if rng.random() < ch.opt_out:
        reply.outcome(Outcome.OPT_OUT)
        return reply.events
    talked = rng.random() < ch.talk
    if contact.channel in FACE_TO_FACE and not talked:
        reply.outcome(Outcome.WRONG_PARTY)
        return reply.events
    _boost(book, c, ch, today)
    owed = [i for i in _covered(book, c, contact) if book.dpd[i] > 0]
    if talked:
        if contact.channel is Channel.LEGAL_LETTER:
            reply.at += seconds(rng.randint(*CALL_BACK))
        reply.outcome(Outcome.RIGHT_PARTY)
        if owed and _converse(book, config, reply, owed, ch, kind, (today, first_open)):
            return reply.events
    if owed and rng.random() < min(MAX_HAZARD, ch.pay_now * kind.pay_mult * book.propensity[c]):
        _pay_now(book, config, reply, owed, kind)
    return reply.events


def _reach(book: Book, config: SimConfig, customer: int, channel: Channel) -> float:
    """Reach of ``channel``; the long overdue answer the phone less and less."""
    reach = config.channels[channel].reach
    if not channel.is_voice:
        return reach
    worst = max(book.dpd[i] for i in book.accounts_of(customer))
    return reach * max(VOICE_REACH_FLOOR, 1 - config.voice_reach_decay * worst)


def _covered(book: Book, customer: int, contact: ContactDue) -> list[int]:
    mine = book.accounts_of(customer)
    named = [parse_id(a.account_id, "A") for a in contact.accounts]
    return [i for i in named if i in mine] or list(mine)


def _boost(book: Book, customer: int, ch: ChannelBehaviour, today: int) -> None:
    active = book.boost_until[customer] >= today
    book.boost[customer] = max(book.boost[customer] if active else 1.0, ch.boost)
    book.boost_until[customer] = max(book.boost_until[customer], today + ch.boost_days)


def _converse(
    book: Book,
    config: SimConfig,
    reply: _Reply,
    owed: list[int],
    ch: ChannelBehaviour,
    kind: TypeBehaviour,
    days: tuple[int, int],
) -> bool:
    """Dispute, promise or refusal; True if the conversation ended the contact."""
    rng = reply.rng
    if rng.random() < ch.dispute:
        reply.outcome(Outcome.DISPUTE)
        return True
    if rng.random() < ch.promise * kind.promise_mult:
        _promise(book, config, reply, owed, kind, days)
        return True
    if rng.random() < kind.refuse:
        reply.outcome(Outcome.REFUSED)
        return True
    return False


def _promise(
    book: Book,
    config: SimConfig,
    reply: _Reply,
    owed: list[int],
    kind: TypeBehaviour,
    days: tuple[int, int],
) -> None:
    today, first_open = days
    rng = reply.rng
    offered = reply.contact.template.endswith(".repayment_plan")  # the agent's plan script
    if offered and rng.random() < config.plan_share:
        _plan(book, config, reply, owed, kind, days)
        return
    promised = today + rng.randint(1, config.promise_max_days)
    earliest = max(today + 1, first_open)
    pay_day = rng.randint(earliest, max(earliest, promised))
    r = rng.random()
    keep = kind.keep_full * min(1.0, book.propensity[book.owner[owed[0]]]) ** 0.5
    plan = 2 if r < keep else 1 if r < keep + kind.keep_partial else 0
    for i in owed:
        book.promise_day[i] = pay_day
        book.promise_plan[i] = plan
    only = account_id(owed[0]) if len(owed) == 1 else None
    total = sum(book.overdue[i] for i in owed)
    reply.outcome(Outcome.PROMISE_TO_PAY, only, total, date.fromordinal(promised))


def _plan(
    book: Book,
    config: SimConfig,
    reply: _Reply,
    owed: list[int],
    kind: TypeBehaviour,
    days: tuple[int, int],
) -> None:
    """Agree a repayment plan of the whole overdue amount; draw which instalments get paid
    (the customer keeps paying until the first one missed)."""
    today, first_open = days
    rng = reply.rng
    count = rng.randint(*config.plan_instalments)
    total = sum(book.overdue[i] for i in owed)
    part = total // count
    amounts = [part] * (count - 1) + [total - part * (count - 1)]
    due = [max(today + 3, first_open) + k * config.plan_every_days for k in range(count)]
    keep = kind.plan_keep * min(1.0, book.propensity[book.owner[owed[0]]]) ** 0.5
    kept = 0
    while kept < count and rng.random() < keep:
        kept += 1
    for i in owed:
        share = book.overdue[i] / total if total else 0.0
        book.plan_payments[i] = [(due[k], round(amounts[k] * share)) for k in range(kept)]
    only = account_id(owed[0]) if len(owed) == 1 else None
    parts = tuple(Instalment(date.fromordinal(d), a) for d, a in zip(due, amounts, strict=True))
    reply.outcome(Outcome.PROMISE_TO_PAY, only, amounts[0], parts[0].due_on, parts)


def _pay_now(
    book: Book, config: SimConfig, reply: _Reply, owed: list[int], kind: TypeBehaviour
) -> None:
    rng = reply.rng
    c = reply.contact
    for i in owed:
        amount = repay_amount(book.overdue[i], kind.full_share, rng)
        paid_at = reply.at + seconds(rng.randint(*PAY_DELAY))
        event_id = f"sim-{config.seed}-pay-{c.contact_id}-{i}"
        reply.events.append(repayment(event_id, config, i, book.owner[i], amount, paid_at, rng))
        book.pay(i, amount)
