"""Deduplication of repayments and contact outcomes on ``event_id``, with bounded state.

The contract says producers may send an event more than once (a retry, a re-run of a
batch). Aging snapshots and profiles are idempotent by themselves (an older snapshot or
profile is ignored, the same one changes nothing), but a repayment credited twice or a
promise recorded twice changes the outcome, so their ids are remembered.

Ids are kept for ``Policy.dedup_horizon`` of event time (the *replay horizon*) and at most
``Policy.dedup_limit`` per customer. An event older than what is remembered cannot be told
apart from a duplicate, so it is refused (dead-lettered with ``beyond_dedup_horizon``)
instead of being applied on a guess: a re-sent payment never cures an account twice.
"""

from __future__ import annotations

from datetime import datetime

from streams.core.config import Policy
from streams.core.model import ContactOutcome, DeadLetter, InputEvent, Repayment
from streams.core.state import CustomerState, SeenEvent
from streams.core.values import replace


def tracked(event: InputEvent) -> bool:
    """Events whose second application would change the state."""
    return isinstance(event, Repayment | ContactOutcome)


def floor(state: CustomerState, now: datetime, policy: Policy) -> datetime:
    """Events at or before this instant can no longer be checked for duplicates."""
    horizon = now - policy.dedup_horizon
    return horizon if state.seen_floor is None else max(horizon, state.seen_floor)


def refuse_old(
    state: CustomerState, event: InputEvent, now: datetime, policy: Policy
) -> DeadLetter | None:
    limit = floor(state, now, policy)
    if event.occurred_at <= limit:
        return DeadLetter(
            "beyond_dedup_horizon",
            f"{event.event_id}: occurred at {event.occurred_at.isoformat()}, before the "
            f"deduplication horizon {limit.isoformat()}",
        )
    return None


def seen(state: CustomerState, event: InputEvent) -> bool:
    return any(s.event_id == event.event_id for s in state.seen_events)


def remember(
    state: CustomerState, event: InputEvent, now: datetime, policy: Policy
) -> CustomerState:
    """Add ``event`` and forget what fell out of the horizon or beyond the limit."""
    horizon = now - policy.dedup_horizon
    kept = sorted(
        (
            s
            for s in (*state.seen_events, SeenEvent(event.event_id, event.occurred_at))
            if s.at > horizon
        ),
        key=lambda s: (s.at, s.event_id),
    )
    dropped_floor = state.seen_floor
    if len(kept) > policy.dedup_limit:
        cut = len(kept) - policy.dedup_limit
        newest_dropped = kept[cut - 1].at
        dropped_floor = (
            newest_dropped if dropped_floor is None else max(dropped_floor, newest_dropped)
        )
        kept = kept[cut:]
    if dropped_floor is not None and dropped_floor <= horizon:
        dropped_floor = None  # the horizon itself is the floor now
    return replace(state, seen_events=tuple(kept), seen_floor=dropped_floor)
