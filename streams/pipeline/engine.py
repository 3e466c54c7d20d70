"""The engine: decode, call the policy core, collect outputs and state writes, count.

No Faust and no I/O here: the Faust agent (``streams.pipeline.app``), the offline replay and
the benchmarks' baseline all drive the same ``Engine.process(batch, store)``. The caller sends
``BatchResult.emits``, waits for their acknowledgement, and only then stores
``BatchResult.writes``: a crash between the two replays the batch, and deterministic output
ids make the replayed outputs duplicates that gateways drop, never new contacts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from streams.contract.catalogue import Catalogue
from streams.contract.codec import DecodeError, decode
from streams.core.config import Policy
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    ContactOutcome,
    InputEvent,
    Outcome,
    Output,
    PromiseStatus,
    Repayment,
)
from streams.core.policy import Decision, decide, due, next_wakeup
from streams.core.state import CustomerState
from streams.metrics.kpis import count_decision, prepare
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.clock import Clock, tick_time
from streams.pipeline.due_index import DueIndex
from streams.pipeline.emitter import Emit, Emitter, Incoming

log = logging.getLogger(__name__)

__all__ = ["BatchResult", "Emit", "Engine", "Incoming", "StateLookup", "Stored"]


@dataclass(frozen=True, slots=True)
class Stored:
    """A customer's state as the table keeps it, with the partition's position on each input
    topic when it was written: the state reflects every message up to that offset (its own
    events, and the clock they advanced), so a restart that re-reads uncommitted input skips
    them instead of applying an old event to a newer state."""

    state: CustomerState
    offsets: Mapping[str, int] = field(default_factory=dict)


# the offline paths may return bare states (no replays there, so no offsets needed)
StateLookup = Callable[[str], Stored | CustomerState | None]


@dataclass
class BatchResult:
    emits: list[Emit] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)  # the core's outputs, unencoded
    # occurred_at of each input event that caused outputs (for the latency histogram)
    caused_output: list[datetime] = field(default_factory=list)
    # customer id -> (owning partition, new state); only states that really changed
    # (offsets: see Stored; present for every written customer)
    writes: dict[str, tuple[int, CustomerState]] = field(default_factory=dict)
    offsets: dict[str, Mapping[str, int]] = field(default_factory=dict)
    processed: int = 0


class Engine:
    def __init__(
        self,
        policy: Policy,
        catalogue: Catalogue,
        clock: Clock,
        *,
        tick_topic: str,
        metrics: PipelineMetrics | None = None,
        encode_outputs: bool = True,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.index = DueIndex()
        self.metrics = metrics
        self.tick_topic = tick_topic
        self.encode_outputs = encode_outputs  # False: offline replay keeps outputs unencoded
        self.emitter = Emitter(catalogue, metrics)
        if metrics is not None:
            prepare(metrics.kpis, [v.name for v in policy.strategy.variants])
        self._types: dict[str, type[InputEvent]] = {
            catalogue.aging.name: AgingSnapshot,
            catalogue.repayments.name: Repayment,
            catalogue.contact_outcomes.name: ContactOutcome,
            catalogue.account_profiles.name: AccountProfile,
        }

    @property
    def input_topics(self) -> list[str]:
        return list(self._types)

    def process(self, batch: Sequence[Incoming], lookup: StateLookup) -> BatchResult:
        result = _Batch(lookup)
        for msg in batch:
            if msg.topic == self.tick_topic:
                now = self.clock.tick(msg.partition, tick_time(msg.value))
                self._run_due(msg.partition, now, result)
                continue
            result.passed(msg)
            try:
                self._apply(msg, result)
            except Exception as exc:  # a bug must not stop the partition: park the message
                log.exception("failed on %s[%d]@%d", msg.topic, msg.partition, msg.offset)
                result.emits.append(
                    self.emitter.dead_letter(
                        msg, "engine", "internal_error", repr(exc), type(exc).__name__
                    )
                )
        return result.done()

    def apply_events(
        self, partition: int, events: Iterable[InputEvent], lookup: StateLookup
    ) -> BatchResult:
        """Apply already-decoded events (the offline replay path: no Kafka, no Avro)."""
        result = _Batch(lookup)
        for event in events:
            self._apply_event(partition, event, result, None)
        return result.done()

    def advance(self, partition: int, now: datetime, lookup: StateLookup) -> BatchResult:
        """An event-time tick without Kafka: move the clock, run what falls due."""
        result = _Batch(lookup)
        self._run_due(partition, self.clock.tick(partition, now), result)
        return result.done()

    def reindex(self, partition: int, entries: Iterable[tuple[str, datetime]]) -> None:
        """Rebuild the due-time index of a newly owned partition: (customer, next wake-up)."""
        self.index.rebuild(partition, entries)

    # ------------------------------------------------------------------ internals

    def _apply(self, msg: Incoming, result: _Batch) -> None:
        expected = self._types.get(msg.topic)
        if expected is None:
            result.emits.append(
                self.emitter.dead_letter(msg, "routing", "unknown_topic", "", "RoutingError")
            )
            return
        try:
            if msg.value is None:
                raise DecodeError("undecodable", "empty value (tombstone) on an event topic")
            event = decode(msg.value, expected)
        except DecodeError as exc:
            result.emits.append(
                self.emitter.dead_letter(msg, "decode", exc.reason, str(exc), type(exc).__name__)
            )
            return
        if msg.key is not None and msg.key != event.customer_id.encode():
            result.emits.append(
                self.emitter.dead_letter(
                    msg,
                    "validation",
                    "key_mismatch",
                    f"message key {msg.key!r} is not the customer_id {event.customer_id!r}",
                    "ValidationError",
                )
            )
            return
        if msg.offset <= result.applied(event.customer_id, msg.topic):
            # already applied before a restart, and its outputs went out then. The local store
            # can be ahead of the table's changelog (a kill between the two writes), so the
            # stored state is written again: the changelog catches up, nothing is applied twice
            stored = result.get(event.customer_id)
            if stored is not None:
                result.put(msg.partition, stored)
            return
        if self.metrics is not None:
            self.metrics.record_event(msg.topic)
        self._apply_event(msg.partition, event, result, msg)

    def _apply_event(
        self, partition: int, event: InputEvent, result: _Batch, msg: Incoming | None
    ) -> None:
        now = self.clock.observe(partition, event.occurred_at)
        if self.clock.mode == "event":
            self._run_due(partition, now, result)
        produced = len(result.outputs)
        before = result.get(event.customer_id)
        decision = decide(before, event, now, self.policy)
        self._settle(partition, before, decision, result, source=msg)
        if self.clock.mode == "wall":
            # a contact the event made due right now goes out with it, not at the next tick
            cid = event.customer_id
            again = self.index.next_due_of(partition, cid)
            if again is not None and again <= now:
                self.index.schedule(partition, cid, None)
                self._due_one(partition, cid, now, result)
        if self.metrics is not None and decision.changed and _is_promise(event):
            self.metrics.record_promise(PromiseStatus.PENDING)
        if len(result.outputs) > produced:
            result.caused_output.append(event.occurred_at)

    def _run_due(self, partition: int, now: datetime, result: _Batch) -> None:
        if self.clock.mode == "wall":
            for customer_id in self.index.pop_due(partition, now):
                self._due_one(partition, customer_id, now, result)
            return
        # event time: each customer's due() runs at its own scheduled time, in time order, as
        # a perfectly punctual timer would have run it live
        while (entry := self.index.pop_next(partition, now)) is not None:
            when, customer_id = entry
            self._due_one(partition, customer_id, when, result)
            again = self.index.next_due_of(partition, customer_id)
            if again is not None and again <= when:  # no progress: finish at `now` instead
                self.index.schedule(partition, customer_id, None)
                self._due_one(partition, customer_id, now, result)

    def _due_one(self, partition: int, customer_id: str, at: datetime, result: _Batch) -> None:
        before = result.get(customer_id)
        if before is None:
            return
        try:
            decision = due(before, at, self.policy)
        except Exception:  # a bug in one customer's schedule must not stop the others
            log.exception("due() failed for a customer on partition %d; unscheduled", partition)
            if self.metrics is not None:
                self.metrics.record_dead_letter("internal_error")
            return  # it left the index when popped; its next event schedules it again
        self._settle(partition, before, decision, result, source=None)

    def _settle(
        self,
        partition: int,
        before: CustomerState | None,
        decision: Decision,
        result: _Batch,
        source: Incoming | None,
    ) -> None:
        state = decision.state
        if self.metrics is not None:
            count_decision(self.metrics.kpis, before, state, decision.outputs)
        if decision.changed:
            result.put(partition, state)
            if self.metrics is not None:
                self.emitter.count_accounts(partition, before, state)
        self.index.schedule(partition, state.customer_id, next_wakeup(state))
        if not decision.outputs:
            return
        result.outputs.extend(decision.outputs)
        if self.encode_outputs:
            result.emits.extend(self.emitter.outputs(decision.outputs, state.customer_id, source))


def _latest(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    """Per topic, the higher offset: a stored position never moves backwards (a replay after
    a restart passes offsets below what the stored state already reflects)."""
    merged = dict(a)
    for topic, offset in b.items():
        if offset > merged.get(topic, -1):
            merged[topic] = offset
    return merged


def _is_promise(event: InputEvent) -> bool:
    return (
        isinstance(event, ContactOutcome)
        and event.outcome is Outcome.PROMISE_TO_PAY
        and not event.instalments  # a repayment plan: counted by collections_repayment_plans
    )


class _Batch:
    """Working set of one batch: states read once, later reads see earlier writes."""

    def __init__(self, lookup: StateLookup) -> None:
        self._lookup = lookup
        self._seen: dict[str, CustomerState | None] = {}
        self._offsets: dict[str, Mapping[str, int]] = {}
        self._position: dict[int, dict[str, int]] = {}  # partition -> topic -> last offset
        self.emits: list[Emit] = []
        self.outputs: list[Output] = []
        self.caused_output: list[datetime] = []
        self.writes: dict[str, tuple[int, CustomerState]] = {}

    def get(self, customer_id: str) -> CustomerState | None:
        if customer_id not in self._seen:
            found = self._lookup(customer_id)
            if isinstance(found, Stored):
                self._seen[customer_id] = found.state
                self._offsets[customer_id] = found.offsets
            else:
                self._seen[customer_id] = found
        return self._seen[customer_id]

    def applied(self, customer_id: str, topic: str) -> int:
        """Offset of the last event of ``topic`` applied to this customer's state (-1: none)."""
        self.get(customer_id)
        return self._offsets.get(customer_id, {}).get(topic, -1)

    def passed(self, msg: Incoming) -> None:
        """``msg`` is (being) processed: states written after it reflect it."""
        self._position.setdefault(msg.partition, {})[msg.topic] = msg.offset

    def put(self, partition: int, state: CustomerState) -> None:
        self._seen[state.customer_id] = state
        self.writes[state.customer_id] = (partition, state)

    def done(self) -> BatchResult:
        offsets: dict[str, Mapping[str, int]] = {
            cid: _latest(self._offsets.get(cid, {}), self._position.get(partition, {}))
            for cid, (partition, _state) in self.writes.items()
        }
        return BatchResult(self.emits, self.outputs, self.caused_output, self.writes, offsets)
