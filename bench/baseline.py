"""The baseline: a plain confluent-kafka consume-decide-produce loop, no framework.

Same input, same ``Engine`` (the same Avro decoding and the same policy core), the same JSON
state encoding read back on every lookup, outputs and state changes produced with
confluent-kafka, offsets committed after the producer has flushed. What the pipeline costs
beyond this loop is the framework's (Faust, aiokafka) share.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer
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
from streams.contract.producer import producer_config
from streams.core.config import load_policy
from streams.core.state import CustomerState
from streams.metrics.pipeline import PipelineMetrics
from streams.pipeline.clock import EventClock
from streams.pipeline.engine import Engine, Incoming
from streams.pipeline.state_codec import decode_state, encode_state

BATCH = 500


def run(bootstrap: str, records: list[Record]) -> tuple[int, float]:
    """Consume, decide and produce every record once; returns (events, seconds)."""
    name = unique("base")
    settings = settings_for(bootstrap, name, Path("unused"))
    cat = create_topics(settings)
    n = produce(bootstrap, cat, records)
    metrics = PipelineMetrics(CollectorRegistry(), topics=input_topics(cat), currencies=["CNY"])
    policy = load_policy(None, settings.compliance_preset)
    engine = Engine(policy, cat, EventClock(), metrics=metrics)
    store: dict[str, bytes] = {}
    changelog = f"{name}.state-changelog"
    create_topic(bootstrap, changelog, settings.partitions)

    def lookup(customer_id: str) -> CustomerState | None:
        raw = store.get(customer_id)
        return decode_state(raw)[1] if raw is not None else None

    consumer = Consumer(
        {
            **client_config(bootstrap),
            "group.id": f"{name}-{uuid.uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    producer = Producer(producer_config(client_config(bootstrap)))
    consumer.subscribe(input_topics(cat))
    seen = 0
    t0 = 0.0
    try:
        while seen < n:
            msgs = consumer.consume(BATCH, timeout=0.5)
            if not msgs:
                continue
            if not t0:
                t0 = time.monotonic()
            batch = [
                Incoming(m.topic(), m.partition(), m.offset(), m.key(), m.value(), None)
                for m in msgs
                if m.error() is None
            ]
            seen += len(batch)
            result = engine.process(batch, lookup)
            for emit in result.emits:
                producer.produce(emit.topic, emit.value, emit.key, headers=emit.headers)
            for customer_id, (partition, state) in result.writes.items():
                raw = None if state is None else encode_state(partition, state)
                producer.produce(changelog, raw, customer_id.encode())
                if raw is None:
                    store.pop(customer_id, None)
                else:
                    store[customer_id] = raw
            producer.flush()
            consumer.commit(asynchronous=False)
        return n, time.monotonic() - t0
    finally:
        consumer.close()
        delete_topics(bootstrap, name)
