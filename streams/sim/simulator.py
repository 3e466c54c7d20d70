"""The portfolio simulator: a seeded loan book played forward one calendar day at a time.

Days are played in order from ``config.start``. Between days the caller may hand in the
contacts the pipeline asked for (``respond``); their effects show in the following days.
Given the same seed and the same contacts in the same order, every event is the same.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Bucket,
    ContactDue,
    ContactOutcome,
    Repayment,
    Tier,
)
from streams.sim.book import build_book
from streams.sim.config import SimConfig
from streams.sim.daily import play_day, snapshots
from streams.sim.draw import TIERS, tier_index
from streams.sim.profiles import iter_profiles
from streams.sim.reactions import respond

DayEvent = AgingSnapshot | Repayment


class Simulator:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._zone = ZoneInfo(config.lender_zone)
        self._book = build_book(config)
        self._next = config.start

    @property
    def next_day(self) -> date:
        """The first calendar day not played yet."""
        return self._next

    def profiles(self) -> list[AccountProfile]:
        return list(self.iter_profiles())

    def iter_profiles(self) -> Iterator[AccountProfile]:
        return iter_profiles(self._book, self.config, self._zone)

    def opening(self) -> Iterator[AgingSnapshot]:
        """The book as of the evening before the first day: one snapshot per account.

        Publish it after the profiles and before the first day, so no repayment of the first
        day refers to an account the pipeline has not seen yet. Lazy: consume it first."""
        if self._next != self.config.start:
            raise ValueError("the opening snapshot comes before the first day is played")
        return snapshots(self._book, self.config, self._next - timedelta(days=1), self._zone)

    def day(self, d: date) -> list[DayEvent]:
        """Events of day ``d`` in time order: repayments, then every account's snapshot."""
        return list(self.events(d))

    def events(self, d: date) -> Iterator[DayEvent]:
        """Like ``day`` but lazy; consume it before playing the next day or responding."""
        if d != self._next:
            raise ValueError(f"days are played in order: expected {self._next}, got {d}")
        payments = play_day(self._book, self.config, d, self._zone)
        self._next = d + timedelta(days=1)
        return itertools.chain(payments, snapshots(self._book, self.config, d, self._zone))

    def days(self, n: int) -> Iterator[tuple[date, list[DayEvent]]]:
        for _ in range(n):
            d = self._next
            yield d, self.day(d)

    def respond(self, contact: ContactDue, now: datetime) -> list[ContactOutcome | Repayment]:
        """The customer's reaction to ``contact`` made at ``now`` (events at or after it).

        Call it once per contact id (gateways deduplicate): each call applies its effects.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        today = now.astimezone(self._zone).date().toordinal()
        events = respond(self._book, self.config, contact, now, today, self._next.toordinal())
        return sorted(events, key=lambda e: e.occurred_at)

    def overdue_mix(self) -> dict[Tier, float]:
        """Share of overdue accounts per tier, as the book stands now."""
        counts = Counter(TIERS[tier_index(d)] for d in self._book.dpd if d > 0)
        total = sum(counts.values()) or 1
        return {t: counts[t] / total for t in TIERS[1:]}

    def bucket_mix(self) -> dict[Bucket, float]:
        """Share of overdue accounts per M-bucket, as the book stands now."""
        counts = Counter(_bucket(d) for d in self._book.dpd if d > 0)
        total = sum(counts.values()) or 1
        return {b: counts[b] / total for b in (Bucket.M1, Bucket.M2, Bucket.M3, Bucket.M3_PLUS)}

    def current_share(self) -> float:
        dpd = self._book.dpd
        return sum(1 for d in dpd if d == 0) / max(1, len(dpd))


def _bucket(dpd: int) -> Bucket:
    if dpd <= 30:
        return Bucket.M1
    if dpd <= 60:
        return Bucket.M2
    return Bucket.M3 if dpd <= 90 else Bucket.M3_PLUS


def stream(config: SimConfig, days: int) -> Iterator[AgingSnapshot | Repayment | AccountProfile]:
    """Profiles, the opening snapshot, then ``days`` days of events, lazily (no responses)."""
    sim = Simulator(config)
    yield from sim.iter_profiles()
    yield from sim.opening()
    for _ in range(days):
        yield from sim.events(sim.next_day)
