"""One silent customer per entry tier and customer type, walked through 120 days of daily
aging, the channel mix of each tier checked against the brief's tables; and the brief's own
escalation example (first seen at 30 DPD: SMS, then automated voice, then an agent).

The brief: mild 1-7 gentle reminders (SMS, automated voice); moderate 8-30 phone calls
first, SMS follow-up; heavy 31-60 intensified calls, field visits considered; severe 61+
a dedicated collector and legal action (letters, then litigation for M3+). Legal letters
from 61 (wilful customers: escalate quickly to legal process). Field visits selective.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from itertools import pairwise

import pytest

from streams.core import load_policy
from streams.core.model import (
    Channel,
    ContactDue,
    CustomerType,
    LitigationReferral,
    Outcome,
    Tier,
)
from tests.unit.core.walk_support import (
    START,
    Driver,
    aging,
    at,
    profile,
    report_letters,
    without_quiet_days,
)

POLICY = without_quiet_days(load_policy())
DAYS = 120
ENTRY = {Tier.MILD: 1, Tier.MODERATE: 8, Tier.HEAVY: 31, Tier.SEVERE: 61}
TYPES = {
    CustomerType.FIRST_TIME: {},
    CustomerType.REPEAT: {"prior_delinquencies": 1},
    CustomerType.WILFUL: {"wilful_flag": True},
}
TEMPLATE = {
    CustomerType.FIRST_TIME: "educational",
    CustomerType.REPEAT: "repayment_plan",
    CustomerType.WILFUL: "final_notice",
}
ALLOWED = {  # the brief's channels per tier (legal letters: see legal_from)
    Tier.MILD: {Channel.SMS, Channel.IVR},
    Tier.MODERATE: {Channel.SMS, Channel.IVR, Channel.AGENT_CALL},
    Tier.HEAVY: {Channel.SMS, Channel.AGENT_CALL, Channel.FIELD_VISIT, Channel.LEGAL_LETTER},
    Tier.SEVERE: {Channel.SMS, Channel.IVR, Channel.AGENT_CALL, Channel.FIELD_VISIT}
    | {Channel.LEGAL_LETTER},
}


def walk(entry_dpd: int, kind: CustomerType, overdue: int = 300_000) -> Driver:
    """Silent for ``DAYS`` days from ``entry_dpd``; the letter service reports deliveries."""
    driver = Driver(POLICY)
    driver.send(profile(at(START, 0), **TYPES[kind]))  # type: ignore[arg-type]
    for n in range(DAYS):
        driver.send(aging("loan", START + timedelta(days=n), entry_dpd + n, overdue))
        driver.run_until(at(START + timedelta(days=n), 23))
        report_letters(driver, Outcome.DELIVERED, timedelta(hours=5))
    return driver


def per_week(contacts: list[ContactDue], channels: set[Channel]) -> float:
    days = {c.days_past_due for c in contacts}
    touches = sum(1 for c in contacts if c.channel in channels)
    return 7 * touches / max(1, len(days))


CASES = [(tier, kind) for tier in ENTRY for kind in TYPES]


@pytest.mark.parametrize(("tier", "kind"), CASES, ids=[f"{t}-{k}" for t, k in CASES])
def test_a_silent_customer_is_worked_as_the_brief_says_for_120_days(
    tier: Tier, kind: CustomerType
) -> None:
    driver = walk(ENTRY[tier], kind)
    contacts = driver.contacts()
    by_tier: dict[Tier, list[ContactDue]] = {}
    for c in contacts:
        by_tier.setdefault(c.tier, []).append(c)
    entered_late = ENTRY[tier] > 1  # first seen past DPD 1: climbs the ladder first
    legal_from = 31 if kind is CustomerType.WILFUL else 61
    for seen, done in by_tier.items():
        channels = {c.channel for c in done}
        climbing = {Channel.SMS, Channel.IVR} if entered_late else set()
        assert channels <= ALLOWED[seen] | climbing, (seen, channels)
    for c in contacts:
        if c.channel is Channel.LEGAL_LETTER:
            assert c.days_past_due >= legal_from and c.review_required
        if c.channel is Channel.FIELD_VISIT:
            assert c.days_past_due >= 31
        if c.channel is not Channel.LEGAL_LETTER and "." in c.template:
            family = c.template.split(".", 1)[1]
            assert family in {TEMPLATE[kind], "dedicated_collector", "contact_repair"} | {
                "legal_follow_up"
            }, c.template
    # every day of the walk is worked: no week without a contact
    days = sorted({(c.occurred_at.date() - START).days for c in contacts})
    assert days[0] <= 1 and days[-1] >= DAYS - 3
    assert max(b - a for a, b in pairwise(days)) <= POLICY.strategy.max_gap_days
    if Tier.SEVERE in by_tier:  # a dedicated collector to the end of the walk
        calls = [c for c in by_tier[Tier.SEVERE] if c.channel is Channel.AGENT_CALL]
        assert {c.template for c in calls} >= {"agent_call.dedicated_collector"}
        assert max(c.days_past_due for c in calls) >= ENTRY[tier] + DAYS - 3
    referrals = [o for _, o in driver.log if isinstance(o, LitigationReferral)]
    assert len(referrals) <= 1
    if ENTRY[tier] + DAYS > 120:  # reached M3+ with both stages delivered
        assert len(referrals) == 1 and referrals[0].days_past_due >= 61


def test_heavy_calls_are_intensified_beyond_moderate() -> None:
    driver = walk(ENTRY[Tier.MILD], CustomerType.FIRST_TIME)
    by_tier: dict[Tier, list[ContactDue]] = {}
    for c in driver.contacts():
        by_tier.setdefault(c.tier, []).append(c)
    voice = {Channel.IVR, Channel.AGENT_CALL}
    assert per_week(by_tier[Tier.HEAVY], voice) > per_week(by_tier[Tier.MODERATE], voice)
    assert per_week(by_tier[Tier.HEAVY], voice) > per_week(by_tier[Tier.SEVERE], voice) > 0


def test_moderate_sms_follow_the_calls() -> None:
    driver = walk(ENTRY[Tier.MILD], CustomerType.FIRST_TIME)
    moderate = [c for c in driver.contacts() if c.tier is Tier.MODERATE]
    last_sms = None
    for c in moderate:
        if c.channel is Channel.SMS:
            calls = [
                x
                for x in moderate
                if x.channel.is_voice
                and x.occurred_at < c.occurred_at
                and (last_sms is None or x.occurred_at > last_sms)
            ]
            assert calls, f"SMS at DPD {c.days_past_due} follows no call"
            last_sms = c.occurred_at
    assert Counter(c.channel for c in moderate)[Channel.SMS] >= 3


@pytest.mark.parametrize("kind", list(TYPES))
def test_the_briefs_example_first_seen_at_30_dpd_sms_then_ivr_then_agent(
    kind: CustomerType,
) -> None:
    driver = walk(30, kind)
    ladder = [Channel.SMS, Channel.IVR, Channel.AGENT_CALL]
    order: list[Channel] = []
    for c in driver.contacts():
        if c.channel in ladder and c.channel not in order:
            order.append(c.channel)
    assert order == ladder
