"""Customer type (first-time, repeat, wilful) of a *person*, with the reason for it.

The brief classifies the customer by delinquency history and credit record, so the type is
worked out over all of a customer's accounts and remembers earlier episodes: a customer late
on loan A in January is a repeat customer when loan B falls overdue in March. The lender's
credit history (``prior_delinquencies`` on the profile: earlier episodes it knows of, on any
of its loans or at the credit bureau) counts too.

Wilful means an intent to evade, so it rests on evidence only: the lender's flag, broken
promises (plan instalments included) or explicit refusals to pay. Silence is never evidence:
a customer we cannot reach is *unreachable* (contact repair and field work, see cadence.py),
and a customer whose contacts a promise or a plan paused is not silent at all.

Reasons name the rule, not today's counts, so an unchanged classification never changes the
state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from streams.core.config import CustomerTypeRules
from streams.core.model import CustomerType
from streams.core.state import AccountState, CustomerState


def classify(
    state: CustomerState, today: date, rules: CustomerTypeRules
) -> tuple[CustomerType, str]:
    if state.wilful_flag:
        return CustomerType.WILFUL, "flagged wilful upstream"
    accounts = list(state.accounts.values())
    days = rules.look_back.days
    since = today - rules.look_back
    broken = evidence([a.broken_promises for a in accounts], since)
    if broken >= rules.wilful_broken_promises:
        return CustomerType.WILFUL, f"{broken} broken promises in {days} days"
    refusals = evidence([a.refusals for a in accounts], since)
    if refusals >= rules.wilful_refusals:
        return CustomerType.WILFUL, f"{refusals} refusals to pay in {days} days"
    ongoing = any(a.delinquent for a in accounts)
    seen = episodes_since(accounts, since)
    earlier = max(seen - ongoing, state.prior_delinquencies)
    total = earlier + ongoing
    source = " (credit history)" if state.prior_delinquencies > seen - ongoing else ""
    if total == 0:
        return CustomerType.NONE, f"no delinquency in {days} days"
    if total == 1:
        return CustomerType.FIRST_TIME, f"first delinquency episode in {days} days"
    return CustomerType.REPEAT, f"{total} delinquency episodes in {days} days{source}"


def episodes_since(accounts: Iterable[AccountState], since: date) -> int:
    """The customer's episodes (overlapping account episodes are one) not ended before
    ``since``."""
    spans = sorted(
        (e.started, e.ended or date.max)
        for a in accounts
        for e in a.episodes
        if e.ended is None or e.ended >= since
    )
    count, end = 0, date.min
    for started, ended in spans:
        if count == 0 or started > end:
            count += 1
        end = max(end, ended)
    return count


def evidence(histories: list[tuple[date, ...]], since: date) -> int:
    """Events in the look-back over all accounts: one event may be recorded on several
    accounts (a refusal covers every overdue account), so each day counts the most any one
    account recorded that day."""
    if not any(histories):  # the usual case: skip building counters
        return 0
    most: Counter[date] = Counter()
    for history in histories:
        for day, n in Counter(d for d in history if d >= since).items():
            most[day] = max(most[day], n)
    return sum(most.values())
