"""Cadence and escalation: which channel should contact the customer next, and when.

Everything is derived from the state (DPD of the worst account, attempts per channel in this
episode, last responses) and the strategy plan, so the same state always yields the same
slot. Compliance (hours, caps, hard stops) is not decided here but in :mod:`gate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from streams.core.config import Policy
from streams.core.dates import worst_dpd
from streams.core.local import at_local
from streams.core.model import Channel
from streams.core.state import (
    COLLECT,
    FOLLOW_UP,
    REMINDER,
    AccountState,
    ChannelProgress,
    CustomerState,
    Promise,
    Slot,
)
from streams.core.strategy import ChannelRule, Plan

DEFAULT_TIME = time(10, 0)
NO_PROGRESS = ChannelProgress()
CHANNELS = tuple(Channel)  # in enum order; iterating the enum itself costs more per loop


def plan_for(
    state: CustomerState, policy: Policy, overdue: Sequence[AccountState] | None = None
) -> Plan:
    """The plan of the customer's variant for their customer type.

    ``overdue``: the state's delinquent accounts, when the caller already has them.
    """
    return policy.strategy.variant(state.strategy_variant).plans[state.customer_type]


def customer_dpd(state: CustomerState, now: datetime, policy: Policy) -> int:
    today = now.astimezone(ZoneInfo(state.time_zone)).date()
    return worst_dpd(state.delinquent_accounts, now, today, policy.segmentation)


def ladder_step(plan: Plan, dpd: int, level: int, skip: frozenset[Channel]) -> int | None:
    """Current escalation step: never below the first ladder channel usable at this DPD.

    Channels in ``skip`` (opted out) are stepped over, so an opt-out never stalls escalation.
    """
    if not plan.ladder:
        return None
    usable = [
        i for i, c in enumerate(plan.ladder) if plan.channels[c].covers(dpd) and c not in skip
    ]
    floor = usable[0] if usable else 0
    return min(max(level, floor), len(plan.ladder) - 1)


def escalate_on_silence(state: CustomerState, ctx: Context) -> CustomerState:
    """Open the next ladder step once the current one got no response N times."""
    plan, step = ctx.plan, ctx.step
    if step is None or step >= len(plan.ladder) - 1:
        return state
    progress = state.progress.get(plan.ladder[step])
    if progress and progress.unanswered >= plan.no_response_attempts:
        return replace(state, escalation_level=step + 1)
    return state


def escalate_one_step(state: CustomerState, plan: Plan, dpd: int) -> CustomerState:
    step = ladder_step(plan, dpd, state.escalation_level, state.all_opt_outs)
    level = state.escalation_level + 1 if step is None else min(step + 1, len(plan.ladder) - 1)
    return replace(state, escalation_level=max(level, state.escalation_level))


class Context(NamedTuple):
    """Facts derived once per re-plan and shared by every channel (a tuple: cheap to build)."""

    plan: Plan
    now: datetime
    today: date
    zone: ZoneInfo
    dpd: int  # of the worst overdue account
    overdue: int  # total overdue in the worst account's currency
    promise: Promise | None
    step: int | None  # current escalation step on the ladder


def context(
    state: CustomerState,
    now: datetime,
    policy: Policy,
    overdue: Sequence[AccountState] | None = None,
) -> Context:
    """``overdue``: the state's delinquent accounts, when the caller already has them."""
    zone = ZoneInfo(state.time_zone)
    today = now.astimezone(zone).date()
    accounts = state.delinquent_accounts if overdue is None else overdue
    plan = plan_for(state, policy, accounts)
    dpd = worst_dpd(accounts, now, today, policy.segmentation)
    amount = sum(a.overdue_amount for a in accounts if a.currency == accounts[0].currency)
    step = ladder_step(plan, dpd, state.escalation_level, state.all_opt_outs)
    return Context(plan, now, today, zone, dpd, amount, state.pending_promise, step)


