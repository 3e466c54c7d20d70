"""Three typical accounts walked through 90 days of daily aging, checked contact by contact."""

from __future__ import annotations

from datetime import date, timedelta

from streams.core import load_policy
from streams.core.model import (
    Channel,
    ContactSuppressed,
    LitigationReferral,
    Outcome,
    PromiseResolved,
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
    repayment,
    report_letters,
    timeline,
    without_quiet_days,
)

POLICY = without_quiet_days(load_policy())  # 2026-03-01 + 90 days crosses two holidays


def day(n: int) -> date:
    return START + timedelta(days=n)


def ivr_days(first: int, last: int, dpd_of_first: int, template: str) -> list[str]:
    """Automated voice twice a day (10:30 and 16:30) on every day from ``first`` to ``last``."""
    lines = []
    for n in range(first, last + 1):
        dpd = dpd_of_first + n - first
        for hhmm in ("10:30", "16:30"):
            lines.append(f"DPD {dpd} {day(n):%m-%d} {hhmm} ivr ivr.{template}")
    return lines


def test_first_time_mild_account_paying_on_day_four() -> None:
    driver = Driver(POLICY)
    for n in range(1, 5):
        driver.send(aging("loan-1", day(n), n, 80_000))
    outputs = driver.send(repayment("loan-1", 80_000, at(day(4), 9)))
    for n in range(5, 91):
        driver.send(aging("loan-1", day(n), 0, 0, outstanding=920_000))
    driver.run_until(at(day(91), 0))

    assert timeline(driver.contacts()) == [
        "DPD 1 03-02 10:00 sms sms.educational",
        "DPD 3 03-04 10:00 sms sms.educational",  # two SMS unanswered: voice joins
        "DPD 3 03-04 10:30 ivr ivr.educational",
        "DPD 3 03-04 16:30 ivr ivr.educational",
    ]
    cancelled = [o for o in outputs if isinstance(o, ContactSuppressed)]
    assert {(c.contact.channel, c.reason) for c in cancelled} == {
        (Channel.SMS, SuppressionReason.CURED),
        (Channel.IVR, SuppressionReason.CURED),
    }
    segments = [o for _, o in driver.log if isinstance(o, SegmentChanged)]
    assert [(s.to_tier, s.to_customer_type, s.reason) for s in segments] == [
        ("mild", "first_time", "aging; first delinquency episode in 365 days"),
        ("current", "first_time", "cured"),
    ]


def test_repeat_customer_who_breaks_a_promise() -> None:
    driver = Driver(POLICY)
    for n in (1, 2):  # a first, short episode
        driver.send(aging("loan-2", day(n), n, 120_000))
    driver.send(repayment("loan-2", 120_000, at(day(2), 12)))
    for n in range(3, 20):
        driver.send(aging("loan-2", day(n), 0, 0, outstanding=880_000))
    for n in range(20, 36):  # the second episode: the due date of day 19 is missed
        driver.send(aging("loan-2", day(n), n - 19, 120_000, outstanding=880_000))
    driver.run_until(at(day(35), 11))
    call = driver.last_contact(Channel.AGENT_CALL)
    promise = outcome(
        Channel.AGENT_CALL,
        Outcome.PROMISE_TO_PAY,
        at(day(35), 11, 5),
        call.contact_id,
        promise_amount=120_000,
        promise_date=day(38),
        currency="CNY",
    )
    driver.send(promise)
    for n in range(36, 45):
        driver.send(aging("loan-2", day(n), n - 19, 120_000, outstanding=880_000))
    driver.send(repayment("loan-2", 120_000, at(day(44), 15)))
    for n in range(45, 91):
        driver.send(aging("loan-2", day(n), 0, 0, outstanding=760_000))
    driver.run_until(at(day(91), 0))

    plan = "repayment_plan"
    contacts = timeline(driver.contacts())
    assert [c for c in contacts if " ivr " in c] == ivr_days(22, 34, 3, plan)
    assert [c for c in contacts if " ivr " not in c] == [
        "DPD 1 03-02 10:00 sms sms.educational",
        "DPD 1 03-21 10:00 sms sms.repayment_plan",
        "DPD 3 03-23 10:00 sms sms.repayment_plan",
        "DPD 5 03-25 10:00 sms sms.repayment_plan",
        "DPD 7 03-27 10:00 sms sms.repayment_plan",
        "DPD 10 03-30 12:30 sms sms.repayment_plan",  # moderate: SMS follows the calls
        "DPD 13 04-02 12:30 sms sms.repayment_plan",
        "DPD 16 04-05 11:00 agent_call agent_call.repayment_plan",  # promise to pay day 38
        "DPD 18 04-07 12:30 sms sms.promise_reminder",
        "DPD 22 04-11 08:00 agent_call agent_call.repayment_plan",  # broken: sooner
        "DPD 22 04-11 12:30 sms sms.repayment_plan",
        "DPD 24 04-13 11:00 agent_call agent_call.repayment_plan",
        "DPD 25 04-14 12:30 sms sms.repayment_plan",
    ]
    results = [o for _, o in driver.log if isinstance(o, PromiseResolved)]
    assert [(r.status, r.occurred_at) for r in results] == [(PromiseStatus.BROKEN, at(day(41), 0))]
    reasons = [o.reason for _, o in driver.log if isinstance(o, ContactSuppressed)]
    assert reasons == [
        SuppressionReason.CURED,  # first episode
        SuppressionReason.PROMISE_PENDING,  # the follow-up SMS of the call
        SuppressionReason.PROMISE_PENDING,  # the next agent call
        SuppressionReason.CURED,  # paid on day 44
    ]


