"""Protective facts of a refused input are applied: contact stops, with an audit record."""

from __future__ import annotations

from datetime import timedelta

from streams.core import load_policy
from streams.core.model import Channel, ContactSuppressed, HardStop, SuppressionReason
from streams.core.protection import protect
from tests.unit.core.walk_support import START, Driver, aging, at, profile

POLICY = load_policy()


def scheduled_customer() -> Driver:
    driver = Driver(POLICY)
    driver.send(aging("a1", START, 3, 5_000))
    assert driver.state is not None and driver.state.slots
    return driver


def test_a_hard_stop_from_a_refused_profile_cancels_every_scheduled_contact() -> None:
    driver = scheduled_customer()
    decision = protect(
        driver.state,
        "c1",
        hard_stops={HardStop.DECEASED},
        source="profile",
        now=at(START, 2),
        policy=POLICY,
    )
    assert decision.changed and decision.state.slots == {}
    reasons = {o.reason for o in decision.outputs if isinstance(o, ContactSuppressed)}
    assert reasons == {SuppressionReason.HARD_STOP}


def test_a_later_valid_profile_replaces_profile_sourced_facts() -> None:
    driver = scheduled_customer()
    driver.state = protect(
        driver.state,
        "c1",
        hard_stops={HardStop.DISPUTE},
        source="profile",
        now=at(START, 2),
        policy=POLICY,
    ).state
    driver.send(profile(at(START, 3)))
    assert driver.state is not None and driver.state.hard_stops == frozenset()
    driver.run_until(at(START + timedelta(days=1), 12))
    assert driver.contacts()


def test_an_opt_out_from_a_refused_outcome_is_sticky() -> None:
    driver = scheduled_customer()
    driver.state = protect(
        driver.state,
        "c1",
        opt_outs={Channel.SMS},
        source="outcome",
        now=at(START, 2),
        policy=POLICY,
    ).state
    driver.send(profile(at(START, 3)))
    assert driver.state is not None and Channel.SMS in driver.state.all_opt_outs


def test_protecting_an_unknown_customer_creates_a_protected_state() -> None:
    decision = protect(
        None,
        "c9",
        hard_stops={HardStop.BANKRUPTCY},
        source="profile",
        now=at(START, 2),
        policy=POLICY,
    )
    assert decision.changed
    assert decision.state.customer_id == "c9"
    assert decision.state.hard_stops == frozenset({HardStop.BANKRUPTCY})
