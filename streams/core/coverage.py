"""Business invariant, checked when a strategy file is loaded: *no silent tier*.

At every DPD from 1 to ``WRITE_OFF_HORIZON``, for every variant, customer type and tier, the
plan has a channel without conditions (amount, reachability, attempt limits, legal stages,
follow-up rules) whose cadence fits the strategy's ``max_gap_days``: a delinquent customer
with nothing holding contact back (no hard stop, opt-out, dispute, pending promise or plan)
always has a next contact within that gap. ``tests/unit/core/test_no_silent_tier.py``
checks the same promise on the running core, over random customers and histories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from streams.core.parsing import Reader
from streams.core.segmentation import Segmentation

if TYPE_CHECKING:
    from streams.core.strategy import Variant

WRITE_OFF_HORIZON = 360  # DPD up to which the check runs


def check_no_silent_tier(
    variant: Variant, gap: int, seg: Segmentation, path: str, r: Reader
) -> None:
    for (kind, tier), plan in variant.plans.items():
        for dpd in range(1, WRITE_OFF_HORIZON + 1):
            if seg.tier(dpd) is not tier:
                continue
            fits = [
                c
                for c, rule in plan.channels.items()
                if rule.unconditional and rule.covers(dpd) and rule.longest_gap_days <= gap
            ]
            if not fits:
                r.fail(
                    path,
                    f"{kind.value} customers at DPD {dpd} ({tier.value}) have no channel without "
                    f"conditions whose cadence fits max_gap_days {gap}: a silent tier",
                )
