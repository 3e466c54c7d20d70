"""The compliance gate: every contact passes it and is sent, deferred or suppressed.

Suppressed (for good, audited): hard stop, opt-out, cured, promise pending. Deferred (same
contact id, later time): outside the channel's hours in the customer's zone, a rolling cap
reached, or a cool-down after a conversation. Caps count per debtor over all accounts and
channels listed in the cap; an attempt whose outcome is not known yet counts as possibly
connected and possibly unanswered, so a late outcome can never push a count over its cap.
For the same reason an attempt whose outcome is not known yet may have been a conversation:
a cool-down channel waits (re-checking every ``OUTCOME_RECHECK``) until it is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from streams.core.compliance import Cap, Compliance
from streams.core.local import zone_of
from streams.core.model import Channel, HardStop, Outcome, SuppressionReason
from streams.core.state import (
    REMINDERS,
    AccountState,
    Commitment,
    CustomerState,
    LedgerEntry,
    Slot,
)

CONNECTED = frozenset(
    {
        Outcome.ANSWERED,
        Outcome.RIGHT_PARTY,
        Outcome.WRONG_PARTY,
        Outcome.PROMISE_TO_PAY,
        Outcome.REFUSED,
        Outcome.DISPUTE,
        Outcome.OPT_OUT,
    }
)
UNANSWERED = frozenset({Outcome.NO_ANSWER, Outcome.FAILED})
CONVERSATION = frozenset(
    {
        Outcome.RIGHT_PARTY,
        Outcome.PROMISE_TO_PAY,
        Outcome.REFUSED,
        Outcome.DISPUTE,
    }
)
# how long a cool-down channel waits before asking again whether an attempt still without an
# outcome was a conversation (gateways report within minutes)
OUTCOME_RECHECK = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Verdict:
    reason: SuppressionReason | None = None  # None = send now
    until: datetime | None = None  # set = deferred to this time; unset with a reason = suppress
    detail: str = ""

    @property
    def send(self) -> bool:
        return self.reason is None


class Holds(NamedTuple):
    """What holds a customer's contacts back for good, read once from the state.

    A re-plan asks it about every channel; reading the accounts once keeps that cheap.
    """

    hard_stops: frozenset[HardStop]
    opt_outs: frozenset[Channel]
    cured: bool  # no overdue account
    promise_pending: bool  # a pending promise or a repayment plan being kept
    plan: bool  # ... a repayment plan

    @classmethod
    def of(
        cls,
        state: CustomerState,
        overdue: Sequence[AccountState] | None = None,
        commitment: Commitment | None = None,
    ) -> Holds:
        """``overdue`` and ``commitment``: the state's delinquent accounts and commitment,
        when the caller already has them (both or neither)."""
        if overdue is None:
            overdue, commitment = state.delinquent_accounts, state.commitment
        paused = commitment is not None
        plan = paused and state.repayment_plan is not None
        return cls(state.all_hard_stops, state.all_opt_outs, not overdue, paused, plan)

    def blocks_channel(self, channel: Channel) -> bool:
        """Every slot on ``channel`` would be held, whatever its purpose."""
        return bool(self.hard_stops) or channel in self.opt_outs or self.cured

    def reason(self, slot: Slot) -> tuple[SuppressionReason, str] | None:
        if self.hard_stops:
            return SuppressionReason.HARD_STOP, ",".join(sorted(self.hard_stops))
        if slot.channel in self.opt_outs:
            return SuppressionReason.OPT_OUT, slot.channel.value
        if self.cured:
            return SuppressionReason.CURED, "no overdue account"
        if self.promise_pending and slot.purpose not in REMINDERS:
            what = "a repayment plan is kept" if self.plan else "a promise is pending"
            return SuppressionReason.PROMISE_PENDING, f"collection paused while {what}"
        return None


def hold_reason(state: CustomerState, slot: Slot) -> tuple[SuppressionReason, str] | None:
    """A reason to hold this slot back for good, if any."""
    return Holds.of(state).reason(slot)


def check(state: CustomerState, slot: Slot, now: datetime, rules: Compliance) -> Verdict:
    held = hold_reason(state, slot)
    if held is not None:
        return Verdict(held[0], None, held[1])
    zone = zone_of(state)
    window = rules.windows[slot.channel]
    if not window.is_open(now, zone):
        return Verdict(SuppressionReason.QUIET_HOURS, window.next_open(now, zone), "contact hours")
    closes = window.closes(now, zone)
    if closes - now < rules.min_window_left:  # a call at 21:50 that must end by 22:00
        detail = "too little of the contact window left"
        return Verdict(SuppressionReason.QUIET_HOURS, window.next_open(closes, zone), detail)
    for cooldown in rules.cooldowns:
        if slot.channel not in cooldown.channels:
            continue
        talks = [
            e.at
            for e in state.ledger
            if e.channel in cooldown.channels and e.outcome in CONVERSATION
        ]
        if talks and now < max(talks) + cooldown.duration:
            until = window.next_open(max(talks) + cooldown.duration, zone)
            return Verdict(cooldown.reason, until, cooldown.name)
        unknown = [
            e.at
            for e in state.ledger
            if e.channel in cooldown.channels and e.outcome is None and not e.inbound
        ]
        if unknown and now < max(unknown) + cooldown.duration:
            until = min(now + OUTCOME_RECHECK, max(unknown) + cooldown.duration)
            detail = f"{cooldown.name}: outcome of the last call not known yet"
            return Verdict(cooldown.reason, window.next_open(until, zone), detail)
    for cap in rules.caps:
        if slot.channel not in cap.channels:
            continue
        times = sorted(e.at for e in state.ledger if e.at > now - cap.window and _counts(e, cap))
        if len(times) >= cap.limit:
            release = times[len(times) - cap.limit] + cap.window
            return Verdict(cap.reason, window.next_open(release, zone), cap.name)
    return Verdict()


def _counts(entry: LedgerEntry, cap: Cap) -> bool:
    if entry.channel not in cap.channels:
        return False
    if cap.count == "attempts":
        return not entry.inbound
    if cap.count == "connected":
        return entry.outcome is None or entry.outcome in CONNECTED
    return not entry.inbound and (entry.outcome is None or entry.outcome in UNANSWERED)
