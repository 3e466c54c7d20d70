"""Disputes are opened and resolved: a profile's own dispute ends with a later profile without
it; a dispute a gateway reported ends only when the lender resolves it explicitly."""

from __future__ import annotations

from datetime import timedelta

from streams.core import load_policy
from streams.core.model import Channel, HardStop, Outcome
from tests.unit.core.walk_support import START, Driver, aging, at, outcome, profile

POLICY = load_policy()
DAY1 = START + timedelta(days=1)


def disputed_by_a_gateway() -> Driver:
    driver = Driver(POLICY)
    driver.send(aging("a1", DAY1, 3, 5000))
    driver.run_until(at(DAY1, 11))
    driver.send(outcome(Channel.IVR, Outcome.DISPUTE, at(DAY1, 11, 5)))
    return driver


def contacts_between(driver: Driver, start: int, end: int) -> int:
    driver.run_until(at(START + timedelta(days=end), 0))
    low, high = at(START + timedelta(days=start), 0), at(START + timedelta(days=end), 0)
    return sum(1 for c in driver.contacts() if low <= c.occurred_at < high)


def test_a_reported_dispute_survives_a_profile_that_does_not_mention_it() -> None:
    driver = disputed_by_a_gateway()
    driver.send(profile(at(DAY1, 12)))  # the CRM's routine profile update
    assert contacts_between(driver, 2, 20) == 0


def test_the_lender_resolving_disputes_lifts_a_reported_dispute() -> None:
    driver = disputed_by_a_gateway()
    driver.run_until(at(DAY1 + timedelta(days=2), 0))
    driver.send(profile(at(DAY1 + timedelta(days=2), 9), disputes_resolved_at=at(DAY1, 16)))
    assert driver.state is not None
    assert HardStop.DISPUTE not in driver.state.all_hard_stops
    assert contacts_between(driver, 3, 6) > 0


def test_a_dispute_reported_after_the_resolution_time_still_stops_contact() -> None:
    driver = disputed_by_a_gateway()
    driver.send(profile(at(DAY1, 12), disputes_resolved_at=at(DAY1, 10)))  # an older one
    assert contacts_between(driver, 2, 20) == 0


def test_a_late_report_of_an_already_resolved_dispute_stops_nothing() -> None:
    driver = Driver(POLICY)
    driver.send(aging("a1", DAY1, 3, 5000))
    driver.send(profile(at(DAY1, 12), disputes_resolved_at=at(DAY1, 12)))
    driver.send(outcome(Channel.IVR, Outcome.DISPUTE, at(DAY1, 11, 5)), at(DAY1, 13))
    assert contacts_between(driver, 2, 6) > 0


def test_a_profile_dispute_ends_with_a_later_profile_without_it() -> None:
    driver = Driver(POLICY)
    driver.send(aging("a1", DAY1, 3, 5000))
    driver.send(profile(at(DAY1, 2), hard_stops=frozenset({HardStop.DISPUTE})))
    assert contacts_between(driver, 1, 5) == 0
    driver.send(profile(at(START + timedelta(days=5), 2)))
    assert contacts_between(driver, 5, 8) > 0
