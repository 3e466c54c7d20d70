"""Keep the per-channel schedule in line with the state after every change.

For each channel the cadence proposes the next slot (or none). A scheduled slot that is no
longer wanted because of a cure, hard stop, opt-out or pending promise is cancelled with a
``ContactSuppressed`` audit record; one dropped for strategy reasons (DPD window passed) goes
silently, since it was never due.
"""

from __future__ import annotations

from datetime import datetime

from streams.core import legal
from streams.core.cadence import CHANNELS, Context, context, desired_slot
from streams.core.config import Policy
from streams.core.contacts import suppressed
from streams.core.gate import Holds
from streams.core.ladder import escalate_on_silence
from streams.core.model import Channel, ContactSuppressed, SuppressionReason
from streams.core.state import ChannelProgress, CustomerState, Slot
from streams.core.values import replace


def reconcile(
    state: CustomerState, now: datetime, policy: Policy, before: CustomerState | None = None
) -> tuple[CustomerState, list[ContactSuppressed]]:
    """Schedule the next slot per channel; ``before`` supplies the content of cancelled ones."""
    before = before or state
    overdue = state.delinquent_accounts
    if not overdue:
        if not state.slots and state.episode_started is None:
            return state, []
        outputs = [
            suppressed(before, slot, SuppressionReason.CURED, "no overdue account", now, policy)
            for slot in state.slots.values()
        ]
        idle = replace(
            state,
            slots={},
            progress={},
            episode_started=None,
            escalation_level=0,
            unreached_since=None,
            legal=None,
        )
        return idle, outputs
    if state.episode_started is None:
        start = min(a.overdue_since for a in overdue if a.overdue_since)
        state = replace(
            state,
            episode_started=start,
            progress={},
            escalation_level=0,
            unreached_since=None,
            legal=None,
        )
    ctx = context(state, now, policy, overdue)
    escalated = escalate_on_silence(state, ctx.plan, ctx.step)
    if escalated is not state:
        state, ctx = escalated, context(escalated, now, policy, overdue)
    holds = Holds.of(state, overdue, ctx.commitment)
    slots: dict[Channel, Slot] = {}
    outputs = []
    for channel in CHANNELS:
        old = state.slots.get(channel)
        held = None if old is None else holds.reason(old)
        if old is not None and held is not None:
            outputs.append(suppressed(before, old, held[0], held[1], now, policy))
            seen = state.progress.get(channel, ChannelProgress())
            progress = {**state.progress, channel: replace(seen, suppressed=seen.suppressed + 1)}
            state = replace(state, progress=progress)
        if holds.blocks_channel(channel):
            continue  # whatever the cadence proposed would be held
        want = desired_slot(state, channel, ctx, policy)
        if want is not None and holds.reason(want) is None:
            slots[channel] = want
    state = _plan_referral(state, ctx, holds)
    if slots == state.slots:
        return state, outputs
    return replace(state, slots=slots), outputs


def _plan_referral(state: CustomerState, ctx: Context, holds: Holds) -> CustomerState:
    """Schedule the litigation referral, unless something holds contact back."""
    if state.legal is None:
        return state
    rule = ctx.plan.channels.get(Channel.LEGAL_LETTER)
    when = None
    held = holds.hard_stops or holds.cured or holds.promise_pending
    if rule is not None and rule.stages and not held:
        when = legal.referral_time(state, rule, ctx.dpd, ctx.today, ctx.zone)
    return legal.with_referral_time(state, when)
