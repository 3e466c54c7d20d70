"""Customer type of an account (first-time, repeat, wilful), with the reason for it.

Re-evaluated on every event from the account's bounded history. Reasons name the rule, not
today's counts, so an unchanged classification never changes the state.
"""

from __future__ import annotations

from datetime import date

from streams.core.config import CustomerTypeRules
from streams.core.model import CustomerType
from streams.core.state import AccountState

TYPE_RANK = {
    CustomerType.NONE: 0,
    CustomerType.FIRST_TIME: 1,
    CustomerType.REPEAT: 2,
    CustomerType.WILFUL: 3,
}


def classify(
    account: AccountState, wilful_flag: bool, today: date, rules: CustomerTypeRules
) -> tuple[CustomerType, str]:
    if wilful_flag:
        return CustomerType.WILFUL, "flagged wilful upstream"
    days = rules.look_back.days
    since = today - rules.look_back
    broken = _count_since(account.broken_promises, since)
    if broken >= rules.wilful_broken_promises:
        return CustomerType.WILFUL, f"{broken} broken promises in {days} days"
    refusals = _count_since(account.refusals, since)
    if refusals >= rules.wilful_refusals:
        return CustomerType.WILFUL, f"{refusals} refusals to pay in {days} days"
    if _silent(account, today, rules):
        return CustomerType.WILFUL, (
            f"no payment or right-party contact for {rules.silent_days}+ days "
            f"at {rules.silent_min_dpd}+ DPD"
        )
    episodes = sum(1 for e in account.episodes if e.ended is None or e.ended >= since)
    if episodes == 0:
        return CustomerType.NONE, f"no delinquency in {days} days"
    if episodes == 1:
        return CustomerType.FIRST_TIME, f"first delinquency episode in {days} days"
    return CustomerType.REPEAT, f"{episodes} delinquency episodes in {days} days"


def _silent(account: AccountState, today: date, rules: CustomerTypeRules) -> bool:
    if account.overdue_since is None or account.dpd_on(today) < rules.silent_min_dpd:
        return False
    heard = [d for d in (account.last_payment_on, account.last_contact_on) if d is not None]
    last = max([account.overdue_since, *heard])
    return (today - last).days >= rules.silent_days


def _count_since(days: tuple[date, ...], since: date) -> int:
    if not days:  # the usual case: skip building a generator
        return 0
    return sum(1 for d in days if d >= since)
