"""Per-account figures the portfolio gauges are built from, and the label vocabularies.

Pure values: the worker turns its account state into an ``AccountFigures`` before and after
each change and hands both to the portfolio aggregate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streams.core.model import Bucket, Tier

CURRENCY = re.compile(r"[A-Z]{3}")

# The (tier, bucket) pairs a consistent account can be in; exported at zero up front.
TIER_BUCKETS: tuple[tuple[Tier, Bucket], ...] = (
    (Tier.CURRENT, Bucket.M0),
    (Tier.MILD, Bucket.M1),
    (Tier.MODERATE, Bucket.M1),
    (Tier.HEAVY, Bucket.M2),
    (Tier.SEVERE, Bucket.M3),
    (Tier.SEVERE, Bucket.M3_PLUS),
)

DELINQUENT_TIERS: tuple[Tier, ...] = tuple(t for t in Tier if t is not Tier.CURRENT)


def check_currency(currency: str) -> str:
    """Return ``currency`` if it is an ISO 4217 code; a label value must stay bounded."""
    if not CURRENCY.fullmatch(currency):
        raise ValueError(f"currency must be an ISO 4217 code, got {currency!r}")
    return currency


@dataclass(frozen=True, slots=True)
class AccountFigures:
    """What one account contributes to the portfolio gauges (money in minor units)."""

    tier: Tier
    bucket: Bucket
    days_past_due: int
    overdue_amount: int
    outstanding_balance: int
    currency: str

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if self.days_past_due < 0:
            raise ValueError(f"days_past_due must be >= 0, got {self.days_past_due}")
