"""Escalation: which step of the strategy's ladder (``[sms, ivr, agent_call]``) is open.

"No response" means no *right-party* response: an answered IVR call or a delivered SMS is not
a response, nor is a wrong party picking up; a conversation with the customer (right party,
promise, refusal, dispute) or a payment is. ``escalation_level`` is the highest step opened
in the episode: a step opens after ``no_response_attempts`` unanswered attempts on the step
below, and a broken promise opens the next one at once.

Normally the step is never below the first ladder channel whose DPD window covers the
customer (``floor``): a customer aging day by day has climbed the ladder long before the
agent-call window opens. A customer who has not responded at all in the episode and is
below that floor (an account first seen at 30 DPD) is *climbing*: they walk the ladder from
its first step, each step used even beyond its usual DPD window, as in the brief's example
("an account 30 days overdue first gets an SMS, then an automated call, and if it still
does not respond, an agent call").
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from streams.core.model import Channel
from streams.core.state import CustomerState
from streams.core.strategy import Plan
from streams.core.values import replace


def floor_step(plan: Plan, dpd: int, skip: frozenset[Channel]) -> int:
    """The first ladder step whose channel works on its own at ``dpd``: it covers the DPD and
    is not a follow-up of other channels (moderate SMS follows calls: calls come first).
    Channels in ``skip`` (opted out) never count."""
    for i, channel in enumerate(plan.ladder):
        rule = plan.channels[channel]
        if channel not in skip and rule.covers(dpd) and not rule.follow_up_of:
            return i
    return 0


def ladder_step(
    plan: Plan,
    dpd: int,
    level: int,
    skip: frozenset[Channel],
    climbing: bool,
    floor: int | None = None,
) -> int | None:
    """The open step: ``level`` raised to the DPD's floor, unless the customer is climbing.

    Opted-out channels are stepped over, so an opt-out never stalls escalation. ``floor``:
    ``floor_step(plan, dpd, skip)``, when the caller already has it.
    """
    if not plan.ladder:
        return None
    last = len(plan.ladder) - 1
    if floor is None:
        floor = floor_step(plan, dpd, skip)
    step = level if climbing else max(level, floor)
    while step < last and plan.ladder[step] in skip:
        step += 1
    return min(step, last)


def is_climbing(state: CustomerState, plan: Plan, floor: int, zone: ZoneInfo) -> bool:
    """Below the DPD's floor (``floor_step``) without a single response in this episode."""
    if not plan.ladder or state.escalation_level >= floor:
        return False
    return not responded_since(state, state.episode_started, zone)


def responded_since(state: CustomerState, day: date | None, zone: ZoneInfo) -> bool:
    if day is None:
        return False
    heard = state.last_right_party_at
    if heard is not None and heard.astimezone(zone).date() >= day:
        return True
    return any(
        a.last_payment_on is not None and a.last_payment_on >= day
        for a in state.accounts.values()
        if a.delinquent
    )


def escalate_on_silence(state: CustomerState, plan: Plan, step: int | None) -> CustomerState:
    """Open the next ladder step once the current one got no response N times."""
    if step is None or step >= len(plan.ladder) - 1:
        return state
    progress = state.progress.get(plan.ladder[step])
    if progress and progress.unanswered >= plan.no_response_attempts:
        return replace(state, escalation_level=step + 1)
    return state


def escalate_one_step(state: CustomerState, plan: Plan, dpd: int) -> CustomerState:
    """A broken promise: open the step above the current one (never below the floor)."""
    step = ladder_step(plan, dpd, state.escalation_level, state.all_opt_outs, climbing=False)
    level = state.escalation_level + 1 if step is None else min(step + 1, len(plan.ladder) - 1)
    return replace(state, escalation_level=max(level, state.escalation_level))
