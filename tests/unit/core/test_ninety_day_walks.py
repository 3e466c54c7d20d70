"""Three typical accounts walked through 90 days of daily aging, checked contact by contact."""

from __future__ import annotations

from datetime import date, timedelta

from streams.core import load_policy
from streams.core.model import (
    Channel,
    ContactSuppressed,
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
    assert timeline(driver.contacts()) == [
        "DPD 1 03-02 10:00 sms sms.educational",
        "DPD 1 03-21 10:00 sms sms.repayment_plan",
        "DPD 3 03-23 10:00 sms sms.repayment_plan",
        *ivr_days(22, 22, 3, plan),
        *ivr_days(23, 23, 4, plan),
        "DPD 5 03-25 10:00 sms sms.repayment_plan",
        *ivr_days(24, 24, 5, plan),
        *ivr_days(25, 25, 6, plan),
        "DPD 7 03-27 10:00 sms sms.repayment_plan",
        *ivr_days(26, 34, 7, plan),
        "DPD 16 04-05 11:00 agent_call agent_call.repayment_plan",  # promise to pay day 38
        "DPD 18 04-07 10:00 sms sms.promise_reminder",
        "DPD 22 04-11 08:00 agent_call agent_call.repayment_plan",  # broken: sooner
        "DPD 24 04-13 11:00 agent_call agent_call.repayment_plan",
    ]
    results = [o for _, o in driver.log if isinstance(o, PromiseResolved)]
    assert [(r.status, r.occurred_at) for r in results] == [(PromiseStatus.BROKEN, at(day(41), 0))]
    reasons = [o.reason for _, o in driver.log if isinstance(o, ContactSuppressed)]
    assert reasons == [
        SuppressionReason.CURED,  # first episode
        SuppressionReason.PROMISE_PENDING,
        SuppressionReason.CURED,  # paid on day 44
    ]


def test_wilful_customer_reaches_legal() -> None:
    driver = Driver(POLICY)
    for n in range(1, 91):
        driver.send(aging("loan-3", day(n), n, 800_000))
        if n in (16, 19):  # the agent call of the day is refused
            driver.run_until(at(day(n), 11))
            call = driver.last_contact(Channel.AGENT_CALL)
            driver.send(
                outcome(Channel.AGENT_CALL, Outcome.REFUSED, at(day(n), 11, 10), call.contact_id)
            )
    driver.run_until(at(day(91), 0))

    contacts = timeline(driver.contacts())
    assert [c for c in contacts if " ivr " in c] == ivr_days(3, 15, 3, "educational")
    agent_days = [22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60]
    assert [c for c in contacts if " ivr " not in c] == [
        "DPD 1 03-02 10:00 sms sms.educational",
        "DPD 3 03-04 10:00 sms sms.educational",
        "DPD 5 03-06 10:00 sms sms.educational",
        "DPD 7 03-08 10:00 sms sms.educational",
        "DPD 16 03-17 11:00 agent_call agent_call.educational",  # refused
        "DPD 19 03-20 11:00 agent_call agent_call.educational",  # refused again: wilful
        *[
            f"DPD {d} {day(d):%m-%d} 11:00 agent_call agent_call.final_notice"
            for d in agent_days
            if d < 31
        ],
        "DPD 31 04-01 10:00 field_visit field_visit.final_notice",
        "DPD 31 04-01 10:00 legal_letter lawyer_letter",  # wilful: legal from DPD 31
        *[
            f"DPD {d} {day(d):%m-%d} 11:00 agent_call agent_call.final_notice"
            for d in agent_days
            if 31 < d < 45
        ],
        "DPD 45 04-15 10:00 field_visit field_visit.final_notice",
        "DPD 45 04-15 10:00 legal_letter court_summons",
        *[
            f"DPD {d} {day(d):%m-%d} 11:00 agent_call agent_call.final_notice"
            for d in agent_days
            if d > 45
        ],
    ]
    wilful = [
        o
        for _, o in driver.log
        if isinstance(o, SegmentChanged) and o.from_customer_type != o.to_customer_type == "wilful"
    ]
    assert [(w.days_past_due, w.reason) for w in wilful] == [
        (19, "contact outcome refused; 2 refusals to pay in 365 days")
    ]


def test_a_severe_account_gets_an_agent_call_after_each_legal_letter() -> None:
    # never reached, no payment: unreachable, not wilful, so letters come 30 days apart
    driver = Driver(POLICY)
    for n in range(61, 100):
        driver.send(aging("loan-4", day(n - 60), n, 50_000))
    driver.run_until(at(day(40), 0))
    legal = [c for c in timeline(driver.contacts()) if "legal" in c]
    assert legal == [
        "DPD 61 03-02 10:00 legal_letter lawyer_letter",
        "DPD 63 03-04 11:00 agent_call agent_call.legal_follow_up",
        "DPD 91 04-01 10:00 legal_letter court_summons",
        "DPD 93 04-03 11:00 agent_call agent_call.legal_follow_up",
    ]
