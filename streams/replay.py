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
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

from streams.contract.catalogue import catalogue
from streams.core.config import Policy
from streams.core.model import InputEvent
from streams.core.state import CustomerState
from streams.pipeline.clock import EventClock
from streams.pipeline.engine import Batch, Engine
from streams.replay_report import Portfolio, ReplayReport, Tally, format_report

__all__ = ["ReplayReport", "format_report", "replay"]
from streams.sim import SimConfig, Simulator


def replay(
    config: SimConfig,
    days: int,
    policy: Policy,
    *,
    respond: bool = True,
    progress: Callable[[date, int], None] | None = None,
    observe: Callable[[Batch], None] | None = None,
) -> ReplayReport:
    """Play ``days`` simulated days through the engine; return what happened and how fast.

    ``observe`` sees every unit of work in order (the decision record of the tests)."""
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
        if observe is not None:
            observe(result)
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
    seconds = timer.perf_counter() - t0
    return ReplayReport(days, config.accounts, events, seconds, tally, Portfolio.of(store.values()))
