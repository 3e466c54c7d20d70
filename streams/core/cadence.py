"""Cadence and escalation: which channel should contact the customer next, and when.

Everything is derived from the state (DPD of the worst account, attempts per channel in this
episode, last responses) and the strategy plan, so the same state always yields the same
slot. Compliance (hours, caps, hard stops) is not decided here but in :mod:`gate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from streams.core import legal
from streams.core.config import Policy
from streams.core.dates import worst_dpd
from streams.core.ladder import floor_step, is_climbing, ladder_step
from streams.core.local import at_local
from streams.core.model import Channel
from streams.core.state import (
    COLLECT,
    COLLECTING,
    CONTACT_REPAIR,
    FOLLOW_UP,
    PLAN_REMINDER,
    AccountState,
    ChannelProgress,
    Commitment,
    CustomerState,
    Slot,
)
from streams.core.strategy import ChannelRule, Plan

DEFAULT_TIME = time(10, 0)
MIDNIGHT = time(0, 0)
NO_PROGRESS = ChannelProgress()
CHANNELS = tuple(Channel)  # in enum order; iterating the enum itself costs more per loop
VOICE = (Channel.IVR, Channel.AGENT_CALL)


def plan_for(state: CustomerState, policy: Policy, dpd: int) -> Plan:
    """The plan of the customer's variant for their customer type and the DPD's tier."""
    variant = policy.strategy.variant(state.strategy_variant)
    return variant.plan(state.customer_type, policy.segmentation.tier(dpd))


def customer_dpd(state: CustomerState, now: datetime, policy: Policy) -> int:
    today = now.astimezone(ZoneInfo(state.time_zone)).date()
    return worst_dpd(state.delinquent_accounts, now, today, policy.segmentation)


class Context(NamedTuple):
    """Facts derived once per re-plan and shared by every channel (a tuple: cheap to build)."""

    plan: Plan
    now: datetime
    today: date
    zone: ZoneInfo
    dpd: int  # of the worst overdue account
    overdue: int  # total overdue in the worst account's currency
    commitment: Commitment | None  # a promise or plan instalment pausing collection
    step: int | None  # current escalation step on the ladder
    climbing: bool  # walking the ladder from its first step (ladder.py)


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
    dpd = worst_dpd(accounts, now, today, policy.segmentation)
    plan = plan_for(state, policy, dpd)
    amount = sum(a.overdue_amount for a in accounts if a.currency == accounts[0].currency)
    skip = state.all_opt_outs
    floor = floor_step(plan, dpd, skip)
    climbing = is_climbing(state, plan, floor, zone)
    step = ladder_step(plan, dpd, state.escalation_level, skip, climbing, floor)
    commitment = state.commitment
    return Context(plan, now, today, zone, dpd, amount, commitment, step, climbing)


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
    if ctx.commitment is not None:
        reminder = None
        if channel is Channel.SMS:
            reminder = _reminder_at(ctx.commitment, ctx.plan, progress, ctx.zone, policy)
        if reminder is not None:
            options.append((reminder, ctx.commitment.reminder))
    elif rule is not None:
        purpose = _purpose(state, channel, rule, ctx, progress)
        if purpose is not None:
            planned = existing is not None and existing.purpose in COLLECTING
            first = existing.due_at if existing is not None and planned else ctx.now
            when = _next_time(state, channel, rule, progress, first, ctx)
            if when is not None:
                options.append((when, purpose))
    if channel is Channel.AGENT_CALL and ctx.commitment is None:
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


def _purpose(
    state: CustomerState,
    channel: Channel,
    rule: ChannelRule,
    ctx: Context,
    progress: ChannelProgress,
) -> str | None:
    """Why ``channel`` should contact the customer now (None: it should not).

    Field visits are selective: a large balance (``COLLECT``), or a customer unreachable
    despite attempts (``CONTACT_REPAIR``: find them, verify the address and phone).
    """
    climbing_step = ctx.climbing and ctx.step is not None and ctx.plan.ladder[ctx.step] is channel
    if not (rule.covers(ctx.dpd) or climbing_step):
        return None
    limit = rule.attempt_limit
    if limit is not None and progress.attempts >= limit:
        return None
    if channel in ctx.plan.ladder and (
        ctx.step is None or ctx.plan.ladder.index(channel) > ctx.step
    ):
        return None
    if rule.min_overdue_amount is None and rule.unreachable_days is None:
        return COLLECT
    if rule.min_overdue_amount is not None and ctx.overdue >= rule.min_overdue_amount:
        return COLLECT
    if rule.unreachable_days is not None and unreachable(state, rule, ctx):
        return CONTACT_REPAIR
    letters = ctx.plan.channels.get(Channel.LEGAL_LETTER)
    if letters is not None and legal.undeliverable(state, letters, ctx.now):
        return CONTACT_REPAIR  # no letter reaches them: find the customer
    return None


def unreachable(state: CustomerState, rule: ChannelRule, ctx: Context) -> bool:
    """No right-party response for ``unreachable_days`` despite ``unreachable_attempts``
    voice attempts since the last one (silence while nobody tried is not unreachable)."""
    since = state.unreached_since
    if since is None or rule.unreachable_days is None:
        return False
    tried = sum(state.progress[c].unanswered for c in VOICE if c in state.progress)
    days = (ctx.today - since.astimezone(ctx.zone).date()).days
    return tried >= rule.unreachable_attempts and days >= rule.unreachable_days


def _next_time(
    state: CustomerState,
    channel: Channel,
    rule: ChannelRule,
    progress: ChannelProgress,
    first: datetime,
    ctx: Context,
) -> datetime | None:
    """The next configured local time on an attempt day (``every_days`` apart, adjusted).

    A follow-up channel (``follow_up_of``: moderate-tier SMS after calls) waits for an attempt
    on those channels since its own last one, unless it is the step a climbing customer is on.
    """
    zone = ctx.zone
    last = progress.last_at
    if rule.stages:
        return legal.letter_time(state, rule, first, zone)
    if rule.follow_up_of and not ctx.climbing:
        return _follow_up_time(state, rule, last, zone)
    if last is None:  # the next configured time today, else as soon as allowed
        start = first.astimezone(zone)
        today = [t for t in rule.times if t >= start.time().replace(tzinfo=None)]
        return at_local(start.date(), today[0], zone) if today else first
    local = last.astimezone(zone)
    later = [t for t in rule.times if t > local.time()]
    same_day = local.date() == ctx.today  # a time missed on an earlier day is not caught up
    if same_day and later and _sent_on(state, channel, local.date(), zone) < len(rule.times):
        return at_local(local.date(), later[0], zone)
    gap = rule.every_days
    if state.last_broken_promise_at and state.last_broken_promise_at > last:
        gap -= rule.sooner_after_broken_promise_days
    elif state.last_right_party_at and state.last_right_party_at >= last:
        gap += rule.later_after_right_party_days
    return at_local(local.date() + timedelta(days=max(1, gap)), rule.times[0], zone)


def _follow_up_time(
    state: CustomerState, rule: ChannelRule, last: datetime | None, zone: ZoneInfo
) -> datetime | None:
    """The first configured time after the latest attempt on ``follow_up_of`` made since
    this channel's last attempt, and not before ``every_days`` after that attempt."""
    call = None
    for channel in rule.follow_up_of:
        seen = state.progress.get(channel)
        if seen is not None and seen.last_at is not None and (call is None or seen.last_at > call):
            call = seen.last_at
    if call is None or (last is not None and last >= call):
        return None
    earliest = call
    if last is not None:
        spaced = last.astimezone(zone).date() + timedelta(days=rule.every_days)
        earliest = max(earliest, at_local(spaced, MIDNIGHT, zone))
    local = earliest.astimezone(zone)
    clock = local.time()
    for t in rule.times:
        if t > clock:
            return at_local(local.date(), t, zone)
    return at_local(local.date() + timedelta(days=1), rule.times[0], zone)