def test_wilful_customer_reaches_legal() -> None:
    driver = Driver(POLICY)
    for n in range(1, 91):
        driver.send(aging("loan-3", day(n), n, 800_000))
        report_letters(driver, Outcome.DELIVERED, timedelta(hours=5))
        if n in (16, 19):  # the agent call of the day is refused
            driver.run_until(at(day(n), 11))
            call = driver.last_contact(Channel.AGENT_CALL)
            driver.send(
                outcome(Channel.AGENT_CALL, Outcome.REFUSED, at(day(n), 11, 10), call.contact_id)
            )
    driver.run_until(at(day(91), 0))

    contacts = timeline(driver.contacts())
    assert [c for c in contacts if " ivr " in c] == ivr_days(3, 15, 3, "educational")
    calls = [c for c in driver.contacts() if c.channel is Channel.AGENT_CALL]
    by_tier: dict[str, list[int]] = {}
    for call in calls:
        by_tier.setdefault(call.tier, []).append(call.days_past_due)
    # moderate: every 2 days; heavy: intensified, twice a day; severe: a dedicated collector
    assert by_tier["moderate"] == [16, 19, 22, 24, 26, 28, 30]  # 16, 19: refused (+1 day)
    assert by_tier["heavy"] == [d for d in range(31, 61) for _ in (11, 17)]
    assert by_tier["severe"] == list(range(62, 91, 2))
    assert {c.template for c in calls if c.tier == "severe"} == {"agent_call.dedicated_collector"}
    legal = [c for c in contacts if "legal_letter" in c or "field_visit" in c]
    assert legal == [
        "DPD 31 04-01 10:00 field_visit field_visit.final_notice",  # wilful: any balance
        "DPD 31 04-01 10:00 legal_letter lawyer_letter",  # wilful: legal from DPD 31
        "DPD 45 04-15 10:00 field_visit field_visit.final_notice",
        "DPD 45 04-15 10:00 legal_letter court_summons",
        "DPD 59 04-29 10:00 field_visit field_visit.final_notice",  # at most 3 visits
    ]
    (referral,) = [o for _, o in driver.log if isinstance(o, LitigationReferral)]
    assert referral.days_past_due == 61  # wilful: referral_min_dpd 61 instead of 91
    sms = [c for c in contacts if " sms " in c]
    # mild: every 2 days; moderate: after the calls, 3 days apart
    assert [int(s.split()[1]) for s in sms] == [1, 3, 5, 7, 10, 13, 16, 19, 22, 25, 28]
    wilful = [
        o
        for _, o in driver.log
        if isinstance(o, SegmentChanged) and o.from_customer_type != o.to_customer_type == "wilful"
    ]
    assert [(w.days_past_due, w.reason) for w in wilful] == [
        (19, "contact outcome refused; 2 refusals to pay in 365 days")
    ]


def test_a_severe_account_gets_an_agent_call_after_each_legal_letter() -> None:
    # first seen at DPD 61, never reached, no payment: unreachable, not wilful
    driver = Driver(POLICY)
    for n in range(61, 100):
        driver.send(aging("loan-4", day(n - 60), n, 50_000))
        report_letters(driver, Outcome.DELIVERED, timedelta(hours=5))
    driver.run_until(at(day(40), 0))
    letters = [c for c in driver.contacts() if c.channel is Channel.LEGAL_LETTER]
    assert [(c.days_past_due, c.template) for c in letters] == [
        (61, "lawyer_letter"),
        (91, "court_summons"),
    ]
    calls = [c for c in driver.contacts() if c.channel is Channel.AGENT_CALL]
    for letter in letters:  # a phone follow-up by the second day after each letter
        sent = letter.occurred_at.date()
        assert any(
            c.occurred_at > letter.occurred_at and (c.occurred_at.date() - sent).days <= 2
            for c in calls
        )
