"""The legal path: stages advance on delivery only; failures are retried, then routed to
contact repair; the last delivered stage leads to one auditable litigation referral."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from streams.core import legal, load_policy
from streams.core.model import (
    Channel,
    ContactDue,
    CustomerType,
    HardStop,
    LitigationReferral,
    Outcome,
    Tier,
)
from tests.unit.core.walk_support import (
    START,
    Driver,
    aging,
    at,
    outcome,
    profile,
    report_letters,
    without_quiet_days,
)

POLICY = without_quiet_days(load_policy())
HOURS = timedelta(hours=5)


def severe(
    days: int,
    letters: Outcome | None = Outcome.DELIVERED,
    each_day: Callable[[Driver, int], None] | None = None,
    overdue: int = 900_000,
) -> Driver:
    """First seen at DPD 61, silent for ``days`` days; the letter service reports ``letters``."""
    driver = Driver(POLICY)
    for n in range(days):
        driver.send(aging("loan", START + timedelta(days=n), 61 + n, overdue))
        driver.run_until(at(START + timedelta(days=n), 23))
        if letters is not None:
            report_letters(driver, letters, HOURS)
        if each_day is not None:
            each_day(driver, n)
    return driver


def letters(driver: Driver) -> list[ContactDue]:
    return [c for c in driver.contacts() if c.channel is Channel.LEGAL_LETTER]


def referrals(driver: Driver) -> list[LitigationReferral]:
    return [o for _, o in driver.log if isinstance(o, LitigationReferral)]


def day_of(contact: ContactDue) -> int:
    return (contact.occurred_at.date() - START).days


def test_stages_advance_on_delivery_and_end_in_one_referral() -> None:
    driver = severe(60)
    sent = letters(driver)
    assert [(day_of(c), c.template, c.review_required) for c in sent] == [
        (0, "lawyer_letter", True),
        (30, "court_summons", True),  # 30 days after the lawyer's letter was delivered
    ]
    (referral,) = referrals(driver)
    assert [s.stage for s in referral.stages] == ["lawyer_letter", "court_summons"]
    assert [s.contact_id for s in referral.stages] == [c.contact_id for c in sent]
    # 14 days after the summons was delivered, and M3+ (DPD >= 91): DPD 105
    assert (referral.days_past_due, referral.tier, referral.review_required) == (
        105,
        Tier.SEVERE,
        True,
    )
    assert referral.amount_due == 900_000
    assert "court_summons delivered 14 days ago" in referral.reason


def test_an_undelivered_letter_is_sent_again_never_followed_by_the_next_stage() -> None:
    driver = severe(40, letters=None)  # the letter service never reports
    sent = letters(driver)
    assert {c.template for c in sent} == {"lawyer_letter"}
    assert [day_of(c) for c in sent] == [0, 10, 20]  # resent every delivery_days (10)
    assert len({c.contact_id for c in sent}) == 3
    assert referrals(driver) == []


def test_a_failed_letter_is_retried_then_routed_to_contact_repair() -> None:
    driver = severe(40, letters=Outcome.FAILED, overdue=80_000)  # too small for a visit
    sent = letters(driver)
    assert [(day_of(c), c.template) for c in sent] == [
        (0, "lawyer_letter"),
        (7, "lawyer_letter"),  # retry_days after the failure
        (14, "lawyer_letter"),
    ]
    repair = [
        c
        for c in driver.contacts()
        if c.channel is Channel.FIELD_VISIT and c.template == "field_visit.contact_repair"
    ]
    assert repair and day_of(repair[0]) >= 14
    assert driver.state is not None
    rule = POLICY.strategy.variants[0].plans[CustomerType.FIRST_TIME, Tier.SEVERE]
    assert legal.undeliverable(driver.state, rule.channels[Channel.LEGAL_LETTER], driver.now)


def test_a_right_party_contact_lets_the_letters_try_again() -> None:
    def answer_on_day_25(driver: Driver, n: int) -> None:
        if n == 25:
            driver.send(outcome(Channel.AGENT_CALL, Outcome.RIGHT_PARTY, driver.now))

    driver = severe(40, letters=Outcome.FAILED, each_day=answer_on_day_25)
    assert [day_of(c) for c in letters(driver)][:4] == [0, 7, 14, 26]  # the morning after


def test_a_hard_stop_or_a_promise_holds_the_referral_back() -> None:
    def stop_on_day_40(driver: Driver, n: int) -> None:
        if n == 40:
            stop = profile(driver.now, hard_stops=frozenset({HardStop.BANKRUPTCY}))
            driver.send(stop)

    assert referrals(severe(60, each_day=stop_on_day_40)) == []

    def promise_on_day_42(driver: Driver, n: int) -> None:
        if n == 42:
            promise = outcome(
                Channel.AGENT_CALL,
                Outcome.PROMISE_TO_PAY,
                driver.now,
                promise_date=(START + timedelta(days=n + 10)),
            )
            driver.send(promise)

    held = severe(60, each_day=promise_on_day_42)
    (late,) = referrals(held)
    assert late.days_past_due > 105  # after the broken promise, not during it


def test_the_referral_id_is_the_same_whenever_it_is_replayed() -> None:
    first, second = referrals(severe(50)), referrals(severe(50))
    assert [r.event_id for r in first] == [r.event_id for r in second] != []
