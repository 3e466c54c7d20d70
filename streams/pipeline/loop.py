"""The worker's loop: consume, merge in event-time order, apply, commit in one transaction.

Every turn of the loop:

1. ``consume`` a batch of records from the input topics of the partitions this worker owns
   (the consumer group assigns partitions; the ``range`` assignor gives one worker the same
   partition number of every input topic, since they all have the same partition count);
2. admit each record (``admission``: decode, check, or refuse) into its partition's
   ordered merge (``merge``); on the event clock, check with the broker the input ends a
   release would rely on (``_check_ends``);
3. release what the merges allow, apply it to the engine (and, on the wall clock, run what
   fell due), collecting a :class:`~streams.pipeline.engine.Batch`;
4. commit the batch in one Kafka transaction (``transactions``): its outputs, the changed
   customer states and each touched partition's meta on the changelog, and the input
   offsets. Only then is the local store written and are the metrics counted.

If the commit fails, nothing of the batch happened anywhere: the loop rolls the engine and
the merges back to the last commit (reopening the partitions from their stores and seeking
the consumer back), waits (longer after each failure) and tries again; a registry outage met
while decoding is retried the same way, never dead-lettered. Records that fail for what they
are were refused at the door or in the engine, one by one, before the commit: outputs are
bounded by the contract's limits, so a commit fails only when Kafka does (unreachable,
refusing, misconfigured), and then retrying, with an alert, is the only safe answer.

No transaction is ever open while ``consume`` runs, so rebalance callbacks (which run
inside ``consume``) never see a half-done batch. On assignment, each partition's store is
restored from the changelog and the consumer starts at the positions recorded in the
partition's meta: the state and the input position always match.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    IsolationLevel,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec

from streams.contract.registry import RegistryError
from streams.core.model import Bucket, Tier
from streams.metrics.figures import AccountFigures
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.changelog import RestoreError, decode_meta, encode_meta, restore
from streams.pipeline.clock import EventClock, WallClock
from streams.pipeline.emitter import Incoming
from streams.pipeline.engine import Batch, Engine
from streams.pipeline.merge import PartitionMerge
from streams.pipeline.state_codec import decode_summary, encode_state
from streams.pipeline.states import HotStates
from streams.pipeline.store import META_KEY, PartitionStore, open_store
from streams.pipeline.transactions import CommitFailedError, TransactionalSink, producer_config
from streams.settings import Settings

log = logging.getLogger(__name__)

PAUSE_ABOVE = 20_000  # records buffered per topic partition before its fetching pauses
RESUME_BELOW = 5_000
BACKOFF_BASE, BACKOFF_CAP = 0.2, 30.0
ENDS_TIMEOUT_S = 10.0  # longest wait for the broker's answer on where input topics end
ENDS_RETRY_S = 1.0  # after no answer, ask again this much later


class FatalError(RuntimeError):
    """The worker cannot go on (a fenced producer, a restore that cannot finish): exit."""


def instance_id(settings: Settings) -> str:
    """The configured instance id, or one derived from the host and the data dir."""
    if settings.instance_id:
        return settings.instance_id
    where = sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:8]
    return f"{socket.gethostname()}-{where}"


@dataclass
class Readiness:
    """What ``/ready`` and ``/live`` answer from (written by the loop, read by the server)."""

    stall_limit: float = 60.0
    assigned: bool = False  # the current assignment is restored and open
    heartbeat: float = field(default_factory=time.monotonic)
    stalled: dict[int, float] = field(default_factory=dict)  # partition -> seconds waiting
    failing_since: float | None = None  # commits failing since (monotonic)

    def ready(self) -> tuple[bool, str]:
        if not self.assigned:
            return False, "not ready: restoring or rebalancing"
        stuck = sorted(p for p, s in self.stalled.items() if s >= self.stall_limit)
        if stuck:
            return False, f"not ready: partitions {stuck} waiting on an unread input"
        if self.failing_since is not None:
            return False, "not ready: commits failing, retrying"
        return True, "ready"

    def live(self, within: float = 120.0) -> bool:
        return time.monotonic() - self.heartbeat < within


@dataclass
class Owned:
    store: PartitionStore
    merge: PartitionMerge
    start: dict[str, int]  # topic -> offset reading began at (where a rollback returns to)
    fetched: dict[str, int] = field(default_factory=dict)  # topic -> offset after the last read
    paused: set[str] = field(default_factory=set)
    blocked_since: float | None = None
    ends_checked: bool = False  # the merge's ends were checked since it last took a record


class PipelineLoop:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        client_config: Mapping[str, object],
        changelog: str,
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.metrics = metrics
        self.client_config = dict(client_config)
        self.changelog = changelog
        self.topics = [*engine.input_topics, engine.tick_topic]
        self.readiness = Readiness(stall_limit=settings.stall_seconds)
        self.stores: dict[int, PartitionStore] = {}
        self.states = HotStates(self._owned_store, settings.partitions, settings.hot_states)
        self.owned: dict[int, Owned] = {}
        self.stopping = threading.Event()
        self.event_clock = isinstance(engine.clock, EventClock)
        self._failures = 0
        self._retry_at = 0.0
        self._next_tick = 0.0
        self._next_lag = 0.0
        self._consumer: Consumer | None = None
        self._sink: TransactionalSink | None = None
        self._admin: AdminClient | None = None
        self._ends_retry_at = 0.0

    # ------------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        """Run until ``stop()``; raises ``FatalError`` when the worker must restart."""
        tid = f"{self.settings.app_id}-{instance_id(self.settings)}"
        try:
            self._sink = TransactionalSink(
                producer_config(self.client_config, tid, self.settings.transaction_timeout_ms),
                self.changelog,
                deadline=self.settings.commit_deadline_seconds,
            )
        except CommitFailedError as exc:
            raise FatalError(f"cannot start transactions as {tid}: {exc}") from exc
        consumer = Consumer(self._consumer_config())
        self._consumer = consumer
        consumer.subscribe(
            self.topics,
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )
        log.info("worker %s consuming %d topics", tid, len(self.topics))
        try:
            while not self.stopping.is_set():
                self._turn(consumer)
        except FatalError:
            # no goodbye to a broker that may be what is wedged: exit, and let the restart
            # abort what was in flight (nothing uncommitted was ever visible)
            self.readiness.assigned = False
            raise
        self._shutdown(consumer)

    def _consumer_config(self) -> dict[str, object]:
        s = self.settings
        return {
            **self.client_config,
            "group.id": s.app_id,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "enable.partition.eof": True,
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "range",
            "session.timeout.ms": s.session_timeout_ms,
            "max.poll.interval.ms": s.max_poll_interval_ms,
            "queued.max.messages.kbytes": 32768,
            "fetch.wait.max.ms": 100,
        }

    def _shutdown(self, consumer: Consumer) -> None:
        self.readiness.assigned = False
        try:
            consumer.close()  # leaves the group: the revoke callback drops the partitions
        except Exception:
            log.exception("closing the consumer")
        if self._sink is not None:
            self._sink.close()
        for store in self.stores.values():
            store.close()
        self.stores.clear()

    # ---------------------------------------------------------------- one turn

    def _turn(self, consumer: Consumer) -> None:
        now = time.monotonic()
        self.readiness.heartbeat = now
        try:
            messages = consumer.consume(self.settings.batch_max, self.settings.batch_within)
        except RestoreError as exc:  # raised by the assignment callback
            raise FatalError(f"cannot restore an assigned partition: {exc}") from exc
        try:
            self._take(messages)
        except RegistryError as exc:
            log.warning("schema registry unavailable, retrying: %s", exc)
            self._rollback("registry")
            return
        if now >= self._next_lag:
            self._report_lag(consumer)
            self._next_lag = now + self.settings.lag_seconds
        if time.monotonic() < self._retry_at:
            return
        work = self.engine.batch(self.states.get)
        if not self.event_clock or self._check_ends():
            self._release_into(work)
        clock = self.engine.clock
        if isinstance(clock, WallClock) and now >= self._next_tick:
            wall = clock.now()
            for partition in self.owned:
                self.engine.run_due(work, partition, wall)
            self._next_tick = now + self.settings.tick_seconds
        if work.processed or work.emits or work.writes:
            self._commit(consumer, work)

    def _take(self, messages: list[Message]) -> None:
        """Admit each record into its partition's merge, in the order read (a topic's end is
        reported after its last record). If admitting raises (a registry outage), the rest is
        still read for its positions and ends, so the rollback knows what to read again."""
        outage: RegistryError | None = None
        for message in messages:
            error = message.error()
            owned = self.owned.get(message.partition())
            if error is not None:
                if error.fatal():
                    raise FatalError(f"consumer: {error}")
                if error.code() != KafkaError._PARTITION_EOF:
                    log.warning("consumer: %s", error)
                elif owned is not None and message.topic() in owned.merge.queues:
                    owned.merge.reached_end(message.topic(), message.offset())
                    owned.ends_checked = False
                continue
            if owned is None:
                continue  # fetched before a revocation: the new owner reads it
            owned.fetched[message.topic()] = message.offset() + 1
            owned.ends_checked = False
            if outage is not None:
                continue
            headers = message.headers()
            incoming = Incoming(
                message.topic(),
                message.partition(),
                message.offset(),
                message.key(),
                message.value(),
                list(headers) if headers else None,
            )
            try:
                owned.merge.add(self.engine.door.admit(incoming))
            except RegistryError as exc:
                outage = exc
        self._flow_control()
        if outage is not None:
            raise outage

    def _check_ends(self) -> bool:
        """Event clock: ask the broker where the input topics a release would rely on end.

        The consumer reports a topic's end once, and fetches each topic on its own: records
        published on a topic after its end was reported may still be unread while a later
        record of another topic, published with them, is already here. Trusting the old end
        would apply that later record first (and a replay would then decide differently from
        run to run). So for each partition that read something since its last check, one
        ListOffsets round trip tells where each empty topic ends now (committed, and written:
        a transaction still open may commit earlier records); an end the broker has moved
        past, or with a transaction open, is doubted and the partition waits until the
        consumer has read that topic again. Records the consumer handed over before the
        question were in the log before it, so the answer covers them. False: no answer;
        nothing is released this turn.
        """
        asked: dict[tuple[str, int], int] = {}
        for partition, owned in self.owned.items():
            if owned.ends_checked or not owned.merge.buffered():
                continue
            for topic, offset in owned.merge.trusted_ends().items():
                asked[(topic, partition)] = offset
        if asked:
            if time.monotonic() < self._ends_retry_at:
                return False
            ends = self._broker_ends(list(asked))
            if not ends:
                self._ends_retry_at = time.monotonic() + ENDS_RETRY_S
                return False
            for (topic, partition), offset in asked.items():
                committed, written = ends[(topic, partition)]
                if committed > offset or written > committed:
                    self.owned[partition].merge.doubt(topic)
        for owned in self.owned.values():
            owned.ends_checked = True
        return True

    def _broker_ends(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, int]]:
        """(topic, partition) -> (committed end, written end) from the broker; {} on failure.

        A failed client is dropped and made anew for the next question: after a broker
        restart librdkafka's admin client can keep answering from stale leader epochs
        (``FENCED_LEADER_EPOCH``) for good.
        """
        if self._admin is None:
            self._admin = AdminClient(dict(self.client_config))
        wanted = {TopicPartition(t, p): OffsetSpec.latest() for t, p in tps}
        found: dict[IsolationLevel, dict[tuple[str, int], int]] = {}
        try:
            for level in (IsolationLevel.READ_COMMITTED, IsolationLevel.READ_UNCOMMITTED):
                futures = self._admin.list_offsets(
                    wanted, isolation_level=level, request_timeout=ENDS_TIMEOUT_S
                )
                found[level] = {
                    (tp.topic, tp.partition): f.result(timeout=ENDS_TIMEOUT_S).offset
                    for tp, f in futures.items()
                }
        except (KafkaException, TimeoutError) as exc:
            log.warning("could not read where the input topics end, retrying: %s", exc)
            self._admin = None
            return {}
        committed = found[IsolationLevel.READ_COMMITTED]
        written = found[IsolationLevel.READ_UNCOMMITTED]
        return {tp: (committed[tp], written[tp]) for tp in committed}

    def _release_into(self, work: Batch) -> None:
        budget = self.settings.batch_max
        wall = time.monotonic()
        for partition, owned in self.owned.items():
            force = (
                not self.event_clock
                and owned.blocked_since is not None
                and wall - owned.blocked_since >= self.settings.reorder_wait_seconds
            )
            items = owned.merge.release(budget, force=force)
            for item in items:
                self.engine.apply(work, item)
            budget -= len(items)
            if owned.merge.buffered() and not items:
                owned.blocked_since = owned.blocked_since or wall
            else:
                owned.blocked_since = None
            waited = 0.0 if owned.blocked_since is None else wall - owned.blocked_since
            self.readiness.stalled[partition] = waited
            if self.metrics is not None:
                self.metrics.set_stalled(partition, waited)
            if budget <= 0:
                break

    # ------------------------------------------------------------------- commit

    def _commit(self, consumer: Consumer, work: Batch) -> None:
        assert self._sink is not None
        engine = self.engine
        changelog: list[tuple[int, bytes, bytes | None]] = []
        for customer_id, (partition, state) in work.writes.items():
            value = None if state is None else encode_state(partition, state)
            if value is not None and len(value) > engine.limits.max_state_bytes:
                log.error("state of a customer on partition %d is %d bytes", partition, len(value))
            changelog.append((partition, customer_id.encode(), value))
        for partition in sorted(work.partitions):
            changelog.append((partition, META_KEY, encode_meta(engine.partition_meta(partition))))
        offsets = [
            TopicPartition(topic, partition, offset)
            for partition in sorted(work.partitions)
            for topic, offset in engine.partition_meta(partition).offsets.items()
        ]
        try:
            sent = self._sink.commit(
                work.emits, changelog, offsets, consumer.consumer_group_metadata()
            )
        except CommitFailedError as exc:
            if self.metrics is not None:
                self.metrics.record_transaction(committed=False)
            if exc.kind == "fatal":
                raise FatalError(f"transaction: {exc}") from exc
            log.warning("transaction aborted, retrying from the last commit: %s", exc)
            self._rollback("kafka")
            return
        by_partition: dict[int, dict[bytes, bytes | None]] = {}
        for partition, key, record in changelog:
            by_partition.setdefault(partition, {})[key] = record
        for partition, records in by_partition.items():
            store = self.stores[partition]
            store.write(records, sent.changelog_offsets.get(partition, store.checkpoint))
        self.states.committed((c, p, state) for c, (p, state) in work.writes.items())
        self._failures = 0
        self.readiness.failing_since = None
        if self.metrics is not None:
            self.metrics.record_transaction(committed=True)
            work.apply_counts(self.metrics)
            for partition in work.partitions:
                self.metrics.set_held(partition, len(engine.partition_meta(partition).holds))
            if not self.event_clock and work.caused_output:
                acked = datetime.now(UTC)
                for occurred_at in work.caused_output:
                    self.metrics.observe_latency((acked - occurred_at).total_seconds())

    def _rollback(self, reason: str) -> None:
        """Back to the last commit: reopen every owned partition from its store and read its
        inputs again from the committed positions, after a pause that grows with failures."""
        assert self._consumer is not None
        if self.metrics is not None:
            self.metrics.record_retry(reason)
        self.states.drop()
        for partition, owned in self.owned.items():
            owned.blocked_since = None
            owned.ends_checked = False
            meta = decode_meta(owned.store.get(META_KEY))
            self._open(partition, owned.store, meta)
            for topic in owned.merge.queues:
                offset = meta.offsets.get(topic, owned.start[topic])
                if offset == owned.fetched.get(topic, owned.start[topic]):
                    continue  # nothing read past the commit: its queue and end still hold
                owned.merge.rewind(topic)
                owned.fetched[topic] = offset
                self._consumer.seek(TopicPartition(topic, partition, offset))
        self._failures += 1
        self.readiness.failing_since = self.readiness.failing_since or time.monotonic()
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(self._failures, 10))
        self._retry_at = time.monotonic() + delay * (0.5 + random.random() / 2)

    # -------------------------------------------------------------- partitions

    def _on_assign(self, consumer: Consumer, assigned: list[TopicPartition]) -> None:
        t0 = time.monotonic()
        self.readiness.assigned = False
        by_partition: dict[int, list[str]] = {}
        for tp in assigned:
            by_partition.setdefault(tp.partition, []).append(tp.topic)
        for partition in [p for p in self.stores if p not in by_partition]:
            self.states.drop(partition)
            self.stores.pop(partition).close()
        topics_of: dict[int, list[str]] = {}
        for partition in sorted(by_partition):
            topics = [t for t in self.topics if t in by_partition[partition]]
            if len(topics) != len(self.topics):
                log.error(
                    "partition %d assigned without %s", partition, set(self.topics) - set(topics)
                )
            topics_of[partition] = topics
            if partition not in self.stores:
                self.stores[partition] = open_store(
                    self.settings.store, self.settings.data_dir, self.settings.app_id, partition
                )
        done = restore(
            self.client_config,
            self.changelog,
            {p: self.stores[p] for p in topics_of},
            group=self.settings.app_id,
            progress=self._restoring,
        )
        log.info(
            "partitions %s restored: %d changelog records in %.2fs",
            sorted(topics_of),
            done.records,
            done.seconds,
        )
        wanted: list[TopicPartition] = []
        for partition, topics in topics_of.items():
            store = self.stores[partition]
            meta = decode_meta(store.get(META_KEY))
            start = self._start_offsets(consumer, partition, topics, meta.offsets)
            self.owned[partition] = Owned(store, PartitionMerge(topics), start)
            self._open(partition, store, meta)
            wanted.extend(TopicPartition(t, partition, start[t]) for t in topics)
        consumer.assign(wanted)
        self.readiness.assigned = True
        if self.metrics is not None:
            self.metrics.observe_table_recovery(time.monotonic() - t0)
        log.info("ready: partitions %s (%.2fs)", sorted(by_partition), time.monotonic() - t0)

    def _restoring(self, records: int) -> None:
        """A long restore is progress, not a hang: ``/live`` keeps answering 200."""
        self.readiness.heartbeat = time.monotonic()

    def _on_revoke(self, consumer: Consumer, revoked: list[TopicPartition]) -> None:
        self.readiness.assigned = False
        if self.metrics is not None:
            self.metrics.record_rebalance()
        for partition in {tp.partition for tp in revoked}:
            self.owned.pop(partition, None)
            self.states.drop(partition)
            self.engine.close(partition)
            self.readiness.stalled.pop(partition, None)
            if self.metrics is not None:
                self.metrics.revoked(partition)
        consumer.unassign()

    def _start_offsets(
        self, consumer: Consumer, partition: int, topics: list[str], known: Mapping[str, int]
    ) -> dict[str, int]:
        """Where reading starts: the meta's positions, else the group's committed offsets,
        else the beginning (no meta and no commit: a partition nobody processed yet)."""
        start = {t: known[t] for t in topics if t in known}
        missing = [TopicPartition(t, partition) for t in topics if t not in known]
        if missing:
            for tp in consumer.committed(missing, timeout=30):
                start[tp.topic] = tp.offset if tp.offset >= 0 else OFFSET_BEGINNING
        return start

    def _open(self, partition: int, store: PartitionStore, meta: Any) -> None:
        wakeups, figures = _scan(store)
        self.engine.open(partition, meta, wakeups)
        if self.metrics is not None:
            self.metrics.assigned(partition, figures)
            self.metrics.set_held(partition, len(meta.holds))

    def _owned_store(self, partition: int) -> PartitionStore | None:
        owned = self.owned.get(partition)
        return None if owned is None else owned.store

    # ---------------------------------------------------------- flow and lag

    def _flow_control(self) -> None:
        assert self._consumer is not None
        pause, resume = [], []
        for partition, owned in self.owned.items():
            for topic in owned.merge.queues:
                size = owned.merge.buffered(topic)
                if topic not in owned.paused and size > PAUSE_ABOVE:
                    owned.paused.add(topic)
                    pause.append(TopicPartition(topic, partition))
                elif topic in owned.paused and size < RESUME_BELOW:
                    owned.paused.discard(topic)
                    resume.append(TopicPartition(topic, partition))
        if pause:
            self._consumer.pause(pause)
        if resume:
            self._consumer.resume(resume)

    def _report_lag(self, consumer: Consumer) -> None:
        """Lag from what was *applied* (the partition's position), not what was fetched: a
        partition whose merge waits shows its lag growing."""
        if self.metrics is None:
            return
        for partition, owned in self.owned.items():
            meta = self.engine.partition_meta(partition)
            for topic in owned.merge.queues:
                if topic == self.engine.tick_topic:
                    continue
                try:
                    _low, high = consumer.get_watermark_offsets(
                        TopicPartition(topic, partition), cached=True
                    )
                except Exception:  # a lag reading must never stop the worker
                    log.debug("no watermark for %s[%d]", topic, partition, exc_info=True)
                    continue
                if high < 0:
                    continue
                position = meta.offsets.get(topic, owned.start[topic])
                position = max(position, 0)
                self.metrics.set_consumer_lag(topic, partition, high - position)


def _scan(store: PartitionStore) -> tuple[list[tuple[str, datetime]], list[AccountFigures]]:
    """Each stored customer's next wake-up and account figures, from the summary lines."""
    wakeups: list[tuple[str, datetime]] = []
    figures: list[AccountFigures] = []
    for key, raw in store.items():
        summary = decode_summary(raw)
        if summary is None:
            continue
        if summary.wakeup is not None:
            wakeups.append((key.decode(), summary.wakeup))
        figures.extend(
            AccountFigures(Tier(t), Bucket(b), dpd, overdue, outstanding, currency)
            for t, b, dpd, overdue, outstanding, currency in summary.accounts
        )
    return wakeups, figures
