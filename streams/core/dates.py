"""Days past due on the lender's business date, anchored to the snapshot that reported it.

The lender's nightly batch says "account X is N days past due as of business date D". The
DPD the core works with is N plus the whole days elapsed since that snapshot was applied,
held inside the tier and bucket the snapshot reported (``Segmentation.clamp``). So:

- a segment change and a contact report the DPD the snapshot gave, whatever the hour it was
  processed (a batch for D processed at 01:30 on D+1 still says N, with N's tier);
- a customer in another zone than the lender (Asia/Urumqi vs a Beijing batch) sees the same
  DPD as the lender, never one day less;
- between snapshots (no store write for "one day later") the DPD still advances daily, but
  never into a tier the lender has not reported yet.

States stored before anchors existed (no ``seen_at``) fall back to the customer's local date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from streams.core.segmentation import Segmentation
from streams.core.state import AccountState

DAY = timedelta(days=1)


def account_dpd(account: AccountState, now: datetime, today: date, seg: Segmentation) -> int:
    """DPD of ``account`` at ``now`` (``today``: the customer's local date, a fallback)."""
    if account.overdue_since is None:
        return 0
    if account.seen_at is None or account.as_of is None:
        dpd = account.dpd_on(today)
    else:
        dpd = account.days_past_due + max(0, (now - account.seen_at) // DAY)
    return seg.clamp(dpd, account.tier, account.bucket)


def worst_dpd(
    overdue: Sequence[AccountState], now: datetime, today: date, seg: Segmentation
) -> int:
    """DPD of the worst account; ``overdue`` is ordered worst first (``delinquent_accounts``)."""
    return account_dpd(overdue[0], now, today, seg) if overdue else 0
