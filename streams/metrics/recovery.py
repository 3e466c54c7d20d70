"""Recovery rate: one definition for the Prometheus rules and the offline replay.

An account *enters* a delinquent tier each time it moves into it from any other tier (from
current, or a milder or a worse one after a partial payment): every stay in a tier starts
with one entry. It *recovers* from a tier when it moves from that tier back to current: a
stay ends in at most one recovery. The recovery rate of a tier over a period is

    recovered from the tier in the period / entered the tier in the period

(no entries: no rate). The workers count both with :func:`tier_flow` (``flows.py``), the
recording rules (``deploy/prometheus/rules/recovery.yml``) divide their increases over 7 and
30 days, and ``streams/replay.py`` divides the same counts over the replayed period. The
brief's targets are the lower ends of its ranges.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from streams.core.model import Tier

TARGETS: dict[Tier, float] = {
    Tier.MILD: 0.90,  # > 90 %
    Tier.MODERATE: 0.70,  # 70-80 %
    Tier.HEAVY: 0.50,  # 50-60 %
    Tier.SEVERE: 0.30,  # 30-40 %
}

# the brief's share of overdue accounts per tier (and per M-bucket: again ~60/25/10/5)
TIER_SHARE_TARGETS: dict[Tier, float] = {
    Tier.MILD: 0.60,
    Tier.MODERATE: 0.25,
    Tier.HEAVY: 0.10,
    Tier.SEVERE: 0.05,
}


class Flow(NamedTuple):
    kind: Literal["entered", "recovered"]
    tier: Tier


def tier_flow(from_tier: Tier, to_tier: Tier) -> Flow | None:
    """What an account's move from ``from_tier`` to ``to_tier`` counts for (None: nothing)."""
    if from_tier == to_tier:
        return None
    if to_tier is Tier.CURRENT:
        return Flow("recovered", from_tier)
    return Flow("entered", to_tier)


def recovery_rate(recovered: int, entered: int) -> float | None:
    return recovered / entered if entered else None
