"""What an offline replay produced, and its report against the brief's targets.

Recovery uses the one definition of ``streams.metrics.recovery`` (the Prometheus rules
use it too): per variant and tier, accounts that went back to current from the tier over
accounts that entered it, both counted over the replayed period. Contact and connect rates,
plans and referrals come from the same core outputs the workers count; the portfolio mix
(tiers, M-buckets, customer types) is read from the customers' states at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from streams.core.model import (
    Bucket,
    ContactDue,
    ContactResult,
    ContactSuppressed,
    CustomerType,
    InstalmentResolved,
    LitigationReferral,
    Output,
    PlanStatus,
    SegmentChanged,
    Tier,
)
from streams.core.state import CustomerState
from streams.metrics.recovery import TARGETS, TIER_SHARE_TARGETS, recovery_rate, tier_flow

TYPE_SHARE_TARGETS = {
    CustomerType.FIRST_TIME: 0.70,
    CustomerType.REPEAT: 0.25,
    CustomerType.WILFUL: 0.05,
}
ALL = "(all)"


@dataclass
class Tally:
    """What a replay produced, per strategy variant where it matters."""

    entered: Counter[tuple[str, Tier]] = field(default_factory=Counter)
    recovered: Counter[tuple[str, Tier]] = field(default_factory=Counter)
    contacts: Counter[str] = field(default_factory=Counter)
    connected: Counter[str] = field(default_factory=Counter)
    right_party: Counter[str] = field(default_factory=Counter)
    suppressed: Counter[str] = field(default_factory=Counter)
    plans: Counter[str] = field(default_factory=Counter)
    referrals: int = 0
    segment_changes: int = 0

    def count(self, outputs: Iterable[Output]) -> list[ContactDue]:
        """Count ``outputs``; returns the contacts among them (for the customers to answer)."""
        due: list[ContactDue] = []
        for out in outputs:
            if isinstance(out, SegmentChanged):
                self.segment_changes += 1
                flow = tier_flow(out.from_tier, out.to_tier)
                if flow is not None:
                    counter = self.entered if flow.kind == "entered" else self.recovered
                    counter[(out.strategy_variant, flow.tier)] += 1
                if out.plan_status is PlanStatus.ACTIVE and "plan agreed" in out.reason:
                    self.plans["agreed (accounts)"] += 1
            elif isinstance(out, ContactDue):
                self.contacts[out.channel.value] += 1
                due.append(out)
            elif isinstance(out, ContactResult):
                self.connected[out.channel.value] += out.connected
                self.right_party[out.channel.value] += out.right_party
            elif isinstance(out, ContactSuppressed):
                self.suppressed[out.reason.value] += 1
            elif isinstance(out, InstalmentResolved):
                self.plans[f"instalments {out.status.value}"] += 1
                if out.plan_status is not PlanStatus.ACTIVE:
                    self.plans[f"plans {out.plan_status.value}"] += 1
            elif isinstance(out, LitigationReferral):
                self.referrals += 1
        return due

    def recovery(self) -> dict[str, dict[Tier, tuple[int, int]]]:
        """variant -> tier -> (recovered, entered), with every variant together as ``ALL``."""
        table: dict[str, dict[Tier, tuple[int, int]]] = {}
        for (variant, tier), n in self.entered.items():
            table.setdefault(variant, {})[tier] = (self.recovered[(variant, tier)], n)
        together: dict[Tier, tuple[int, int]] = {}
        for tiers in table.values():
            for tier, (r, n) in tiers.items():
                old = together.get(tier, (0, 0))
                together[tier] = (old[0] + r, old[1] + n)
        if len(table) > 1:
            table[ALL] = together
        return table


@dataclass(frozen=True)
class Portfolio:
    """The book at the end of a replay, as the portfolio gauges would show it."""

    accounts: int
    tiers: Mapping[Tier, int]
    buckets: Mapping[Bucket, int]
    types: Mapping[CustomerType, int]  # delinquent customers by type

    @classmethod
    def of(cls, states: Iterable[CustomerState]) -> Portfolio:
        accounts, tiers, buckets, types = (
            0,
            Counter[Tier](),
            Counter[Bucket](),
            Counter[CustomerType](),
        )
        for state in states:
            accounts += len(state.accounts)
            tiers.update(a.tier for a in state.accounts.values())
            buckets.update(a.bucket for a in state.accounts.values())
            if any(a.delinquent for a in state.accounts.values()):
                types[state.customer_type] += 1
        return cls(accounts, tiers, buckets, types)


@dataclass
class ReplayReport:
    days: int
    accounts: int
    events: int
    seconds: float
    tally: Tally
    book: Portfolio

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def format_report(report: ReplayReport) -> str:
    tally, book = report.tally, report.book
    lines = [
        f"replayed {report.days} days of {report.accounts} accounts: {report.events} events "
        f"in {report.seconds:.1f}s ({report.events_per_second:,.0f} events/s)",
        "",
        "recovery = accounts back to current from a tier / accounts that entered it "
        "(streams/metrics/recovery.py)",
        *_recovery(tally),
        "",
        "channel        contacts  connected  right party   (rates over contacts)",
        *_contacts(tally),
        "",
        *_portfolio(book),
        "",
        "repayment plans: " + _counts(tally.plans),
        f"litigation referrals: {tally.referrals}",
        "suppressed: " + _counts(tally.suppressed),
    ]
    return "\n".join(lines)


def _recovery(tally: Tally) -> list[str]:
    table = tally.recovery()
    width = max([len(v) for v in table] + [8]) + 2
    head = (
        f"{'variant':<{width}}{'tier':<10}{'entered':>9}{'recovered':>11}{'rate':>8}{'target':>8}"
    )
    lines = [head]
    for variant in sorted(table, key=lambda v: (v == ALL, v)):
        tiers = table[variant]
        for tier in TARGETS:
            recovered, entered = tiers.get(tier, (0, 0))
            rate = recovery_rate(recovered, entered)
            shown = "-" if rate is None else f"{rate:.0%}"
            mark = "" if rate is None or rate >= TARGETS[tier] else "  below"
            lines.append(
                f"{variant:<{width}}{tier.value:<10}{entered:>9}{recovered:>11}{shown:>8}"
                f"{TARGETS[tier]:>8.0%}{mark}"
            )
    return lines


def _contacts(tally: Tally) -> list[str]:
    lines = []
    for channel, sent in sorted(tally.contacts.items()):
        connected, talked = tally.connected[channel], tally.right_party[channel]
        lines.append(
            f"{channel:<14}{sent:>9}{connected:>7} {connected / sent:>4.0%}"
            f"{talked:>8} {talked / sent:>4.0%}"
        )
    return lines or ["(no contacts)"]


def _portfolio(book: Portfolio) -> list[str]:
    overdue = sum(n for t, n in book.tiers.items() if t is not Tier.CURRENT) or 1
    early = sum(book.buckets[b] for b in (Bucket.M1, Bucket.M2, Bucket.M3))
    delinquent = sum(book.types.values()) or 1
    tiers = ", ".join(
        f"{t.value} {book.tiers[t] / overdue:.0%} (brief {share:.0%})"
        for t, share in TIER_SHARE_TARGETS.items()
    )
    types = ", ".join(
        f"{k.value} {book.types[k] / delinquent:.0%} (brief {share:.0%})"
        for k, share in TYPE_SHARE_TARGETS.items()
    )
    return [
        f"at the end: M1-M3 delinquency ratio {early / max(1, book.accounts):.1%} of accounts",
        f"overdue accounts per tier: {tiers}",
        f"delinquent customers per type: {types}",
    ]


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"
