"""Deterministic randomness and small lookups shared by the simulator's modules.

Every random draw comes from a ``random.Random`` seeded from a stable hash of the
simulation seed and a purpose (the book, a day, a contact id), never from the global
generator, so a replay gets the same draws whatever else ran before.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from streams.core.model import CustomerType, Tier

TYPES: tuple[CustomerType, ...] = (
    CustomerType.FIRST_TIME,
    CustomerType.REPEAT,
    CustomerType.WILFUL,
)
TIERS: tuple[Tier, ...] = (Tier.CURRENT, Tier.MILD, Tier.MODERATE, Tier.HEAVY, Tier.SEVERE)
TIER_FLOOR: dict[Tier, int] = {
    Tier.CURRENT: 0,
    Tier.MILD: 1,
    Tier.MODERATE: 8,
    Tier.HEAVY: 31,
    Tier.SEVERE: 61,
}
TIER_CEILING: dict[Tier, int] = {Tier.MILD: 7, Tier.MODERATE: 30, Tier.HEAVY: 60}


def stable_seed(*parts: object) -> int:
    """A 64-bit seed from ``parts``, the same in every process (unlike ``hash()``)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def rng_for(*parts: object) -> random.Random:
    return random.Random(stable_seed(*parts))


def pick(rng: random.Random, weights: Sequence[float]) -> int:
    """Index drawn with probability proportional to ``weights``."""
    x = rng.random() * sum(weights)
    for i, w in enumerate(weights):
        x -= w
        if x < 0:
            return i
    return len(weights) - 1


def tier_index(dpd: int) -> int:
    """Position in ``TIERS`` of an account ``dpd`` days past due."""
    if dpd <= 0:
        return 0
    if dpd <= 7:
        return 1
    if dpd <= 30:
        return 2
    if dpd <= 60:
        return 3
    return 4


def local_instant(d: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` o'clock on day ``d`` in ``zone``, as a UTC-aware datetime."""
    return datetime.combine(d, at, tzinfo=zone).astimezone(UTC)


def customer_id(index: int) -> str:
    return f"C{index:08d}"


def account_id(index: int) -> str:
    return f"A{index:08d}"


def parse_id(value: str, prefix: str) -> int:
    """Index behind a simulated id such as ``C00000042``; ValueError if it is not one."""
    if not value.startswith(prefix) or not value[1:].isdigit():
        raise ValueError(f"{value!r} is not a simulated id with prefix {prefix!r}")
    return int(value[1:])


def seconds(n: int) -> timedelta:
    return timedelta(seconds=n)
