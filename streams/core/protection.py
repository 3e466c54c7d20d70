"""Fail closed: apply the protective facts of an input that cannot be applied as a whole.

A profile that adds ``deceased`` but carries an invalid time zone, or an opt-out whose other
fields are broken, is refused (dead-lettered) as a record; but what it says to protect the
person must not be lost with it. ``protect`` applies only what restricts contact (hard
stops, opt-outs), never what would allow more, and cancels the schedule they forbid with
the usual audit records. A later valid profile replaces profile-sourced facts as always;
outcome-sourced ones are sticky, as reported opt-outs and disputes always are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from streams.core.config import Policy
from streams.core.model import Channel, HardStop
from streams.core.policy import Decision, new_customer
from streams.core.schedule import reconcile
from streams.core.state import CustomerState
from streams.core.values import replace

Source = Literal["profile", "outcome"]


def protect(
    state: CustomerState | None,
    customer_id: str,
    *,
    hard_stops: Iterable[HardStop] = (),
    opt_outs: Iterable[Channel] = (),
    source: Source,
    now: datetime,
    policy: Policy,
) -> Decision:
    base = state if state is not None else new_customer(customer_id, policy)
    stops, outs = frozenset(hard_stops), frozenset(opt_outs)
    if source == "profile":
        new = replace(base, hard_stops=base.hard_stops | stops, opt_outs=base.opt_outs | outs)
    else:
        new = replace(
            base,
            reported_hard_stops=base.reported_hard_stops | stops,
            reported_opt_outs=base.reported_opt_outs | outs,
        )
    if new == base:
        return Decision(base, (), state is None)
    new, held = reconcile(new, now, policy, before=base)
    return Decision(new, tuple(held), True)
