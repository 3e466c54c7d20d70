"""The engine: apply admitted records to the policy core, collect outputs and state writes.

No Kafka and no I/O here: the worker's transactional loop (``streams.pipeline.loop``), the
offline replay and the benchmarks' baseline all drive the same engine. Everything one unit
of work produces is collected in a :class:`Batch`: the records to send, the customer states
to store, each owned partition's new :class:`PartitionMeta` (its event clock, the customers
it holds, its position on every input topic) and the metric counts. The worker commits all
of it in one Kafka transaction, or none of it: on an abort it reopens the partitions from
their last committed state, so the engine's in-memory indexes never run ahead of Kafka.

Failure never stops a partition: a record the door refused, an event the core refuses, and
a bug met while applying one record are each dead-lettered on their own; a bug met on a
protective record (a profile or outcome) holds its customer instead of letting contact go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from streams.contract.catalogue import Catalogue
from streams.core.config import Policy
from streams.core.model import (
    AccountProfile,
    ContactOutcome,
    ErasureRequest,
    InputEvent,
    Outcome,
    Output,
    PromiseStatus,
)
from streams.core.policy import Decision, decide, due, next_wakeup
from streams.core.protection import protect
from streams.core.state import CustomerState
from streams.metrics.kpis import count_decision, prepare
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.admission import Admitted, Door, Protection, Tick, protection_of
from streams.pipeline.clock import Clock, EventClock
from streams.pipeline.due_index import DueIndex
from streams.pipeline.emitter import (
    Emit,
    Emitter,
    Incoming,
    MetricOp,
    account_ops,
    count,
    gone_ops,
)
from streams.pipeline.limits import Limits

log = logging.getLogger(__name__)

__all__ = ["Batch", "Emit", "Engine", "Incoming", "PartitionMeta", "StateLookup"]

StateLookup = Callable[[str], CustomerState | None]
DUE_RETRY = timedelta(hours=1)  # a customer whose due() failed is tried again this much later


@dataclass
class PartitionMeta:
    """What a partition commits besides its customers' states (one changelog record)."""

    clock: datetime | None = None  # event time reached (event clock); None on the wall clock
    holds: dict[str, str] = field(default_factory=dict)  # customer id -> why contact is held
    offsets: dict[str, int] = field(default_factory=dict)  # input topic -> next offset

    def copy(self) -> PartitionMeta:
        return PartitionMeta(self.clock, dict(self.holds), dict(self.offsets))


class Batch:
    """One unit of work: states read once (later reads see earlier writes), everything it
    produced, and which partitions' meta it changed. Committed or discarded as a whole."""

    def __init__(self, lookup: StateLookup) -> None:
        self._lookup = lookup
        self._seen: dict[str, CustomerState | None] = {}
        self.emits: list[Emit] = []
        self.outputs: list[Output] = []  # the core's outputs, unencoded
        self.caused_output: list[datetime] = []  # event times of inputs that caused outputs
        # customer -> (partition, new state); None: the customer was erased (a tombstone)
        self.writes: dict[str, tuple[int, CustomerState | None]] = {}
        self.ops: list[MetricOp] = []  # counts, applied after the commit
        self.events: dict[str, int] = {}  # input events applied per topic, counted likewise
        self.partitions: set[int] = set()  # partitions whose meta moved
        self.processed = 0  # input records consumed (refused ones included)
        self.last: tuple[str, int, int] | None = None  # (topic, partition, offset) consumed last

    def get(self, customer_id: str) -> CustomerState | None:
        if customer_id not in self._seen:
            self._seen[customer_id] = self._lookup(customer_id)
        return self._seen[customer_id]

    def put(self, partition: int, state: CustomerState) -> None:
        self._seen[state.customer_id] = state
        self.writes[state.customer_id] = (partition, state)

    def delete(self, partition: int, customer_id: str) -> None:
        self._seen[customer_id] = None
        self.writes[customer_id] = (partition, None)

    def apply_counts(self, metrics: PipelineMetrics | None) -> None:
        if metrics is not None:
            for topic, n in self.events.items():
                metrics.record_event(topic, n)
            for op in self.ops:
                op(metrics)


