"""Segmentation by days past due: severity tier (scheme A) and reporting M-bucket (scheme B).

Thresholds are data (:class:`Segmentation`, from the ``segmentation`` section of the strategy
file); each tier or bucket starts at a DPD and lasts until the next one starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from streams.core.model import Bucket, Tier

if TYPE_CHECKING:
    from streams.core.config import Policy


@dataclass(frozen=True, slots=True)
class Segmentation:
    """First DPD of each tier and bucket, ascending; DPD 0 is always CURRENT / M0."""

    tier_starts: tuple[tuple[int, Tier], ...] = (
        (1, Tier.MILD),
        (8, Tier.MODERATE),
        (31, Tier.HEAVY),
        (61, Tier.SEVERE),
    )
    # The brief says "M3 61-90, M3+ 90+": DPD 90 stays in M3, M3+ starts at 91.
    bucket_starts: tuple[tuple[int, Bucket], ...] = (
        (1, Bucket.M1),
        (31, Bucket.M2),
        (61, Bucket.M3),
        (91, Bucket.M3_PLUS),
    )

    def tier(self, dpd: int) -> Tier:
        found = Tier.CURRENT
        for start, tier in self.tier_starts:
            if dpd >= start:
                found = tier
        return found

    def bucket(self, dpd: int) -> Bucket:
        found = Bucket.M0
        for start, bucket in self.bucket_starts:
            if dpd >= start:
                found = bucket
        return found

    def clamp(self, dpd: int, tier: Tier, bucket: Bucket) -> int:
        """``dpd`` held inside the range of ``tier`` and ``bucket``: between snapshots the DPD
        never runs ahead into a tier the lender's snapshot has not reported yet."""
        low, high = _spans(self)[tier, bucket]
        return low if dpd < low else high if dpd > high else dpd


@cache  # one table per segmentation: clamp runs on every re-plan
def _spans(seg: Segmentation) -> dict[tuple[Tier, Bucket], tuple[int, int]]:
    """(tier, bucket) -> the DPD range they share (empty pairs: low > high, never reached)."""
    table = {}
    for tier in Tier:
        low, high = _span(seg.tier_starts, tier)
        for bucket in Bucket:
            b_low, b_high = _span(seg.bucket_starts, bucket)
            table[tier, bucket] = (max(low, b_low), min(high, b_high))
    return table


def _span(
    starts: tuple[tuple[int, Tier], ...] | tuple[tuple[int, Bucket], ...], of: object
) -> tuple[int, int]:
    """First and last DPD of a tier or bucket (0..0 for current / M0)."""
    bounds = [s for s, _ in starts]
    for i, (start, name) in enumerate(starts):
        if name == of:
            return start, bounds[i + 1] - 1 if i + 1 < len(bounds) else 1 << 30
    return 0, 0


def tier_for(dpd: int, policy: Policy) -> Tier:
    """Severity tier of an account ``dpd`` days past due."""
    return policy.segmentation.tier(dpd)


def bucket_for(dpd: int, policy: Policy) -> Bucket:
    """Reporting M-bucket of an account ``dpd`` days past due."""
    return policy.segmentation.bucket(dpd)


TIER_RANK = {tier: rank for rank, tier in enumerate(Tier)}