def desired_slot(
    state: CustomerState, channel: Channel, ctx: Context, policy: Policy
) -> Slot | None:
    progress = state.progress.get(channel, NO_PROGRESS)
    attempt = progress.attempts + progress.suppressed + 1
    existing = state.slots.get(channel)
    if existing is not None and existing.attempt != attempt:
        existing = None
    options: list[tuple[datetime, str]] = []
    rule = ctx.plan.channels.get(channel)
    if ctx.promise is not None:
        reminder = None
        if channel is Channel.SMS:
            reminder = _reminder_at(ctx.promise, ctx.plan, progress, ctx.zone, policy)
        if reminder is not None:
            options.append((reminder, REMINDER))
    elif rule is not None and _eligible(state, channel, rule, ctx, progress):
        first = existing.due_at if existing and existing.purpose == COLLECT else ctx.now
        options.append((_next_time(state, channel, rule, progress, first, ctx.zone), COLLECT))
    if channel is Channel.AGENT_CALL and ctx.promise is None:
        follow_up = _follow_up_at(state, ctx.plan, ctx.zone)
        if follow_up is not None:
            options.append((follow_up, FOLLOW_UP))
    if not options:
        return None
    due_at, purpose = min(options)
    not_before = existing.not_before if existing else None
    if not_before is not None:
        due_at = max(due_at, not_before)
    if existing is not None and (existing.due_at, existing.purpose) == (due_at, purpose):
        return existing  # unchanged: keeping the same object makes the schedule compare cheap
    return Slot(channel, attempt, due_at, purpose, not_before)


def _eligible(
    state: CustomerState,
    channel: Channel,
    rule: ChannelRule,
    ctx: Context,
    progress: ChannelProgress,
) -> bool:
    if not rule.covers(ctx.dpd):
        return False
    limit = rule.attempt_limit
    if limit is not None and progress.attempts >= limit:
        return False
    if channel in ctx.plan.ladder and (
        ctx.step is None or ctx.plan.ladder.index(channel) > ctx.step
    ):
        return False
    if rule.min_overdue_amount is None and rule.unreachable_days is None:
        return True
    if rule.min_overdue_amount is not None and ctx.overdue >= rule.min_overdue_amount:
        return True
    heard = (
        state.last_right_party_at.astimezone(ctx.zone).date() if state.last_right_party_at else None
    )
    since = heard or state.episode_started
    return (
        rule.unreachable_days is not None
        and since is not None
        and (ctx.today - since).days >= rule.unreachable_days
    )


def _next_time(
    state: CustomerState,
    channel: Channel,
    rule: ChannelRule,
    progress: ChannelProgress,
    first: datetime,
    zone: ZoneInfo,
) -> datetime:
    """The next configured local time on an attempt day (``every_days`` apart, adjusted)."""
    last = progress.last_at
    if last is None:  # the next configured time today, else as soon as allowed
        start = first.astimezone(zone)
        today = [t for t in rule.times if t >= start.time().replace(tzinfo=None)]
        return at_local(start.date(), today[0], zone) if today else first
    local = last.astimezone(zone)
    later = [t for t in rule.times if t > local.time()]
    if later and _sent_on(state, channel, local.date(), zone) < len(rule.times):
        return at_local(local.date(), later[0], zone)
    gap = rule.every_days
    if state.last_broken_promise_at and state.last_broken_promise_at > last:
        gap -= rule.sooner_after_broken_promise_days
    elif state.last_right_party_at and state.last_right_party_at >= last:
        gap += rule.later_after_right_party_days
    return at_local(local.date() + timedelta(days=max(1, gap)), rule.times[0], zone)


def _sent_on(state: CustomerState, channel: Channel, day: date, zone: ZoneInfo) -> int:
    """Contacts made on ``channel`` on the customer's local ``day``."""
    return sum(
        1
        for e in state.ledger
        if e.channel is channel and not e.inbound and e.at.astimezone(zone).date() == day
    )


def _follow_up_at(state: CustomerState, plan: Plan, zone: ZoneInfo) -> datetime | None:
    """An agent call owed after a legal letter (none made since the letter)."""
    letter = state.progress.get(Channel.LEGAL_LETTER)
    rule = plan.channels.get(Channel.LEGAL_LETTER)
    if letter is None or letter.last_at is None or rule is None:
        return None
    if rule.follow_up_call_days is None:
        return None
    call = state.progress.get(Channel.AGENT_CALL)
    if call is not None and call.last_at is not None and call.last_at > letter.last_at:
        return None
    agent = plan.channels.get(Channel.AGENT_CALL)
    when = (agent or rule).times[0]
    day = letter.last_at.astimezone(zone).date() + timedelta(days=rule.follow_up_call_days)
    return at_local(day, when, zone)


def _reminder_at(
    promise: Promise, plan: Plan, progress: ChannelProgress, zone: ZoneInfo, policy: Policy
) -> datetime | None:
    """One SMS before the promised date, unless already sent or too late to be useful."""
    if progress.last_at is not None and progress.last_at >= promise.made_at:
        return None
    sms = plan.channels.get(Channel.SMS)
    day = promise.promised_for - timedelta(days=policy.promises.reminder_days_before)
    at = at_local(day, sms.times[0] if sms else DEFAULT_TIME, zone)
    return None if at < promise.made_at else at
