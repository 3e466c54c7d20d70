"""Repayments and outcomes are applied once per event_id, for any replay within the horizon."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from streams.core import decide, load_policy
from streams.core.model import Channel, DeadLetter, Outcome, Tier
from tests.unit.core.walk_support import START, Driver, aging, at, outcome, profile, repayment

POLICY = load_policy()


def overdue_customer() -> Driver:
    driver = Driver(POLICY)
    driver.send(aging("a1", START, 20, 50_000))
    return driver


def test_a_repayment_resent_after_forty_other_events_is_not_applied_again() -> None:
    driver = overdue_customer()
    pay = repayment("a1", 6_000, at(START, 12))
    driver.send(pay)
    assert driver.state is not None
    assert driver.state.accounts["a1"].overdue_amount == 44_000
    for i in range(40):  # outcomes of other contacts in between
        driver.send(outcome(Channel.IVR, Outcome.NO_ANSWER, at(START, 13) + timedelta(minutes=i)))
    again = decide(driver.state, pay, at(START, 15), POLICY)
    assert (again.changed, again.outputs) == (False, ())
    assert again.state.accounts["a1"].overdue_amount == 44_000
    assert again.state.accounts["a1"].tier is Tier.MODERATE


def test_a_promise_resent_does_not_reset_what_was_paid_toward_it() -> None:
    driver = overdue_customer()
    promise = outcome(
        Channel.AGENT_CALL,
        Outcome.PROMISE_TO_PAY,
        at(START, 11),
        promise_amount=50_000,
        promise_date=START + timedelta(days=3),
    )
    driver.send(promise)
    driver.send(repayment("a1", 20_000, at(START, 14)))
    assert driver.state is not None
    assert driver.state.accounts["a1"].promise is not None
    assert driver.state.accounts["a1"].promise.paid == 20_000
    again = decide(driver.state, promise, at(START, 16), POLICY)
    assert not again.changed
    assert again.state.accounts["a1"].promise is not None
    assert again.state.accounts["a1"].promise.paid == 20_000


def test_an_event_older_than_the_dedup_horizon_is_refused_not_applied() -> None:
    driver = overdue_customer()
    late = repayment("a1", 6_000, at(START, 12))
    much_later = at(START, 12) + POLICY.dedup_horizon + timedelta(minutes=1)
    decision = decide(driver.state, late, much_later, POLICY)
    (refused,) = decision.outputs
    assert isinstance(refused, DeadLetter)
    assert refused.reason == "beyond_dedup_horizon"
    assert not decision.changed


def test_ids_beyond_the_limit_are_forgotten_and_events_up_to_them_refused() -> None:
    small = replace(POLICY, dedup_limit=3)
    driver = Driver(small)
    driver.send(aging("a1", START, 20, 50_000))
    outcomes = [
        outcome(Channel.IVR, Outcome.NO_ANSWER, at(START, 10) + timedelta(minutes=i))
        for i in range(5)
    ]
    for event in outcomes:
        driver.send(event)
    assert driver.state is not None
    assert [s.event_id for s in driver.state.seen_events] == [e.event_id for e in outcomes[2:]]
    refused = decide(driver.state, outcomes[1], at(START, 12), small)
    assert [o.reason for o in refused.outputs if isinstance(o, DeadLetter)] == [
        "beyond_dedup_horizon"
    ]


def test_remembered_ids_leave_the_state_once_past_the_horizon() -> None:
    driver = overdue_customer()
    driver.send(repayment("a1", 1_000, at(START, 12)))
    later = at(START, 12) + POLICY.dedup_horizon + timedelta(days=1)
    driver.send(repayment("a1", 1_000, later))
    assert driver.state is not None
    assert [s.at for s in driver.state.seen_events] == [later]


def test_an_older_profile_resent_does_not_undo_a_newer_one() -> None:
    driver = overdue_customer()
    old = profile(at(START, 2))
    new = profile(at(START, 3), opt_outs=frozenset({Channel.SMS}))
    driver.send(old)
    driver.send(new)
    again = decide(driver.state, old, at(START, 4), POLICY)
    assert not again.changed
    assert again.state.opt_outs == frozenset({Channel.SMS})
