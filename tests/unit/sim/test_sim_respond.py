"""Customers' reactions to contacts: outcomes, promises, repayments, and their effects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict, Unpack

import pytest

from streams.core.model import (
    AgingSnapshot,
    Channel,
    ContactDue,
    ContactOutcome,
    CoveredAccount,
    CustomerType,
    Outcome,
    Repayment,
    Tier,
)
from streams.sim import SimConfig, Simulator
from streams.sim.config import _types

START = date(2026, 1, 1)
MORNING = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai on the second day


def contact(snaps: list[AgingSnapshot], channel: Channel, n: int = 0) -> ContactDue:
    accounts = tuple(CoveredAccount(s.account_id, s.days_past_due, s.overdue_amount) for s in snaps)
    return ContactDue(
        contact_id=f"test-{snaps[0].customer_id}-{channel.value}-{n}",
        occurred_at=MORNING,
        customer_id=snaps[0].customer_id,
        channel=channel,
        accounts=accounts,
        due_at=MORNING,
        expires_at=MORNING + timedelta(hours=2),
        tier=Tier.MILD,
        days_past_due=max(s.days_past_due for s in snaps),
        amount_due=sum(a.amount_due for a in accounts),
        currency="CNY",
        template="test",
        attempt=1,
        strategy_variant="test",
        locale="zh-CN",
    )


def overdue_by_customer(events: list[AgingSnapshot | Repayment]) -> list[list[AgingSnapshot]]:
    owed: dict[str, list[AgingSnapshot]] = {}
    for e in events:
        if isinstance(e, AgingSnapshot) and e.days_past_due > 0:
            owed.setdefault(e.customer_id, []).append(e)
    return list(owed.values())


def test_every_channel_reports_outcomes_after_the_contact_time() -> None:
    sim = Simulator(SimConfig(accounts=2000, start=START))
    owed = overdue_by_customer(sim.day(START))
    for k, snaps in enumerate(owed[:100]):
        channel = list(Channel)[k % len(Channel)]
        events = sim.respond(contact(snaps, channel), MORNING)
        assert events
        assert isinstance(events[0], ContactOutcome)
        assert events[0].contact_id == contact(snaps, channel).contact_id
        assert all(e.occurred_at >= MORNING for e in events)
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)


def test_voice_outcomes_are_answered_or_not_and_sms_delivered_or_failed() -> None:
    sim = Simulator(SimConfig(accounts=3000, start=START))
    owed = overdue_by_customer(sim.day(START))
    firsts: dict[Channel, set[Outcome]] = {Channel.IVR: set(), Channel.SMS: set()}
    for k, snaps in enumerate(owed[:200]):
        channel = (Channel.IVR, Channel.SMS)[k % 2]
        first = sim.respond(contact(snaps, channel), MORNING)[0]
        assert isinstance(first, ContactOutcome)
        firsts[channel].add(first.outcome)
    assert firsts[Channel.IVR] == {Outcome.ANSWERED, Outcome.NO_ANSWER}
    assert firsts[Channel.SMS] == {Outcome.DELIVERED, Outcome.FAILED}


class Changes(TypedDict, total=False):
    """The behaviour ``always`` lets a test change besides reach, talk and dispute."""

    promise: float
    pay_now: float
    boost: float
    opt_out: float


def always(channel: Channel, **changes: Unpack[Changes]) -> SimConfig:
    """A config where ``channel`` always reaches and talks, with other behaviour changed."""
    base = SimConfig(accounts=3000, start=START)
    behaviour = replace(base.channels[channel], reach=1.0, talk=1.0, dispute=0.0, **changes)
    return replace(base, channels={**base.channels, channel: behaviour})


def test_a_promise_carries_the_amount_owed_and_a_date_within_a_week() -> None:
    sim = Simulator(always(Channel.AGENT_CALL, promise=1.0))
    owed = overdue_by_customer(sim.day(START))
    promises: list[ContactOutcome] = []
    for snaps in owed[:50]:
        events = sim.respond(contact(snaps, Channel.AGENT_CALL), MORNING)
        promises += [
            e
            for e in events
            if isinstance(e, ContactOutcome) and e.outcome is Outcome.PROMISE_TO_PAY
        ]
    assert len(promises) > 40  # a few wilful customers do not promise even when asked
    for p in promises:
        assert p.promise_amount and p.promise_amount > 0 and p.currency == "CNY"
        assert p.promise_date is not None
        assert 1 <= (p.promise_date - MORNING.date()).days <= 7


def kept_share(kind: CustomerType) -> float:
    """Share of promised accounts paid by the promise date, all customers of ``kind``."""
    types = {
        t: replace(b, share=1.0 if t is kind else 0.0, promise_mult=1.0)
        for t, b in _types().items()
    }
    config = replace(always(Channel.AGENT_CALL, promise=1.0), types=types)
    config = replace(config, hazards=dict.fromkeys(config.hazards, 0.0))  # no organic payments
    sim = Simulator(config)
    promised: dict[str, date] = {}
    for snaps in overdue_by_customer(sim.day(START))[:150]:
        for e in sim.respond(contact(snaps, Channel.AGENT_CALL), MORNING):
            if isinstance(e, ContactOutcome) and e.promise_date:
                promised.update({s.account_id: e.promise_date for s in snaps})
    paid = {e.account_id for _, events in sim.days(8) for e in events if isinstance(e, Repayment)}
    return len(paid & set(promised)) / len(promised)


def test_first_time_customers_usually_keep_promises_and_wilful_ones_usually_break_them() -> None:
    assert kept_share(CustomerType.FIRST_TIME) > 0.6
    assert kept_share(CustomerType.WILFUL) < 0.35


def test_a_repayment_right_after_a_contact_shows_in_the_next_snapshot() -> None:
    config = always(Channel.SMS, pay_now=1.0, opt_out=0.0)
    types = {t: replace(b, full_share=1.0, pay_mult=20.0) for t, b in config.types.items()}
    sim = Simulator(replace(config, types=types))
    snaps = overdue_by_customer(sim.day(START))[0]
    events = sim.respond(contact(snaps, Channel.SMS), MORNING)
    repayments = [e for e in events if isinstance(e, Repayment)]
    assert {r.account_id for r in repayments} == {s.account_id for s in snaps}
    assert all(r.paid_at > MORNING for r in repayments)
    after = {
        e.account_id: e for e in sim.day(START + timedelta(days=1)) if isinstance(e, AgingSnapshot)
    }
    assert all(after[s.account_id].days_past_due == 0 for s in snaps)


def test_a_contact_for_an_unknown_customer_is_refused() -> None:
    sim = Simulator(SimConfig(accounts=10, start=START))
    snaps = overdue_by_customer(Simulator(SimConfig(accounts=5000, start=START)).day(START))[-1]
    with pytest.raises(ValueError, match="unknown customer"):
        sim.respond(contact(snaps, Channel.SMS), MORNING)


def test_a_naive_now_is_refused() -> None:
    sim = Simulator(SimConfig(accounts=100, start=START))
    snaps = overdue_by_customer(sim.day(START))[0]
    with pytest.raises(ValueError, match="timezone"):
        sim.respond(contact(snaps, Channel.SMS), MORNING.replace(tzinfo=None))


def test_a_customer_offered_a_plan_agrees_instalments_and_pays_them_on_their_days() -> None:
    types = {
        t: replace(b, share=1.0 if t is CustomerType.REPEAT else 0.0, plan_keep=1.0)
        for t, b in _types().items()
    }
    config = replace(always(Channel.AGENT_CALL, promise=1.0), types=types, plan_share=1.0)
    config = replace(config, hazards=dict.fromkeys(config.hazards, 0.0))  # no organic payments
    sim = Simulator(config)
    plans: list[ContactOutcome] = []
    for snaps in overdue_by_customer(sim.day(START))[:40]:
        offer = replace(contact(snaps, Channel.AGENT_CALL), template="agent_call.repayment_plan")
        plans += [e for e in sim.respond(offer, MORNING) if isinstance(e, ContactOutcome)]
    plans = [p for p in plans if p.instalments]
    assert len(plans) > 30
    for p in plans:
        assert 2 <= len(p.instalments) <= 4
        assert (p.promise_amount, p.promise_date) == (
            p.instalments[0].amount,
            p.instalments[0].due_on,
        )
    first_days = {p.instalments[0].due_on for p in plans}
    paid_on = {day for day, events in sim.days(10) if any(isinstance(e, Repayment) for e in events)}
    assert first_days <= paid_on  # everyone keeps (plan_keep 1.0): paid on the first due day
