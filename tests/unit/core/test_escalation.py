"""The brief's escalation example and what counts as a response; selective field visits."""

from __future__ import annotations

from datetime import timedelta

from streams.core import load_policy
from streams.core.model import Channel, ContactDue, Outcome
from tests.unit.core.walk_support import (
    START,
    Driver,
    aging,
    at,
    outcome,
    without_quiet_days,
)

POLICY = without_quiet_days(load_policy())


def first_seen_at(dpd: int, days: int, overdue: int = 300_000) -> Driver:
    driver = Driver(POLICY)
    for n in range(days):
        driver.send(aging("loan", START + timedelta(days=n), dpd + n, overdue))
    return driver


def first_contact_days(driver: Driver) -> dict[Channel, int]:
    """Channel -> day (from START) of its first contact."""
    found: dict[Channel, int] = {}
    for contact in driver.contacts():
        found.setdefault(contact.channel, (contact.occurred_at.date() - START).days)
    return found


def test_an_account_first_seen_at_30_dpd_gets_sms_then_ivr_then_an_agent_call() -> None:
    driver = first_seen_at(30, 6)
    driver.run_until(at(START + timedelta(days=6), 0))
    channels = [c.channel for c in driver.contacts()]
    first = {c: channels.index(c) for c in (Channel.SMS, Channel.IVR, Channel.AGENT_CALL)}
    assert first[Channel.SMS] < first[Channel.IVR] < first[Channel.AGENT_CALL]
    assert channels[: first[Channel.IVR]] == [Channel.SMS] * 2  # two unanswered SMS first
    ivr = channels[first[Channel.IVR] : first[Channel.AGENT_CALL]]
    assert ivr == [Channel.IVR] * 2  # then two unanswered automated calls


def answer_every_ivr_call(driver: Driver, kinds: list[Outcome], until: int) -> None:
    end = at(START + timedelta(days=until), 0)
    seen = 0
    while driver.now < end:
        driver.run_until(min(end, driver.now + timedelta(minutes=30)))
        calls = [c for c in driver.contacts() if c.channel is Channel.IVR]
        for call in calls[seen:]:
            for i, kind in enumerate(kinds):
                when = call.occurred_at + timedelta(minutes=1 + i)
                driver.send(
                    outcome(Channel.IVR, kind, when, call.contact_id), max(when, driver.now)
                )
        seen = len(calls)


def test_a_wrong_party_answering_the_automated_call_is_no_response() -> None:
    silent = first_seen_at(30, 6)
    silent.run_until(at(START + timedelta(days=6), 0))
    wrong = first_seen_at(30, 1)
    answer_every_ivr_call(wrong, [Outcome.ANSWERED, Outcome.WRONG_PARTY], until=1)
    for n in range(1, 6):
        wrong.send(aging("loan", START + timedelta(days=n), 30 + n, 300_000))
    answer_every_ivr_call(wrong, [Outcome.ANSWERED, Outcome.WRONG_PARTY], until=6)
    agent = first_contact_days(wrong)[Channel.AGENT_CALL]
    assert agent == first_contact_days(silent)[Channel.AGENT_CALL]


def test_a_right_party_answer_stops_the_climb() -> None:
    driver = first_seen_at(30, 1)
    while not any(c.channel is Channel.IVR for c in driver.contacts()):
        driver.run_until(driver.now + timedelta(hours=1))
    ivr = driver.last_contact(Channel.IVR)
    driver.send(outcome(Channel.IVR, Outcome.RIGHT_PARTY, ivr.occurred_at + timedelta(minutes=2)))
    before = len(driver.contacts())
    for n in range((driver.now.date() - START).days + 1, 8):
        driver.send(aging("loan", START + timedelta(days=n), 30 + n, 300_000))
    driver.run_until(at(START + timedelta(days=8), 0))
    later = driver.contacts()[before:]
    assert later and all(c.channel is not Channel.IVR for c in later)  # IVR ends at 15 DPD


def visits(driver: Driver) -> list[ContactDue]:
    return [c for c in driver.contacts() if c.channel is Channel.FIELD_VISIT]


def test_a_small_balance_who_answers_the_phone_is_never_visited() -> None:
    driver = Driver(POLICY)
    for n in range(1, 40):
        driver.send(aging("loan", START + timedelta(days=n), n, 80_000))  # 800.00 CNY
        driver.run_until(at(START + timedelta(days=n), 20))
        for call in [c for c in driver.contacts() if c.channel.is_voice][-2:]:
            if call.occurred_at.date() == START + timedelta(days=n):
                driver.send(
                    outcome(
                        call.channel,
                        Outcome.RIGHT_PARTY,
                        call.occurred_at + timedelta(minutes=1),
                        call.contact_id,
                    ),
                    at(START + timedelta(days=n), 20, 1),
                )
    driver.run_until(at(START + timedelta(days=40), 0))
    assert visits(driver) == []


def test_an_account_first_seen_at_30_dpd_is_not_visited_on_its_second_day() -> None:
    driver = first_seen_at(30, 3, overdue=80_000)
    driver.run_until(at(START + timedelta(days=3), 0))
    assert visits(driver) == []


def test_a_large_balance_is_visited_once_the_visit_window_opens() -> None:
    driver = first_seen_at(29, 4, overdue=600_000)
    driver.run_until(at(START + timedelta(days=4), 0))
    (visit,) = visits(driver)
    assert (visit.days_past_due, visit.template) == (31, "field_visit.educational")


def test_a_customer_unreachable_despite_attempts_gets_a_contact_repair_visit() -> None:
    driver = first_seen_at(40, 30, overdue=80_000)
    driver.run_until(at(START + timedelta(days=30), 0))
    (first, *_) = visits(driver)
    assert first.template == "field_visit.contact_repair"
    before = [c for c in driver.contacts() if c.occurred_at < first.occurred_at]
    rule = POLICY.strategy.variants[0].plans[next(iter(POLICY.strategy.variants[0].plans))]
    visit_rule = rule.channels[Channel.FIELD_VISIT]
    assert sum(1 for c in before if c.channel.is_voice) >= visit_rule.unreachable_attempts
    assert (first.occurred_at.date() - before[0].occurred_at.date()).days >= 14
