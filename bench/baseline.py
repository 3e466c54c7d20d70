"""The baseline: the same engine in the plainest transactional confluent-kafka loop.

Consume a batch, ``Engine.process`` it (the same door: Avro decoding and the contract's
validation; the same policy core and metrics), then one Kafka transaction: the outputs, the
changed customer states encoded once each onto a compacted changelog, and the input offsets
(``send_offsets_to_transaction``). The same batch size as the worker's. Timed from its
first commit to its last, as the worker's throughput is.

What the worker does and this loop does not, so the ratio pipeline / baseline is the price
of those: the ordered per-partition merge of the input topics (here records are applied in
fetch order), the local store (RocksDB, written after each commit; here the states live in
a dict, all of them decoded, never read back from bytes), the partition's meta record on
the changelog, rollback and retry on a failed commit, the commit watchdog thread, flow
control, lag and readiness.
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
from streams.pipeline.state_codec import encode_state
from streams.settings import Settings

BATCH = Settings.from_env().batch_max  # the worker's (COLLECTIONS_BATCH_MAX)
WITHIN = Settings.from_env().batch_within


@dataclass
class BaselineRun:
    events: int = 0  # committed after the first commit (as the worker's rate is taken)
    seconds: float = 0.0  # from the first commit to the last
    commits: list[float] = field(default_factory=list)  # seconds per transaction, all of it

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
    consumer.subscribe(input_topics(cat))
    seen = 0
    t0 = 0.0
    result = BaselineRun()
    try:
        while seen < n:
            msgs = consumer.consume(BATCH, WITHIN)
            batch = [
                Incoming(m.topic(), m.partition(), m.offset(), m.key(), m.value(), None)
                for m in msgs
                if m.error() is None
            ]
            if not batch:
                continue
            seen += len(batch)
            work = engine.process(batch, states.get)
            next_offsets = {(m.topic, m.partition): m.offset + 1 for m in batch}
            began = time.monotonic()
            producer.begin_transaction()
            for emit in work.emits:
                producer.produce(emit.topic, emit.value, emit.key, headers=emit.headers)
            for customer_id, (partition, state) in work.writes.items():
                raw = None if state is None else encode_state(partition, state)
                producer.produce(changelog, raw, customer_id.encode(), partition=partition)
            offsets = [TopicPartition(t, p, o) for (t, p), o in next_offsets.items()]
            producer.send_offsets_to_transaction(offsets, consumer.consumer_group_metadata(), 30)
            producer.commit_transaction(30)
            result.commits.append(time.monotonic() - began)
            if not t0:
                t0 = time.monotonic()  # the first commit: timing starts
            else:
                result.events += len(batch)
            for customer_id, (_p, state) in work.writes.items():
                if state is None:
                    states.pop(customer_id, None)
                else:
                    states[customer_id] = state
            work.apply_counts(metrics)
        result.seconds = time.monotonic() - t0
        return result
    finally:
        consumer.close()
        delete_topics(bootstrap, name)
