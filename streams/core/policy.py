"""The pure decision functions the streaming layer calls: ``decide``, ``due``, ``next_wakeup``.

``decide`` applies one input event: it updates the state, re-classifies the customer
(emitting ``SegmentChanged`` per account that moved) and re-plans the schedule (emitting
``ContactSuppressed`` for contacts a cure, hard stop, opt-out, promise or plan cancels, and
``ContactResult`` when an outcome first shows a contact got through). It never emits a
contact: ``due`` emits contacts once their time has come and the compliance gate lets them
through, decides promises and plan instalments whose grace ended (``PromiseResolved``,
``InstalmentResolved``) and hands a finished legal path to litigation (``LitigationReferral``).
Same state, event and ``now`` give the same outputs and ids; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.core import dedup, gate, legal, plans
from streams.core.cadence import CHANNELS, customer_dpd, plan_for
from streams.core.config import Policy
from streams.core.contacts import build_contact, contact_id, litigation_referral, suppressed
from streams.core.events import apply_event
from streams.core.ladder import escalate_one_step
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Channel,
    ContactDeferred,
    ContactOutcome,
    ContactResult,
    DeadLetter,
    InputEvent,
    Output,
    PromiseStatus,
    Repayment,
)
from streams.core.promises import resolve
from streams.core.schedule import reconcile
from streams.core.segments import reclassify
from streams.core.state import COLLECT, ChannelProgress, CustomerState, LedgerEntry, Slot
from streams.core.strategy import assign_variant
from streams.core.values import replace

LEDGER_LIMIT = 256


@dataclass(frozen=True, slots=True)
class Decision:
    state: CustomerState
    outputs: tuple[Output, ...]
    changed: bool  # False: the new state equals the old one and the agent writes nothing


def decide(
    state: CustomerState | None, event: InputEvent, now: datetime, policy: Policy
) -> Decision:
    """Apply one input event; bad business input becomes a DeadLetter output, never a raise."""
    base = state if state is not None else new_customer(event.customer_id, policy)
    if event.customer_id != base.customer_id:
        dead = DeadLetter("validation", f"{event.event_id}: event for another customer")
        return Decision(base, (dead,), False)
    track = dedup.tracked(event)
    if track:
        if dedup.seen(base, event):
            return Decision(base, (), False)  # a duplicate: applied once already
        too_old = dedup.refuse_old(base, event, now, policy)
        if too_old is not None:
            return Decision(base, (too_old,), False)
    applied = apply_event(base, event, now, policy)
    if isinstance(applied, DeadLetter):
        return Decision(base, (applied,), False)
    if applied.strategy_variant not in policy.strategy.by_name:
        applied = replace(
            applied, strategy_variant=assign_variant(base.customer_id, policy.strategy)
        )
    new, segments = reclassify(base, applied, event.event_id, _reason(event), now, policy)
    new, held = reconcile(new, now, policy, before=base)
    if track:
        new = dedup.remember(new, event, now, policy)
    changed = state is None or (new is not state and new != state)
    result = _result(base, applied, event) if isinstance(event, ContactOutcome) else None
    reached = () if result is None else (result,)
    return Decision(new, (*segments, *held, *reached), changed)


def due(state: CustomerState, now: datetime, policy: Policy) -> Decision:
    """Resolve promises whose grace ended and emit every contact due at ``now``."""
    current = _prune(state, now, policy)
    current, resolved = resolve(current, now, policy)
    current, instalments = plans.resolve(current, now, policy)
    outputs: list[Output] = [*resolved, *instalments]
    if resolved or instalments:
        statuses = [r.status for r in resolved] + [i.status for i in instalments]
        if PromiseStatus.BROKEN in statuses:
            dpd = customer_dpd(current, now, policy)
            current = escalate_one_step(current, plan_for(current, policy, dpd), dpd)
        # from the promises' own deadlines and the plans' instalments, never from `now`: a
        # replay that resolves them at another instant gives the same segment event ids
        cause = "promise|" + ",".join(
            [f"{r.account_id}:{r.status}:{r.grace_ended_at.isoformat()}" for r in resolved]
            + [f"{i.plan_id}#{i.number}:{i.status}" for i in instalments]
        )
        why = "promise resolved" if resolved else f"repayment plan {instalments[-1].plan_status}"
        current, segments = reclassify(state, current, cause, why, now, policy)
        outputs.extend(segments)
    current, held = reconcile(current, now, policy)
    outputs.extend(held)
    referral_at = current.legal.referral_due_at if current.legal is not None else None
    if referral_at is not None and referral_at <= now:
        base = litigation_referral(current, now, policy)
        current, referred = legal.referral(current, base, now)
        outputs.append(referred)
    handled: set[Channel] = set()
    for _ in Channel:
        ready = [
            current.slots[c]
            for c in CHANNELS
            if c in current.slots and c not in handled and current.slots[c].due_at <= now
        ]
        if not ready:
            break
        for slot in ready:
            handled.add(slot.channel)
            current, output = _attempt(current, slot, now, policy)
            outputs.append(output)
        current, held = reconcile(current, now, policy)
        outputs.extend(held)
    return Decision(current, tuple(outputs), current is not state and current != state)


def next_wakeup(state: CustomerState) -> datetime | None:
    """Earliest time at which ``due`` would do anything; None when nothing is pending."""
    times = [slot.due_at for slot in state.slots.values()]
    times += [a.promise.grace_ends_at for a in state.accounts.values() if a.promise is not None]
    if state.legal is not None and state.legal.referral_due_at is not None:
        times.append(state.legal.referral_due_at)
    plan = state.repayment_plan
    if plan is not None and plan.decide_at is not None:
        times.append(plan.decide_at)
    return min(times, default=None)


def new_customer(customer_id: str, policy: Policy) -> CustomerState:
    return CustomerState(
        customer_id=customer_id,
        time_zone=policy.compliance.time_zone,
        strategy_variant=assign_variant(customer_id, policy.strategy),
    )


def _attempt(
    state: CustomerState, slot: Slot, now: datetime, policy: Policy
) -> tuple[CustomerState, Output]:
    verdict = gate.check(state, slot, now, policy.compliance)
    channel = slot.channel
    progress = state.progress.get(channel, ChannelProgress())
    slots = {c: s for c, s in state.slots.items() if c is not channel}
    if verdict.send:
        contact = build_contact(state, slot, now, policy)
        if channel is Channel.LEGAL_LETTER and slot.purpose == COLLECT:
            state = legal.sent(state, contact.contact_id, contact.template, now)
        progress = replace(
            progress,
            attempts=progress.attempts + 1,
            last_at=now,
            unanswered=progress.unanswered + 1,
        )
        ledger = (*state.ledger, LedgerEntry(contact.contact_id, channel, now))[-LEDGER_LIMIT:]
        new = replace(
            state,
            slots=slots,
            ledger=ledger,
            progress={**state.progress, channel: progress},
            unreached_since=state.unreached_since or now,
        )
        return new, contact
    assert verdict.reason is not None
    if verdict.until is not None:
        moved = replace(slot, due_at=verdict.until, not_before=verdict.until)
        deferred = ContactDeferred(contact_id(state, slot), channel, verdict.reason, verdict.until)
        return replace(state, slots={**slots, channel: moved}), deferred
    audit = suppressed(state, slot, verdict.reason, verdict.detail, now, policy)
    progress = replace(progress, suppressed=progress.suppressed + 1)
    return replace(state, slots=slots, progress={**state.progress, channel: progress}), audit


def _prune(state: CustomerState, now: datetime, policy: Policy) -> CustomerState:
    horizon = now - policy.compliance.memory
    kept = tuple(e for e in state.ledger if e.at > horizon)
    return state if len(kept) == len(state.ledger) else replace(state, ledger=kept)


def _result(before: CustomerState, after: CustomerState, e: ContactOutcome) -> ContactResult | None:
    """Our contact was first reported connected or right-party (connect and contact rates)."""
    if e.contact_id is None or after.ledger is before.ledger:
        return None
    old = next((x for x in before.ledger if x.contact_id == e.contact_id), None)
    new = next((x for x in after.ledger if x.contact_id == e.contact_id), None)
    if old is None or new is None or old.inbound:
        return None
    connected = new.connected and not old.connected
    right_party = new.right_party and not old.right_party
    if not (connected or right_party):
        return None
    return ContactResult(new.channel, connected, right_party, after.strategy_variant)


def _reason(event: InputEvent) -> str:
    if isinstance(event, AgingSnapshot):
        return "aging"
    if isinstance(event, Repayment):
        return "repayment"
    if isinstance(event, AccountProfile):
        return "profile"
    if event.instalments:
        return "repayment plan agreed"
    return f"contact outcome {event.outcome.value}"