def _sent_on(state: CustomerState, channel: Channel, day: date, zone: ZoneInfo) -> int:
    """Contacts made on ``channel`` on the customer's local ``day``."""
    return sum(
        1
        for e in state.ledger
        if e.channel is channel and not e.inbound and e.at.astimezone(zone).date() == day
    )


def _follow_up_at(state: CustomerState, plan: Plan, zone: ZoneInfo) -> datetime | None:
    """An agent call owed after a delivered legal letter (none made since its delivery)."""
    rule = plan.channels.get(Channel.LEGAL_LETTER)
    if state.legal is None or not state.legal.delivered or rule is None:
        return None
    if rule.follow_up_call_days is None:
        return None
    delivered = state.legal.delivered[-1].delivered_at
    call = state.progress.get(Channel.AGENT_CALL)
    if call is not None and call.last_at is not None and call.last_at > delivered:
        return None
    agent = plan.channels.get(Channel.AGENT_CALL)
    when = (agent or rule).times[0]
    day = delivered.astimezone(zone).date() + timedelta(days=rule.follow_up_call_days)
    return at_local(day, when, zone)


def _reminder_at(
    due: Commitment, plan: Plan, progress: ChannelProgress, zone: ZoneInfo, policy: Policy
) -> datetime | None:
    """One SMS before a promised date or plan instalment, unless already sent or too late."""
    ahead = policy.promises.reminder_days_before
    if due.reminder == PLAN_REMINDER:
        ahead = policy.plans.reminder_days_before
    sms = plan.channels.get(Channel.SMS)
    at = at_local(due.due_on - timedelta(days=ahead), sms.times[0] if sms else DEFAULT_TIME, zone)
    if at < due.made_at:
        return None  # agreed too late for a reminder to help
    if progress.last_at is not None and progress.last_at >= at:
        return None  # already sent (while paused, the only SMS are reminders)
    return at
