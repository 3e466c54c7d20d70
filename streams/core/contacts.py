"""Build the contact for a slot: one per customer, channel and slot, covering every overdue
account in the worst account's currency (each amount listed), driven by the worst DPD."""

from __future__ import annotations

from datetime import datetime

from streams.core import ids
from streams.core.cadence import plan_for
from streams.core.config import Policy
from streams.core.dates import account_dpd
from streams.core.local import local_date, zone_of
from streams.core.model import (
    Channel,
    ContactDue,
    ContactSuppressed,
    CoveredAccount,
    LitigationReferral,
    SuppressionReason,
)
from streams.core.state import COLLECT, CustomerState, Slot
from streams.core.strategy import Plan


def covered_accounts(
    state: CustomerState, now: datetime, policy: Policy
) -> tuple[tuple[CoveredAccount, ...], str]:
    """Every overdue account in the worst account's currency, with its DPD, and that currency."""
    today = local_date(state, now)
    accounts = state.delinquent_accounts
    currency = accounts[0].currency if accounts else ""
    seg = policy.segmentation
    covered = tuple(
        CoveredAccount(a.account_id, account_dpd(a, now, today, seg), a.overdue_amount)
        for a in accounts
        if a.currency == currency
    )
    return covered, currency


def build_contact(state: CustomerState, slot: Slot, now: datetime, policy: Policy) -> ContactDue:
    covered, currency = covered_accounts(state, now, policy)
    dpd = max((c.days_past_due for c in covered), default=0)
    window = policy.compliance.windows[slot.channel]
    plan = plan_for(state, policy, dpd)
    rule = plan.channels.get(slot.channel)
    return ContactDue(
        contact_id=contact_id(state, slot),
        occurred_at=now,
        customer_id=state.customer_id,
        channel=slot.channel,
        accounts=covered,
        due_at=slot.due_at,
        expires_at=window.closes(max(now, slot.due_at), zone_of(state)),
        tier=policy.segmentation.tier(dpd),
        days_past_due=dpd,
        amount_due=sum(c.amount_due for c in covered),
        currency=currency,
        template=template_for(state, slot, plan),
        attempt=slot.attempt,
        strategy_variant=state.strategy_variant,
        locale=state.locale,
        review_required=rule is not None and rule.legal is not None and rule.legal.review,
    )


def litigation_referral(state: CustomerState, now: datetime, policy: Policy) -> LitigationReferral:
    """The referral's figures (legal.referral completes the id, stages and reason)."""
    covered, currency = covered_accounts(state, now, policy)
    dpd = max((c.days_past_due for c in covered), default=0)
    return LitigationReferral(
        event_id="",
        occurred_at=now,
        customer_id=state.customer_id,
        accounts=covered,
        days_past_due=dpd,
        tier=policy.segmentation.tier(dpd),
        amount_due=sum(c.amount_due for c in covered),
        currency=currency,
        stages=(),
        reason="",
        strategy_variant=state.strategy_variant,
    )


def contact_id(state: CustomerState, slot: Slot) -> str:
    number = slot.attempt if slot.purpose == COLLECT else f"{slot.attempt}:{slot.purpose}"
    return ids.contact_id(state.customer_id, slot.channel, state.episode_started, number)


def template_for(state: CustomerState, slot: Slot, plan: Plan) -> str:
    """``plan``: the customer's plan for the contact's DPD (``plan_for``)."""
    if slot.purpose != COLLECT:
        return f"{slot.channel.value}.{slot.purpose}"
    rule = plan.channels.get(slot.channel)
    if slot.channel is Channel.LEGAL_LETTER and rule is not None and rule.stages:
        stage = state.legal.stage if state.legal is not None else 0
        return rule.stages[min(stage, len(rule.stages) - 1)]
    family = rule.template if rule is not None and rule.template else plan.template
    return f"{slot.channel.value}.{family}"


def suppressed(
    state: CustomerState,
    slot: Slot,
    reason: SuppressionReason,
    detail: str,
    now: datetime,
    policy: Policy,
) -> ContactSuppressed:
    contact = build_contact(state, slot, now, policy)
    event_id = ids.suppression_event_id(contact.contact_id, reason.value)
    return ContactSuppressed(event_id, now, contact, reason, detail)
