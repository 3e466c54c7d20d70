"""Repayment plans: agreed instalments tracked like promises, collection paused while kept,
escalation when one breaks, the plan's state in segment changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from streams.core import load_policy
from streams.core.model import (
    Channel,
    ContactDue,
    ContactSuppressed,
    CustomerType,
    DeadLetter,
    Instalment,
    InstalmentResolved,
    Outcome,
    PlanStatus,
    PromiseStatus,
    SegmentChanged,
    SuppressionReason,
)
from tests.unit.core.walk_support import (
    START,
    Driver,
    aging,
    at,
    outcome,
    profile,
    repayment,
    without_quiet_days,
)

POLICY = without_quiet_days(load_policy())
DAY = START + timedelta(days=20)  # the plan is agreed on this day, at DPD 20


def day(n: int) -> date:
    return DAY + timedelta(days=n)


def agreed(amounts: tuple[int, ...] = (30_000, 30_000, 30_000), every: int = 14) -> Driver:
    """A repeat customer (credit history) at DPD 20 agrees a plan on a call."""
    driver = Driver(POLICY)
    driver.send(profile(at(START, 0), prior_delinquencies=1))
    for n in range(1, 21):
        driver.send(aging("a1", START + timedelta(days=n), n, 90_000))
    driver.run_until(at(DAY, 11))
    call = driver.last_contact(Channel.AGENT_CALL)
    parts = tuple(Instalment(day(3 + i * every), a) for i, a in enumerate(amounts))
    driver.send(
        outcome(
            Channel.AGENT_CALL,
            Outcome.PROMISE_TO_PAY,
            at(DAY, 11, 10),
            call.contact_id,
            promise_amount=parts[0].amount,
            promise_date=parts[0].due_on,
            currency="CNY",
            instalments=parts,
        )
    )
    return driver


def age(driver: Driver, until: int) -> None:
    """The lender's snapshots up to ``day(until)``: the overdue amount net of repayments."""
    assert driver.state is not None
    start = (driver.now.date() - DAY).days + 1
    for n in range(max(1, start), until + 1):
        left = driver.state.accounts["a1"].overdue_amount
        driver.send(aging("a1", day(n), 20 + n if left else 0, left))


def pay(driver: Driver, n: int, amount: int) -> None:
    driver.send(repayment("a1", amount, at(day(n), 9)))


def resolved(driver: Driver) -> list[InstalmentResolved]:
    return [o for _, o in driver.log if isinstance(o, InstalmentResolved)]


def after_plan(driver: Driver) -> list[ContactDue]:
    return [c for c in driver.contacts() if c.occurred_at > at(DAY, 11, 10)]


def test_repeat_customers_are_offered_a_plan() -> None:
    driver = agreed()
    assert driver.state is not None
    assert driver.state.customer_type is CustomerType.REPEAT
    assert driver.last_contact(Channel.AGENT_CALL).template == "agent_call.repayment_plan"


def test_a_kept_plan_pauses_collection_but_for_a_reminder_before_each_instalment() -> None:
    driver = agreed()
    age(driver, 3)
    pay(driver, 3, 30_000)
    age(driver, 17)
    pay(driver, 17, 30_000)
    age(driver, 31)
    pay(driver, 31, 30_000)  # the last instalment: the account is current again
    driver.run_until(at(day(36), 0))
    assert [(c.channel, c.template, c.occurred_at.date()) for c in after_plan(driver)] == [
        (Channel.SMS, "sms.plan_reminder", day(1)),  # 2 days before each instalment
        (Channel.SMS, "sms.plan_reminder", day(15)),
        (Channel.SMS, "sms.plan_reminder", day(29)),
    ]
    assert [(r.number, r.status, r.plan_status) for r in resolved(driver)] == [
        (1, PromiseStatus.KEPT, PlanStatus.ACTIVE),
        (2, PromiseStatus.KEPT, PlanStatus.ACTIVE),
        (3, PromiseStatus.KEPT, PlanStatus.COMPLETED),
    ]


def test_cumulative_payments_decide_so_paying_ahead_keeps_later_instalments() -> None:
    driver = agreed()
    age(driver, 3)
    pay(driver, 2, 60_000)  # two instalments at once
    age(driver, 20)
    driver.run_until(at(day(21), 0))
    assert [r.status for r in resolved(driver)] == [PromiseStatus.KEPT, PromiseStatus.KEPT]


def test_a_broken_instalment_ends_the_plan_and_escalates() -> None:
    driver = agreed()
    age(driver, 3)
    pay(driver, 3, 30_000)
    age(driver, 25)  # the second instalment (day 17) is never paid
    driver.run_until(at(day(25), 0))
    assert [(r.number, r.status, r.plan_status) for r in resolved(driver)] == [
        (1, PromiseStatus.KEPT, PlanStatus.ACTIVE),
        (2, PromiseStatus.BROKEN, PlanStatus.BROKEN),
    ]
    broken_at = at(day(21), 0)  # instalment day 17 + 3 grace days, then midnight
    calls = [c for c in after_plan(driver) if c.channel is Channel.AGENT_CALL]
    assert calls and calls[0].occurred_at.date() == day(21)  # collection resumes at once
    assert driver.state is not None and driver.state.repayment_plan is None
    assert driver.state.last_broken_promise_at == broken_at
    assert driver.state.accounts["a1"].broken_promises[-1] == day(17)


def test_segment_changes_report_the_plan_state() -> None:
    driver = agreed()
    age(driver, 25)  # nothing paid: broken at the first instalment
    driver.run_until(at(day(25), 0))
    segments = [o for _, o in driver.log if isinstance(o, SegmentChanged)]
    plan_changes = [(s.plan_status, s.reason) for s in segments if s.occurred_at >= at(DAY, 11)]
    assert plan_changes[:2] == [
        (PlanStatus.ACTIVE, "repayment plan agreed"),
        (PlanStatus.BROKEN, "repayment plan broken"),
    ]


def test_the_plan_holds_back_the_scheduled_calls_with_an_audit() -> None:
    driver = agreed()
    held = []
    for _, o in driver.log:
        if getattr(o, "reason", None) is SuppressionReason.PROMISE_PENDING:
            assert isinstance(o, ContactSuppressed)  # the audit record, with its contact
            held.append(o.contact.channel)
    assert Channel.AGENT_CALL in held


def test_bad_plans_are_dead_letters() -> None:
    driver = agreed()
    assert driver.state is not None
    base = outcome(
        Channel.AGENT_CALL,
        Outcome.PROMISE_TO_PAY,
        at(DAY, 12),
        instalments=(Instalment(day(5), 10_000), Instalment(day(9), 10_000)),
    )
    bad = [
        replace(base, instalments=(Instalment(day(9), 1), Instalment(day(5), 1))),  # order
        replace(base, instalments=(Instalment(day(5), 0),)),  # amount
        replace(base, instalments=(Instalment(day(-5), 10),)),  # past
        replace(base, instalments=(Instalment(day(400), 10),)),  # too long
        replace(base, promise_amount=5),  # differs from instalment 1
    ]
    for event in bad:
        out = driver.send(replace(event, event_id=f"bad-{bad.index(event)}"))
        assert [type(o) for o in out] == [DeadLetter], event
