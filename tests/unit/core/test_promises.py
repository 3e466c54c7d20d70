from __future__ import annotations

from datetime import date, timedelta

from streams.core import due, load_policy, next_wakeup
from streams.core.model import (
    Channel,
    ContactDue,
    ContactSuppressed,
    DeadLetter,
    Outcome,
    PromiseResolved,
    PromiseStatus,
    SegmentChanged,
    SuppressionReason,
)
from tests.unit.core.walk_support import START, Driver, aging, at, outcome, repayment

POLICY = load_policy()
DAY = START + timedelta(days=16)  # DPD 16: agent calls


def promised(amount: int = 9000, promised_for: date | None = None) -> Driver:
    """An account aging from DPD 1, silent, whose first agent call (DPD 16, 11:00) ends in a
    promise to pay."""
    driver = Driver(POLICY)
    for n in range(1, 17):
        driver.send(aging("a1", START + timedelta(days=n), n, 9000))
    driver.run_until(at(DAY, 11))
    call = driver.last_contact(Channel.AGENT_CALL)
    driver.send(
        outcome(
            Channel.AGENT_CALL,
            Outcome.PROMISE_TO_PAY,
            at(DAY, 11, 5),
            call.contact_id,
            promise_amount=amount,
            promise_date=promised_for or DAY + timedelta(days=3),
            currency="CNY",
        )
    )
    return driver


def resolved(driver: Driver) -> list[PromiseResolved]:
    return [o for _, o in driver.log if isinstance(o, PromiseResolved)]


def test_a_promise_pauses_collection_and_audits_the_cancelled_call() -> None:
    driver = promised()
    paused = [o for _, o in driver.log if isinstance(o, ContactSuppressed)]
    assert [(p.contact.channel, p.reason) for p in paused] == [
        (Channel.SMS, SuppressionReason.PROMISE_PENDING),  # the follow-up SMS of the call
        (Channel.AGENT_CALL, SuppressionReason.PROMISE_PENDING),
    ]


def test_only_a_reminder_goes_out_before_the_promised_date() -> None:
    driver = promised()
    driver.run_until(at(DAY + timedelta(days=5), 23))
    later = [c for c in driver.contacts() if c.occurred_at > at(DAY, 11, 5)]
    assert [(c.channel, c.template, c.occurred_at) for c in later] == [
        (Channel.SMS, "sms.promise_reminder", at(DAY + timedelta(days=2), 12, 30))
    ]


def test_the_promise_is_decided_when_the_grace_period_ends() -> None:
    driver = promised()
    grace_end = at(DAY + timedelta(days=6), 0)  # promised day + 2 grace days, then midnight
    assert driver.state is not None
    assert next_wakeup(driver.state) is not None
    driver.run_until(grace_end - timedelta(minutes=1))
    assert resolved(driver) == []
    driver.run_until(grace_end)
    (result,) = resolved(driver)
    assert (result.status, result.promised_amount, result.paid_amount) == (
        PromiseStatus.BROKEN,
        9000,
        0,
    )


def test_paying_ninety_percent_within_grace_keeps_the_promise() -> None:
    driver = promised()
    driver.send(repayment("a1", 8100, at(DAY + timedelta(days=5), 9)))
    driver.run_until(at(DAY + timedelta(days=6), 0))
    assert [r.status for r in resolved(driver)] == [PromiseStatus.KEPT]


def test_paying_less_than_ninety_percent_breaks_the_promise() -> None:
    driver = promised()
    driver.send(repayment("a1", 8099, at(DAY + timedelta(days=5), 9)))
    driver.run_until(at(DAY + timedelta(days=6), 0))
    assert [r.status for r in resolved(driver)] == [PromiseStatus.BROKEN]


def test_a_broken_promise_brings_the_next_agent_call_forward() -> None:
    driver = promised()
    driver.run_until(at(DAY + timedelta(days=7), 23))
    calls = [c for c in driver.contacts() if c.channel is Channel.AGENT_CALL]
    # broken at midnight: the call held back for the promise comes first thing in the morning
    assert calls[1].occurred_at == at(DAY + timedelta(days=6), 8)
    assert calls[1].contact_id != calls[0].contact_id


