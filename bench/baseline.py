"""The baseline: the same engine in the plainest transactional confluent-kafka loop.

Consume a batch; admit each record at the same door (Avro decoding, the contract's
validation) into the same per-partition merge; apply what the merges release to the same
engine (policy core, outputs, metrics); then one Kafka transaction: the outputs, the changed
customer states encoded once each onto a compacted changelog, and the input offsets
(``send_offsets_to_transaction``). The same batch size as the worker's. Timed from its
first commit to its last, as the worker's throughput is. The merge is kept because the
engine's decisions depend on the order of the inputs: applied in fetch order, the same
engine takes other decisions (a snapshot of day 3 before a repayment of day 1) and does
other work, and the comparison would not be of the same thing.

What the worker does and this loop does not, so the ratio pipeline / baseline is the price
of those: the local store (RocksDB, written after each commit; here the states live in a
dict, all of them decoded, never read back from bytes), the partition's meta record on the
changelog, rollback and retry on a failed commit, the commit watchdog thread, flow control,
lag, stall and readiness reporting.
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from prometheus_client import CollectorRegistry

from bench.cleanup import create_topic, delete_topics
from bench.workload import (
    Record,
    client_config,
    create_topics,
    input_topics,
    produce,
    settings_for,
    unique,
)
from streams.contract.producer import PARTITIONER
from streams.core.config import load_policy
from streams.core.state import CustomerState
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.clock import EventClock
from streams.pipeline.engine import Engine, Incoming
from streams.pipeline.merge import PartitionMerge
from streams.pipeline.state_codec import encode_state
from streams.settings import Settings

BATCH = Settings.from_env().batch_max  # the worker's (COLLECTIONS_BATCH_MAX)
WITHIN = Settings.from_env().batch_within


@dataclass
class BaselineRun:
    events: int = 0  # committed after the first commit (as the worker's rate is taken)
    seconds: float = 0.0  # from the first commit to the last
    commits: list[float] = field(default_factory=list)  # seconds per transaction, all of it
    cpu: float = 0.0  # CPU seconds of this process over the same window

    @property
    def per_cpu_second(self) -> float:
        return self.events / self.cpu

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def commit_ms(self) -> float:
        """Median time from ``begin_transaction`` to ``commit_transaction`` returning."""
        return statistics.median(self.commits) * 1000 if self.commits else float("nan")


def run(bootstrap: str, records: list[Record]) -> BaselineRun:
    """Consume, decide and commit every record once."""
    name = unique("base")
    settings = settings_for(bootstrap, name, Path("unused"))
    cat = create_topics(settings)
    n = produce(bootstrap, cat, records)
    metrics = PipelineMetrics(CollectorRegistry(), topics=input_topics(cat), currencies=["CNY"])
    policy = load_policy(None, settings.compliance_preset)
    engine = Engine(policy, cat, EventClock(), partitions=settings.partitions, metrics=metrics)
    states: dict[str, CustomerState] = {}
    changelog = f"{name}.state-changelog"
    create_topic(bootstrap, changelog, settings.partitions)
    config = client_config(bootstrap)
    consumer = Consumer(
        {
            **config,
            "group.id": f"{name}-{uuid.uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "enable.partition.eof": True,
        }
    )
    producer = Producer(
        {
            **config,
            "transactional.id": f"{name}-tx",
            "partitioner": PARTITIONER,
            "linger.ms": 5,
            "compression.type": "lz4",
            "queue.buffering.max.messages": 1_000_000,
        }
    )
    producer.init_transactions(30)
    topics = [*engine.input_topics, engine.tick_topic]
    consumer.subscribe(topics)
    merges = {p: PartitionMerge(topics) for p in range(settings.partitions)}
    seen = 0
    t0 = cpu0 = 0.0
    result = BaselineRun()
    try:
        while seen < n:
            for m in consumer.consume(BATCH, WITHIN):
                merge = merges[m.partition()]
                if m.error() is not None:  # the end of a partition (nothing else comes here)
                    merge.reached_end(m.topic())
                    continue
                incoming = Incoming(m.topic(), m.partition(), m.offset(), m.key(), m.value())
                merge.add(engine.door.admit(incoming))
            work = engine.batch(states.get)
            budget = BATCH  # inputs per transaction, over all partitions, as the worker's
            for merge in merges.values():
                items = merge.release(budget)
                for item in items:
                    engine.apply(work, item)
                budget -= len(items)
                if budget <= 0:
                    break
            if not work.processed:
                continue
            seen += work.processed
            began = time.monotonic()
            producer.begin_transaction()
            for emit in work.emits:
                producer.produce(emit.topic, emit.value, emit.key, headers=emit.headers)
            for customer_id, (partition, state) in work.writes.items():
                raw = None if state is None else encode_state(partition, state)
                producer.produce(changelog, raw, customer_id.encode(), partition=partition)
            offsets = [
                TopicPartition(t, p, o)
                for p in work.partitions
                for t, o in engine.partition_meta(p).offsets.items()
            ]
            producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), 30)
            producer.commit_transaction(30)
            result.commits.append(time.monotonic() - began)
            if not t0:
                t0 = time.monotonic()  # the first commit: timing starts
                cpu0 = time.process_time()
            else:
                result.events += work.processed
            for customer_id, (_p, state) in work.writes.items():
                if state is None:
                    states.pop(customer_id, None)
                else:
                    states[customer_id] = state
            work.apply_counts(metrics)
        result.seconds = time.monotonic() - t0
        result.cpu = time.process_time() - cpu0
        return result
    finally:
        consumer.close()
        delete_topics(bootstrap, name)
