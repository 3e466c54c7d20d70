"""Re-evaluate customer types and report every change of tier, M-bucket or customer type."""

from __future__ import annotations

from datetime import datetime

from streams.core import ids
from streams.core.config import Policy
from streams.core.customer_type import classify
from streams.core.dates import account_dpd
from streams.core.local import local_date
from streams.core.model import SegmentChanged, Tier
from streams.core.state import AccountState, CustomerState
from streams.core.values import replace


def reclassify(
    before: CustomerState,
    after: CustomerState,
    cause: str,
    reason: str,
    now: datetime,
    policy: Policy,
) -> tuple[CustomerState, list[SegmentChanged]]:
    """Classify the customer; one SegmentChanged per account whose segment moved.

    The type belongs to the person (``customer_type.py``); every account carries it, so a
    change of type is reported on each of the customer's accounts.
    """
    today = local_date(after, now)
    kind, why = classify(after, today, policy.customer_types)
    if (kind, why) != (after.customer_type, after.customer_type_reason):
        after = replace(after, customer_type=kind, customer_type_reason=why)
    retyped: dict[str, AccountState] = {}
    outputs: list[SegmentChanged] = []
    for account_id in sorted(after.accounts):
        account = after.accounts[account_id]
        if account.customer_type is not kind:
            account = replace(account, customer_type=kind)
            retyped[account_id] = account
        prev = before.accounts.get(account_id)
        if prev is account:
            continue  # the very same account: its segment cannot have moved
        prev = prev or AccountState(account_id, account.currency)
        if _segment(prev) != _segment(account):
            dpd = account_dpd(account, now, today, policy.segmentation)
            outputs.append(_changed(after, prev, account, cause, reason, now, dpd))
    if not retyped:
        return after, outputs
    return replace(after, accounts={**after.accounts, **retyped}), outputs


def _segment(account: AccountState) -> tuple[str, str, str, str]:
    return account.tier, account.bucket, account.customer_type, account.plan_status


def _changed(
    state: CustomerState,
    prev: AccountState,
    now_: AccountState,
    cause: str,
    reason: str,
    at: datetime,
    dpd: int,
) -> SegmentChanged:
    if now_.tier is Tier.CURRENT and prev.tier is not Tier.CURRENT:
        reason = "cured"
    if now_.customer_type is not prev.customer_type:
        reason = f"{reason}; {state.customer_type_reason}"
    return SegmentChanged(
        event_id=ids.segment_event_id(cause, now_.account_id),
        occurred_at=at,
        customer_id=state.customer_id,
        account_id=now_.account_id,
        from_tier=prev.tier,
        to_tier=now_.tier,
        from_bucket=prev.bucket,
        to_bucket=now_.bucket,
        from_customer_type=prev.customer_type,
        to_customer_type=now_.customer_type,
        days_past_due=dpd,
        overdue_amount=now_.overdue_amount,
        currency=now_.currency,
        reason=reason,
        strategy_variant=state.strategy_variant,
        plan_status=now_.plan_status,
    )
