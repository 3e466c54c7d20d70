"""Offline replay: the simulator's history through the same engine and core, without Kafka.

Time is event time (``EventClock``): each event's ``occurred_at`` is ``now``, and contacts
fall due as the days go by. Contacts the pipeline emits are answered by the simulator's
customers and their reactions are fed back in time order, so a strategy can be judged over
months of simulated history in seconds. The same decisions come out as from a live worker
running with ``--clock event`` on the same stream.
"""

from __future__ import annotations

import heapq
import time as timer
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from streams.contract.catalogue import catalogue
from streams.core.config import Policy
from streams.core.model import (
    ContactDue,
    ContactSuppressed,
    InputEvent,
    Output,
    SegmentChanged,
    Tier,
)
from streams.core.state import CustomerState
from streams.pipeline.clock import EventClock
from streams.pipeline.engine import Batch, Engine
from streams.sim import SimConfig, Simulator

# the brief's recovery targets per tier (share of accounts entering the tier that get back
# to current while in it)
TARGETS: dict[Tier, float] = {
    Tier.MILD: 0.90,
    Tier.MODERATE: 0.70,
    Tier.HEAVY: 0.50,
    Tier.SEVERE: 0.30,
}


@dataclass
class Tally:
    """What a replay produced, per strategy variant where it matters."""

    entered: Counter[tuple[str, Tier]] = field(default_factory=Counter)
    recovered: Counter[tuple[str, Tier]] = field(default_factory=Counter)
    contacts: Counter[str] = field(default_factory=Counter)
    suppressed: Counter[str] = field(default_factory=Counter)
    segment_changes: int = 0

    def count(self, outputs: Iterable[Output]) -> list[ContactDue]:
        due: list[ContactDue] = []
        for out in outputs:
            if isinstance(out, SegmentChanged):
                self.segment_changes += 1
                variant = out.strategy_variant
                if out.to_tier is Tier.CURRENT and out.from_tier is not Tier.CURRENT:
                    self.recovered[(variant, out.from_tier)] += 1
                elif _rank(out.to_tier) > _rank(out.from_tier):
                    self.entered[(variant, out.to_tier)] += 1
            elif isinstance(out, ContactDue):
                self.contacts[out.channel.value] += 1
                due.append(out)
            elif isinstance(out, ContactSuppressed):
                self.suppressed[out.reason.value] += 1
        return due

    def recovery(self) -> dict[str, dict[Tier, tuple[int, int]]]:
        """variant -> tier -> (recovered, entered)."""
        table: dict[str, dict[Tier, tuple[int, int]]] = {}
        for (variant, tier), n in self.entered.items():
            table.setdefault(variant, {})[tier] = (self.recovered[(variant, tier)], n)
        return table


@dataclass
class ReplayReport:
    days: int
    accounts: int
    events: int
    seconds: float
    tally: Tally

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def replay(
    config: SimConfig,
    days: int,
    policy: Policy,
    *,
    respond: bool = True,
    progress: Callable[[date, int], None] | None = None,
) -> ReplayReport:
    """Play ``days`` simulated days through the engine; return what happened and how fast."""
    sim = Simulator(config)
    cat = catalogue()
    engine = Engine(policy, cat, EventClock(), encode_outputs=False)
    store: dict[str, CustomerState] = {}
    tally = Tally()
    pending: list[tuple[object, int, InputEvent]] = []  # reactions, by time
    seq = 0
    events = 0
    t0 = timer.perf_counter()

    def feed(batch: Sequence[InputEvent]) -> None:
        nonlocal events
        events += len(batch)
        settle(engine.apply_events(0, batch, store.get))

    def settle(result: Batch) -> None:
        nonlocal seq
        for customer_id, (_p, state) in result.writes.items():
            if state is None:
                store.pop(customer_id, None)
            else:
                store[customer_id] = state
        for contact in tally.count(result.outputs):
            if respond:
                for reaction in sim.respond(contact, contact.due_at):
                    seq += 1
                    heapq.heappush(pending, (reaction.occurred_at, seq, reaction))

    feed(sim.profiles())
    feed(list(sim.opening()))
    for _ in range(days):
        day = sim.next_day
        todays = sim.day(day)
        if todays:
            horizon = max(e.occurred_at for e in todays)
            reactions = []
            while pending and pending[0][0] <= horizon:  # type: ignore[operator]
                reactions.append(heapq.heappop(pending)[2])
            feed(sorted([*reactions, *todays], key=lambda e: e.occurred_at))
        # close the day: whatever falls due before the next day's first events runs now
        settle(engine.advance(0, datetime.combine(sim.next_day, time(), UTC), store.get))
        if progress is not None:
            progress(day, events)
    return ReplayReport(days, config.accounts, events, timer.perf_counter() - t0, tally)


def format_report(report: ReplayReport) -> str:
    width = max([len(v) for v in report.tally.recovery()] + [8]) + 2
    lines = [
        f"replayed {report.days} days of {report.accounts} accounts: {report.events} events "
        f"in {report.seconds:.1f}s ({report.events_per_second:,.0f} events/s)",
        "",
        f"{'variant':<{width}}{'tier':<10}{'entered':>9}{'recovered':>11}{'rate':>8}{'target':>8}",
    ]
    for variant, tiers in sorted(report.tally.recovery().items()):
        for tier in TARGETS:
            recovered, entered = tiers.get(tier, (0, 0))
            rate = f"{recovered / entered:.0%}" if entered else "-"
            mark = "" if not entered or recovered / entered >= TARGETS[tier] else "  below"
            lines.append(
                f"{variant:<{width}}{tier.value:<10}{entered:>9}{recovered:>11}{rate:>8}"
                f"{TARGETS[tier]:>8.0%}{mark}"
            )
    lines.append("")
    lines.append("contacts: " + _counts(report.tally.contacts))
    lines.append("suppressed: " + _counts(report.tally.suppressed))
    return "\n".join(lines)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items())) or "none"


def _rank(tier: Tier) -> int:
    return list(Tier).index(tier)
