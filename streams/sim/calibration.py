"""Calibration: play the book under a stand-in contact schedule and measure recovery per tier.

The real contact strategy lives elsewhere; ``stand_in_channel`` is a deliberately simple
stand-in for it (a contact every ``cadence`` days, channel by tier) so the simulator's
defaults can be checked against the brief's recovery targets on their own.

Recovery of a tier = share of the accounts *entering* it (rolling in from the tier below)
that get back to current before rolling into the next tier; severe accounts are followed
for ``FOLLOW_UP[Tier.SEVERE]`` days. Only entries whose whole follow-up fits in the run
are counted.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from streams.core.model import AgingSnapshot, Channel, ContactDue, CoveredAccount, Tier
from streams.sim.config import SimConfig
from streams.sim.draw import TIERS, local_instant, parse_id, tier_index
from streams.sim.simulator import Simulator

FOLLOW_UP = {Tier.MILD: 7, Tier.MODERATE: 23, Tier.HEAVY: 30, Tier.SEVERE: 60}
CONTACT_AT = time(10, 0)  # stand-in contacts go out the next morning, lender-local


@dataclass(frozen=True, slots=True)
class TierRecovery:
    entered: int
    recovered: int

    @property
    def rate(self) -> float:
        return self.recovered / self.entered if self.entered else 0.0


@dataclass(frozen=True, slots=True)
class Calibration:
    recovery: dict[Tier, TierRecovery]
    contacts: int
    current_share_end: float
    overdue_mix_end: dict[Tier, float]

    def rates(self) -> dict[Tier, float]:
        return {t: r.rate for t, r in self.recovery.items()}


def stand_in_channel(tier: Tier, attempt: int) -> Channel:
    """Stand-in strategy: channel of the ``attempt``-th (0-based) contact in an episode."""
    if tier is Tier.MILD:
        return (Channel.SMS, Channel.IVR)[attempt % 2]
    if tier is Tier.MODERATE:
        return (Channel.AGENT_CALL, Channel.SMS)[attempt % 2]
    if tier is Tier.HEAVY:
        return Channel.FIELD_VISIT if attempt % 3 == 2 else Channel.AGENT_CALL
    return Channel.LEGAL_LETTER if attempt % 4 == 0 else Channel.AGENT_CALL


def calibrate(
    config: SimConfig, days: int = 150, cadence: int = 2, contacts: bool = True
) -> Calibration:
    """Play ``days`` days (stand-in contacts every ``cadence`` days if ``contacts``)."""
    sim = Simulator(config)
    tracker = _Tracker(config.accounts, days)
    attempts: dict[str, int] = {}
    sent = 0
    for k in range(days):
        d = sim.next_day
        owed: dict[str, list[AgingSnapshot]] = {}
        snaps = (e for e in sim.events(d) if isinstance(e, AgingSnapshot))
        for i, snap in enumerate(snaps):  # snapshots come in account order
            tracker.observe(k, i, snap.days_past_due)
            if snap.days_past_due > 0:
                owed.setdefault(snap.customer_id, []).append(snap)
        for customer in [c for c in attempts if c not in owed]:
            del attempts[customer]
        if not contacts:
            continue
        for contact in _stand_in_contacts(config, d, k, owed, attempts, cadence):
            sim.respond(contact, contact.due_at)
            sent += 1
    return Calibration(tracker.report(), sent, sim.current_share(), sim.overdue_mix())


def _stand_in_contacts(
    config: SimConfig,
    d: date,
    k: int,
    owed: dict[str, list[AgingSnapshot]],
    attempts: dict[str, int],
    cadence: int,
) -> list[ContactDue]:
    at = local_instant(d + timedelta(days=1), CONTACT_AT, ZoneInfo(config.lender_zone))
    out = []
    for customer, snaps in owed.items():
        if (parse_id(customer, "C") + k) % cadence:
            continue
        worst = max(s.days_past_due for s in snaps)
        tier = TIERS[tier_index(worst)]
        attempt = attempts.get(customer, 0)
        attempts[customer] = attempt + 1
        accounts = tuple(
            CoveredAccount(s.account_id, s.days_past_due, s.overdue_amount) for s in snaps
        )
        out.append(
            ContactDue(
                contact_id=f"stand-in-{customer}-{k}",
                occurred_at=at,
                customer_id=customer,
                channel=stand_in_channel(tier, attempt),
                accounts=accounts,
                due_at=at,
                expires_at=at + timedelta(hours=4),
                tier=tier,
                days_past_due=worst,
                amount_due=sum(a.amount_due for a in accounts),
                currency=config.currency,
                template="stand-in",
                attempt=attempt + 1,
                strategy_variant="stand-in",
                locale="zh-CN",
            )
        )
    return out


class _Tracker:
    """Follows each account's open episode in its current tier from the nightly snapshots."""

    def __init__(self, accounts: int, days: int) -> None:
        self._days = days
        self._prev = array("i", [-1]) * accounts  # -1 = not seen yet
        self._open = array("b", [0]) * accounts  # tier index of the open entry, 0 = none
        self._since = array("i", [0]) * accounts
        self._entered = [0] * len(TIERS)
        self._recovered = [0] * len(TIERS)

    def observe(self, k: int, i: int, dpd: int) -> None:
        """Day ``k`` (0-based) ended with account ``i`` at ``dpd``."""
        prev = self._prev[i]
        self._prev[i] = dpd
        if prev < 0 or prev == dpd == 0:
            return
        now = tier_index(dpd)
        if now == 0:
            self._close(i, k)
        elif now > max(tier_index(prev), self._open[i]):
            self._open[i], self._since[i] = now, k
            if self._countable(now, k):
                self._entered[now] += 1

    def _close(self, i: int, k: int) -> None:
        t, since = self._open[i], self._since[i]
        self._open[i] = 0
        if t and self._countable(t, since) and k - since <= FOLLOW_UP[TIERS[t]]:
            self._recovered[t] += 1

    def _countable(self, t: int, since: int) -> bool:
        return since + FOLLOW_UP[TIERS[t]] < self._days

    def report(self) -> dict[Tier, TierRecovery]:
        return {TIERS[t]: TierRecovery(self._entered[t], self._recovered[t]) for t in range(1, 5)}