class Engine:
    def __init__(
        self,
        policy: Policy,
        catalogue: Catalogue,
        clock: Clock,
        *,
        partitions: int | None = None,
        metrics: PipelineMetrics | None = None,
        limits: Limits | None = None,
        encode_outputs: bool = True,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.limits = limits or Limits()
        self.index = DueIndex()
        self.metrics = metrics
        self.encode_outputs = encode_outputs  # False: the offline replay keeps outputs as values
        self.emitter = Emitter(catalogue, self.limits)
        self.door = Door(catalogue, partitions or catalogue.aging.partitions, self.limits)
        self.tick_topic = catalogue.ticks.name
        self.meta: dict[int, PartitionMeta] = {}
        self._count = metrics is not None
        if metrics is not None:
            prepare(metrics.kpis, [v.name for v in policy.strategy.variants])

    @property
    def input_topics(self) -> list[str]:
        return list(self.door.types)

    # --------------------------------------------------------------- partitions

    def open(
        self, partition: int, meta: PartitionMeta, wakeups: Iterable[tuple[str, datetime]]
    ) -> None:
        """Own ``partition`` from its committed meta and its customers' next wake-ups."""
        self.meta[partition] = meta.copy()
        self.index.rebuild(partition, wakeups)

    def close(self, partition: int) -> None:
        self.meta.pop(partition, None)
        self.index.drop(partition)

    def partition_meta(self, partition: int) -> PartitionMeta:
        return self.meta.setdefault(partition, PartitionMeta())

    # ------------------------------------------------------------------- work

    def batch(self, lookup: StateLookup) -> Batch:
        return Batch(lookup)

    def apply(self, work: Batch, item: Admitted) -> None:
        """Apply one admitted record (the worker calls this in merged event-time order)."""
        msg = item.msg
        meta = self.partition_meta(msg.partition)
        meta.offsets[msg.topic] = msg.offset + 1
        work.partitions.add(msg.partition)
        work.processed += 1
        work.last = (msg.topic, msg.partition, msg.offset)
        if item.refusal is not None:
            self._refuse(work, item)
            return
        event = item.event
        if event is None:
            return  # an empty tick: nothing to do
        if isinstance(event, Tick):
            self._tick(work, msg.partition, event.at)
            return
        if isinstance(event, ErasureRequest):  # whatever its time says: the law does not wait
            if self._count:
                work.events[msg.topic] = work.events.get(msg.topic, 0) + 1
            self._erase(work, msg.partition, event)
            return
        reference = meta.clock if isinstance(self.clock, EventClock) else self.clock.now()
        if reference is not None and event.occurred_at > reference + self.limits.max_event_skew:
            text = (
                f"occurred_at {event.occurred_at.isoformat()} is more than "
                f"{self.limits.max_event_skew} ahead of the clock ({reference.isoformat()})"
            )
            work.emits.append(self._dead(work, msg, "validation", "implausible_time", text))
            self._protect(work, msg.partition, protection_of(event), reference)
            return
        if self._count:
            work.events[msg.topic] = work.events.get(msg.topic, 0) + 1
        try:
            self._apply_event(work, msg.partition, event, msg)
        except Exception as exc:  # a bug must not stop the partition: park this record alone
            log.exception("failed on %s[%d]@%d", msg.topic, msg.partition, msg.offset)
            work.emits.append(
                self._dead(work, msg, "engine", "internal_error", repr(exc), type(exc).__name__)
            )
            if msg.topic in self.door.protective:
                self._hold(work, msg.partition, event.customer_id, "internal_error")

    def run_due(self, work: Batch, partition: int, now: datetime) -> None:
        """Wall clock: send what fell due on ``partition`` by ``now``."""
        work.partitions.add(partition)
        for customer_id in self.index.pop_due(partition, now):
            self._due_one(work, partition, customer_id, now)

    # ------------------------------------------------- offline helpers (no Kafka)

    def process(self, records: Sequence[Incoming], lookup: StateLookup) -> Batch:
        """Admit and apply ``records`` in the given order (tests, the benchmark baseline)."""
        work = Batch(lookup)
        for msg in records:
            self.apply(work, self.door.admit(msg))
        return work

    def apply_events(
        self, partition: int, events: Iterable[InputEvent], lookup: StateLookup
    ) -> Batch:
        """Apply already-decoded events (the offline replay: no Kafka, no Avro)."""
        work = Batch(lookup)
        for event in events:
            self._apply_event(work, partition, event, None)
        return work

    def advance(self, partition: int, now: datetime, lookup: StateLookup) -> Batch:
        """An event-time tick without Kafka: move the clock, run what falls due."""
        work = Batch(lookup)
        self._tick(work, partition, now)
        return work

    # ------------------------------------------------------------------ internals

    def _tick(self, work: Batch, partition: int, at: datetime) -> None:
        if isinstance(self.clock, EventClock):
            self._run_due_until(work, partition, self._observe(partition, at))

    def _observe(self, partition: int, at: datetime) -> datetime:
        meta = self.partition_meta(partition)
        if meta.clock is None or at > meta.clock:
            meta.clock = at
        return meta.clock

    def _apply_event(
        self, work: Batch, partition: int, event: InputEvent, msg: Incoming | None
    ) -> None:
        if isinstance(self.clock, EventClock):
            now = self._observe(partition, event.occurred_at)
            self._run_due_until(work, partition, now)
        else:
            now = self.clock.now()
        produced = len(work.outputs)
        before = work.get(event.customer_id)
        decision = decide(before, event, now, self.policy)
        self._settle(work, partition, before, decision, source=msg)
        if isinstance(event, AccountProfile):
            self._release(work, partition, event.customer_id)
        if not isinstance(self.clock, EventClock):
            # a contact the event made due right now goes out with it, not at the next tick
            cid = event.customer_id
            again = self.index.next_due_of(partition, cid)
            if again is not None and again <= now:
                self.index.schedule(partition, cid, None)
                self._due_one(work, partition, cid, now)
        if self._count and decision.changed and _is_promise(event):
            work.ops.append(count(PipelineMetrics.record_promise, PromiseStatus.PENDING))
        if len(work.outputs) > produced:
            work.caused_output.append(event.occurred_at)

    def _erase(self, work: Batch, partition: int, event: ErasureRequest) -> None:
        """Forget the customer: their state is tombstoned (the changelog compacts it away),
        their schedule and any hold dropped; a later event starts a customer anew. The
        request's time moves no clock (an operator's wall-clock request in a replay)."""
        customer_id = event.customer_id
        before = work.get(customer_id)
        work.delete(partition, customer_id)
        self.index.schedule(partition, customer_id, None)
        self.partition_meta(partition).holds.pop(customer_id, None)
        if self._count:
            work.ops.append(count(PipelineMetrics.record_erasure))
            if before is not None:
                work.ops.extend(gone_ops(partition, before))
        log.info("erased a customer on partition %d (request %s)", partition, event.event_id)

    def _run_due_until(self, work: Batch, partition: int, now: datetime) -> None:
        """Event time: each customer's due() runs at its own scheduled time, in time order,
        as a perfectly punctual timer would have run it live."""
        while (entry := self.index.pop_next(partition, now)) is not None:
            when, customer_id = entry
            self._due_one(work, partition, customer_id, when)
            again = self.index.next_due_of(partition, customer_id)
            if again is not None and again <= when:  # no progress: finish at `now` instead
                self.index.schedule(partition, customer_id, None)
                self._due_one(work, partition, customer_id, now)

    def _due_one(self, work: Batch, partition: int, customer_id: str, at: datetime) -> None:
        if customer_id in self.partition_meta(partition).holds:
            return  # held: no contact until released (its next event schedules it again)
        before = work.get(customer_id)
        if before is None:
            return
        try:
            decision = due(before, at, self.policy)
        except Exception:  # one customer's bug must not stop the others: retry later, counted
            log.exception("due() failed for a customer on partition %d", partition)
            if self._count:
                work.ops.append(count(PipelineMetrics.record_due_failure))
            self.index.schedule(partition, customer_id, at + DUE_RETRY)
            return
        self._settle(work, partition, before, decision, source=None)

    def _settle(
        self,
        work: Batch,
        partition: int,
        before: CustomerState | None,
        decision: Decision,
        source: Incoming | None,
    ) -> None:
        state = decision.state
        if self._count and (decision.outputs or decision.changed or before is None):
            # an unchanged state without outputs counts nothing (see kpis.count_decision)
            work.ops.append(count(_count_kpis, before, state, decision.outputs))
        if decision.changed:
            work.put(partition, state)
            if self._count:
                work.ops.extend(account_ops(partition, before, state))
        self.index.schedule(partition, state.customer_id, next_wakeup(state))
        if not decision.outputs:
            return
        work.outputs.extend(decision.outputs)
        if self.encode_outputs:
            ops = work.ops if self._count else None
            work.emits.extend(
                self.emitter.outputs(decision.outputs, state.customer_id, source, ops)
            )

    def _refuse(self, work: Batch, item: Admitted) -> None:
        refusal = item.refusal
        assert refusal is not None
        msg = item.msg
        work.emits.append(
            self._dead(
                work, msg, refusal.stage, refusal.reason, refusal.message, refusal.error_class
            )
        )
        now = self._now(msg.partition)
        if item.protection is not None and now is not None:
            self._protect(work, msg.partition, item.protection, now)
        if item.hold is not None:
            self._hold(work, msg.partition, item.hold, f"unreadable {refusal.reason}")

    def _protect(
        self, work: Batch, partition: int, protection: Protection | None, now: datetime
    ) -> None:
        if protection is None:
            return
        before = work.get(protection.customer_id)
        try:
            decision = protect(
                before,
                protection.customer_id,
                hard_stops=protection.hard_stops,
                opt_outs=protection.opt_outs,
                source=protection.source,
                now=now,
                policy=self.policy,
            )
        except Exception:
            log.exception("could not apply protective facts on partition %d", partition)
            self._hold(work, partition, protection.customer_id, "internal_error")
            return
        self._settle(work, partition, before, decision, source=None)

    def _hold(self, work: Batch, partition: int, customer_id: str, reason: str) -> None:
        holds = self.partition_meta(partition).holds
        if customer_id not in holds:
            holds[customer_id] = reason
            if self._count:
                work.ops.append(count(PipelineMetrics.record_hold, partition, len(holds)))
            log.warning("customer held on partition %d: %s", partition, reason)

    def _release(self, work: Batch, partition: int, customer_id: str) -> None:
        """A valid profile is the authoritative word on consents and stops: lift a hold."""
        holds = self.partition_meta(partition).holds
        if holds.pop(customer_id, None) is None:
            return
        if self._count:
            work.ops.append(count(PipelineMetrics.record_release, partition, len(holds)))
        state = work.get(customer_id)
        if state is not None:
            self.index.schedule(partition, customer_id, next_wakeup(state))

    def _now(self, partition: int) -> datetime | None:
        if isinstance(self.clock, EventClock):
            return self.partition_meta(partition).clock
        return self.clock.now()

    def _dead(
        self,
        work: Batch,
        msg: Incoming,
        stage: str,
        reason: str,
        message: str,
        error_class: str = "ValidationError",
    ) -> Emit:
        ops = work.ops if self._count else None
        return self.emitter.dead_letter(msg, stage, reason, message, error_class, ops)


def _count_kpis(
    metrics: PipelineMetrics,
    before: CustomerState | None,
    after: CustomerState,
    outputs: tuple[Output, ...],
) -> None:
    count_decision(metrics.kpis, before, after, outputs)


def _is_promise(event: InputEvent) -> bool:
    return (
        isinstance(event, ContactOutcome)
        and event.outcome is Outcome.PROMISE_TO_PAY
        and not event.instalments  # a repayment plan: counted by collections_repayment_plans
    )


def merged_offsets(metas: Mapping[int, PartitionMeta]) -> dict[tuple[str, int], int]:
    """(topic, partition) -> next offset, over the given partitions' metas."""
    return {
        (topic, partition): offset
        for partition, meta in metas.items()
        for topic, offset in meta.offsets.items()
    }