def test_two_broken_promises_make_a_customer_wilful() -> None:
    driver = promised()
    driver.run_until(at(DAY + timedelta(days=6), 8))
    call = driver.last_contact(Channel.AGENT_CALL)
    again = DAY + timedelta(days=7)
    driver.send(
        outcome(
            Channel.AGENT_CALL,
            Outcome.PROMISE_TO_PAY,
            at(DAY + timedelta(days=6), 8, 5),
            call.contact_id,
            promise_amount=9000,
            promise_date=again,
            currency="CNY",
        )
    )
    driver.run_until(at(again + timedelta(days=3), 0))
    assert [r.status for r in resolved(driver)] == [PromiseStatus.BROKEN] * 2
    assert driver.state is not None
    assert driver.state.customer_type == driver.state.accounts["a1"].customer_type == "wilful"
    assert "2 broken promises" in driver.state.customer_type_reason
    driver.run_until(at(again + timedelta(days=3), 9))
    contact = [o for _, o in driver.log if isinstance(o, ContactDue)][-1]
    assert (contact.channel, contact.template) == (Channel.AGENT_CALL, "agent_call.final_notice")


def test_a_promise_that_arrives_after_the_account_was_paid_is_moot_not_a_dead_letter() -> None:
    driver = Driver(POLICY)
    driver.send(aging("a1", DAY, 16, 9000))
    driver.send(repayment("a1", 9000, at(DAY, 9)))
    late = outcome(
        Channel.AGENT_CALL,
        Outcome.PROMISE_TO_PAY,
        at(DAY, 10),
        promise_amount=9000,
        promise_date=DAY + timedelta(days=3),
        account_id="a1",
    )
    assert not any(isinstance(o, DeadLetter) for o in driver.send(late))
    assert driver.state is not None and driver.state.pending_promise is None


def test_a_promise_for_an_account_nobody_knows_is_a_dead_letter() -> None:
    driver = promised()
    stray = outcome(
        Channel.AGENT_CALL,
        Outcome.PROMISE_TO_PAY,
        at(DAY, 12),
        promise_amount=100,
        promise_date=DAY + timedelta(days=3),
        account_id="no-such-account",
    )
    assert [o.reason for o in driver.send(stray) if isinstance(o, DeadLetter)] == [
        "unknown_account"
    ]


def test_a_resolved_promise_gives_the_same_segment_ids_whenever_it_is_resolved() -> None:
    driver = promised()
    driver.run_until(at(DAY + timedelta(days=6), 8))
    call = driver.last_contact(Channel.AGENT_CALL)
    again = DAY + timedelta(days=7)
    second = outcome(
        Channel.AGENT_CALL,
        Outcome.PROMISE_TO_PAY,
        at(DAY + timedelta(days=6), 8, 5),
        call.contact_id,
        promise_amount=9000,
        promise_date=again,
        currency="CNY",
    )
    driver.send(second)
    assert driver.state is not None
    grace_end = at(again + timedelta(days=3), 0)  # broken again: the customer turns wilful
    on_time = due(driver.state, grace_end, POLICY).outputs
    late = due(driver.state, grace_end + timedelta(hours=5, minutes=3), POLICY).outputs

    def segment_ids(outputs: tuple[object, ...]) -> list[str]:
        return [o.event_id for o in outputs if isinstance(o, SegmentChanged)]

    assert segment_ids(on_time) == segment_ids(late) != []


def test_a_promise_far_out_is_held_to_the_strategys_horizon() -> None:
    driver = promised(promised_for=DAY + timedelta(days=90))
    assert driver.state is not None
    promise = driver.state.accounts["a1"].promise
    assert promise is not None
    assert promise.promised_for == DAY + timedelta(days=POLICY.promises.max_days) != DAY
    driver.run_until(at(DAY + timedelta(days=30), 0))
    assert [r.status for r in resolved(driver)] == [PromiseStatus.BROKEN]
    calls = [c for c in driver.contacts() if c.channel is Channel.AGENT_CALL]
    assert calls[-1].occurred_at < at(DAY + timedelta(days=30), 0)  # collection resumed


def test_a_key_press_promise_without_an_amount_is_for_the_whole_overdue_amount() -> None:
    driver = Driver(POLICY)
    driver.send(aging("a1", DAY, 16, 9000))
    driver.send(aging("a2", DAY, 3, 1000))
    key_press = outcome(  # a call-back to the IVR line: "press 1 to pay by ..."
        Channel.IVR, Outcome.PROMISE_TO_PAY, at(DAY, 10, 41), promise_date=DAY + timedelta(days=2)
    )
    assert not any(isinstance(o, DeadLetter) for o in driver.send(key_press))
    assert driver.state is not None
    promises = {a: s.promise.amount for a, s in driver.state.accounts.items() if s.promise}
    assert promises == {"a1": 9000, "a2": 1000}
