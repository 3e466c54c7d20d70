"""The legal path: lawyer's letter, court summons, then a litigation referral.

A stage advances only once its letter was reported *delivered*. A letter reported failed,
or without any outcome ``delivery_days`` after it was sent, is sent again ``retry_days``
later (a new contact id); after ``stage_attempts`` letters the customer is unreachable by
post and is routed to contact repair (a field visit, cadence.py) until a right-party
response resets the tries. Each delivered letter is followed by an agent call.

Once every stage was delivered, ``referral_after_days`` have passed without payment or a
plan and the DPD reached ``referral_min_dpd``, the core emits one ``LitigationReferral`` per
episode: an explicit, auditable hand-over listing the delivered stages, for legal review
before anything is filed. Letters themselves carry ``review_required`` so a lawyer approves
their wording before they leave. A hard stop, a pending promise or plan, or a cure holds the
referral back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from streams.core import ids
from streams.core.legal_rules import LegalRules
from streams.core.local import at_local
from streams.core.model import Channel, ContactOutcome, LegalStage, LitigationReferral, Outcome
from streams.core.state import CustomerState, LegalProgress
from streams.core.strategy import ChannelRule
from streams.core.values import replace

NONE = LegalProgress()


def letter_time(
    state: CustomerState, rule: ChannelRule, first: datetime, zone: ZoneInfo
) -> datetime | None:
    """When the next legal letter is due; ``first``: the earliest moment for the first one."""
    legal, rules = state.legal or NONE, rule.legal or LegalRules()
    if legal.referred_at is not None or legal.stage >= len(rule.stages):
        return None
    if legal.sent_at is not None:  # waiting for its outcome: without one, send it again
        if legal.tries >= rules.stage_attempts:
            return None
        return legal.sent_at + timedelta(days=rules.delivery_days)
    if legal.failed_at is not None:
        if legal.tries >= rules.stage_attempts:
            return None
        return _on(legal.failed_at, rules.retry_days, rule, zone)
    if legal.delivered:
        return _on(legal.delivered[-1].delivered_at, rule.every_days, rule, zone)
    start = first.astimezone(zone)
    today = [t for t in rule.times if t >= start.time().replace(tzinfo=None)]
    return at_local(start.date(), today[0], zone) if today else first


def undeliverable(state: CustomerState, rule: ChannelRule, now: datetime) -> bool:
    """Every letter of the current stage failed or expired: route to contact repair."""
    legal, rules = state.legal, rule.legal or LegalRules()
    if legal is None or legal.tries < rules.stage_attempts:
        return False
    expired = legal.sent_at is not None and now >= legal.sent_at + timedelta(
        days=rules.delivery_days
    )
    return legal.failed_at is not None or expired


def sent(state: CustomerState, contact_id: str, stage: str, now: datetime) -> CustomerState:
    legal = state.legal or NONE
    letters = (*legal.letters, contact_id)
    tries = legal.tries + 1
    legal = replace(
        legal, tries=tries, letters=letters, sent_stage=stage, sent_at=now, failed_at=None
    )
    return replace(state, legal=legal)


def reported(state: CustomerState, e: ContactOutcome) -> CustomerState:
    """A delivered letter advances the stage; a failed one waits for its retry."""
    legal = state.legal
    if legal is None or e.channel is not Channel.LEGAL_LETTER or e.contact_id not in legal.letters:
        return state
    if e.outcome is Outcome.DELIVERED:
        done = LegalStage(legal.sent_stage, e.contact_id, e.occurred_at)
        advanced = LegalProgress(
            stage=legal.stage + 1, delivered=(*legal.delivered, done), referred_at=legal.referred_at
        )
        return replace(state, legal=advanced)
    if e.outcome is Outcome.FAILED and legal.letters[-1] == e.contact_id:
        return replace(state, legal=replace(legal, sent_at=None, failed_at=e.occurred_at))
    return state


def responded(state: CustomerState) -> CustomerState:
    """A right-party response: the customer can be reached, letters may be tried again."""
    legal = state.legal
    if legal is None or legal.tries == 0 or legal.sent_at is not None:
        return state
    return replace(state, legal=replace(legal, tries=0, letters=(), failed_at=None))


def referral_time(
    state: CustomerState, rule: ChannelRule, dpd: int, today: date, zone: ZoneInfo
) -> datetime | None:
    """When the litigation referral is due (None: not, or not yet known)."""
    legal, rules = state.legal, rule.legal or LegalRules()
    if legal is None or legal.referred_at is not None or legal.stage < len(rule.stages):
        return None
    waited = _on(legal.delivered[-1].delivered_at, rules.referral_after_days, rule, zone)
    old_enough = at_local(
        today + timedelta(days=max(0, rules.referral_min_dpd - dpd)), rule.times[0], zone
    )
    return max(waited, old_enough)


def with_referral_time(state: CustomerState, when: datetime | None) -> CustomerState:
    legal = state.legal
    if legal is None or legal.referral_due_at == when:
        return state
    return replace(state, legal=replace(legal, referral_due_at=when))


def referral(
    state: CustomerState, base: LitigationReferral, now: datetime
) -> tuple[CustomerState, LitigationReferral]:
    """Record the referral (once per episode) and complete its evidence."""
    legal = state.legal or NONE
    last = legal.delivered[-1]
    zone = ZoneInfo(state.time_zone)
    days = (now.astimezone(zone).date() - last.delivered_at.astimezone(zone).date()).days
    out = replace(
        base,
        event_id=ids.referral_id(state.customer_id, state.episode_started),
        stages=legal.delivered,
        reason=f"{last.stage} delivered {days} days ago; no payment or plan since",
    )
    done = replace(legal, referred_at=now, referral_due_at=None)
    return replace(state, legal=done), out


def _on(at: datetime, days: int, rule: ChannelRule, zone: ZoneInfo) -> datetime:
    day = at.astimezone(zone).date() + timedelta(days=days)
    return at_local(day, rule.times[0], zone)
