"""Promises to pay: record, credit payments, and decide kept or broken when grace ends.

A promise pauses collection contacts (one reminder before the date is allowed). It is kept
when the payments made while it was pending reach ``kept_percent`` of the promised amount by
the end of the grace period; a broken promise escalates one step and counts toward wilful.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from streams.core.config import Policy
from streams.core.local import local_date, midnight_after, zone_of
from streams.core.model import ContactOutcome, DeadLetter, PromiseResolved, PromiseStatus
from streams.core.state import AccountState, CustomerState, Promise
from streams.core.values import replace


def make_promise(
    state: CustomerState, event: ContactOutcome, now: datetime, policy: Policy
) -> CustomerState | DeadLetter:
    """Record a promise on the overdue accounts it covers (split by their overdue amounts).

    No amount (an IVR key press: "I will pay by ...") means the whole overdue amount. A date
    beyond ``promises.max_days`` is held to that horizon: a promise never pauses contact for
    longer than the strategy allows, however far out the customer names a date.
    """
    amount, promised_for = event.promise_amount, event.promise_date
    if promised_for is None or (amount is not None and amount <= 0):
        return DeadLetter(
            "validation", f"{event.event_id}: a promise needs a date (and an amount > 0, if any)"
        )
    today = local_date(state, now)
    if promised_for < today:
        return DeadLetter("validation", f"{event.event_id}: promise date {promised_for} is past")
    promised_for = min(promised_for, today + timedelta(days=policy.promises.max_days))
    targets = state.delinquent_accounts
    if event.account_id is not None:
        targets = [a for a in targets if a.account_id == event.account_id]
    if not targets:
        if event.account_id is None or event.account_id in state.accounts:
            # nothing overdue any more (paid before the promise was processed): moot, not bad
            return state
        return DeadLetter("unknown_account", f"{event.event_id}: promise for an unknown account")
    currency = event.currency or targets[0].currency
    targets = [a for a in targets if a.currency == currency]
    if not targets:
        return DeadLetter("currency_mismatch", f"{event.event_id}: promise in {currency}")
    if amount is None:
        amount = sum(a.overdue_amount for a in targets)
    last_day = promised_for + timedelta(days=policy.promises.grace_days)
    grace_end = midnight_after(last_day, zone_of(state))
    accounts = dict(state.accounts)
    left = amount
    for i, account in enumerate(targets):
        share = left if i == len(targets) - 1 else min(left, account.overdue_amount)
        left -= share
        if share > 0:
            promise = Promise(share, promised_for, grace_end, event.occurred_at)
            accounts[account.account_id] = replace(account, promise=promise)
    return replace(state, accounts=accounts)


def credit(account: AccountState, amount: int) -> AccountState:
    """Count a payment toward the account's pending promise."""
    if account.promise is None:
        return account
    return replace(account, promise=replace(account.promise, paid=account.promise.paid + amount))


def resolve(
    state: CustomerState, now: datetime, policy: Policy
) -> tuple[CustomerState, list[PromiseResolved]]:
    """Decide every promise whose grace period has ended by ``now``."""
    accounts = dict(state.accounts)
    resolved: list[PromiseResolved] = []
    for account_id in sorted(accounts):
        account = accounts[account_id]
        promise = account.promise
        if promise is None or promise.grace_ends_at > now:
            continue
        kept = promise.paid * 100 >= promise.amount * policy.promises.kept_percent
        status = PromiseStatus.KEPT if kept else PromiseStatus.BROKEN
        resolved.append(
            PromiseResolved(
                state.customer_id,
                account_id,
                status,
                promise.amount,
                promise.paid,
                account.currency,
                now,
                promise.grace_ends_at,
            )
        )
        broken = account.broken_promises
        if not kept:
            broken = (*broken, promise.promised_for)[-policy.history_limit :]
        accounts[account_id] = replace(account, promise=None, broken_promises=broken)
    if not resolved:
        return state, []
    new = replace(state, accounts=accounts)
    if any(r.status is PromiseStatus.BROKEN for r in resolved):
        new = replace(new, last_broken_promise_at=now)
    return new, resolved
