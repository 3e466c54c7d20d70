"""Run the real pipeline against the real broker inside a test: unique topics, own app id."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from prometheus_client import CollectorRegistry

from streams.contract.admin import ensure_topics
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import decode_any, encode
from streams.contract.producer import producer_config
from streams.core.model import AccountProfile, AgingSnapshot, ContactOutcome, InputEvent, Repayment
from streams.core.state import CustomerState
from streams.pipeline.state_codec import decode_state
from streams.settings import ClockMode, Settings
from streams.worker import Pipeline, build_pipeline, prepare_topics

T = TypeVar("T")


def pipeline_settings(
    bootstrap: str,
    name: str,
    data_dir: Path,
    *,
    clock: ClockMode = "event",
    store: str = "memory://",
) -> Settings:
    return Settings(
        kafka_bootstrap=bootstrap,
        app_id=f"{name}-app",
        instance_id="w1",
        store=store,
        data_dir=data_dir,
        clock=clock,
        partitions=3,
        replication_factor=1,
        topic_prefix=f"{name}.",
        tick_seconds=0.2,
        batch_within=0.02,
        session_timeout_ms=6000,
    )


def topics_for(settings: Settings) -> Catalogue:
    cat = catalogue(settings.topic_prefix, settings.partitions)
    report = ensure_topics(settings.kafka_bootstrap, cat)
    assert report.ok, report.lines()
    return cat


@asynccontextmanager
async def running(
    settings: Settings, registry: CollectorRegistry | None = None
) -> AsyncIterator[Pipeline]:
    """The worker's loop in a thread of this process (a real consumer group member)."""
    pipeline = build_pipeline(settings, registry)
    assert prepare_topics(pipeline, settings) == []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            pipeline.loop.run()
        except BaseException as exc:  # surfaced by the test, not lost in the thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="worker-loop", daemon=True)
    thread.start()
    try:
        await wait_until(
            lambda: bool(failure) or pipeline.loop.readiness.ready()[0], what="worker ready"
        )
        if failure:
            raise failure[0]
        yield pipeline
    finally:
        pipeline.loop.stop()
        await asyncio.to_thread(thread.join, 60)
        if failure:
            raise failure[0]


def committed_state(pipeline: Pipeline, customer: str) -> CustomerState | None:
    """What the worker's store holds for ``customer`` (read from this thread: the store,
    not the loop's own LRU of decoded states, which only its thread touches)."""
    key = customer.encode()
    for store in list(pipeline.loop.stores.values()):
        raw = store.get(key)
        if raw is not None:
            return decode_state(raw)[1]
    return None


async def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def topic_of(cat: Catalogue, event: InputEvent) -> str:
    if isinstance(event, AgingSnapshot):
        return cat.aging.name
    if isinstance(event, Repayment):
        return cat.repayments.name
    if isinstance(event, ContactOutcome):
        return cat.contact_outcomes.name
    assert isinstance(event, AccountProfile)
    return cat.account_profiles.name


def publish(bootstrap: str, cat: Catalogue, events: Sequence[InputEvent]) -> None:
    producer = Producer(producer_config(bootstrap))
    for event in events:
        producer.produce(topic_of(cat, event), key=event.customer_id, value=encode(event))
    assert producer.flush(30) == 0


async def publish_and_wait(
    settings: Settings, cat: Catalogue, events: Sequence[InputEvent]
) -> None:
    """Publish, then wait until the worker group has committed every input message."""
    from tests.integration.worker_process import committed_lag

    publish(settings.kafka_bootstrap, cat, events)
    inputs = [t.name for t in cat.inputs()]

    def done() -> bool:
        lag = committed_lag(settings.kafka_bootstrap, settings.app_id, inputs, settings.partitions)
        return lag == 0

    await wait_until(done, what="the worker to commit what was published")


def publish_raw(bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes]]) -> None:
    producer = Producer(producer_config(bootstrap))
    for key, value in records:
        producer.produce(topic, key=key, value=value)
    assert producer.flush(30) == 0


class Reader:
    """Reads output topics from the start (no consumer group: partitions are assigned).

    ``until`` waits for a condition on what was read; ``drain`` reads up to the end offsets
    the topics have now, so nothing already written can be missed.
    """

    def __init__(self, bootstrap: str, topics: Sequence[str], partitions: int = 3) -> None:
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"reader-{time.monotonic_ns()}",
                "enable.auto.commit": False,
            }
        )
        self.tps = [
            TopicPartition(t, p, OFFSET_BEGINNING) for t in topics for p in range(partitions)
        ]
        self.consumer.assign(self.tps)
        self.records: list[tuple[str, bytes | None, object, list[tuple[str, bytes]]]] = []

    def poll(self) -> None:
        for msg in self.consumer.consume(500, 0.1):
            if msg.error():
                raise AssertionError(f"consumer error: {msg.error()}")
            value = msg.value()
            decoded: object = value
            if value is not None and not msg.topic().endswith(".dlq.v1"):
                decoded = decode_any(value)
            self.records.append((msg.topic(), msg.key(), decoded, list(msg.headers() or [])))

    def drain(self, timeout: float = 30.0) -> None:
        ends = {
            (tp.topic, tp.partition): self.consumer.get_watermark_offsets(tp, timeout=10)[1]
            for tp in self.tps
        }
        deadline = time.monotonic() + timeout
        while True:
            positions = self.consumer.position([TopicPartition(t, p) for (t, p) in ends])
            behind = [tp for tp in positions if ends[(tp.topic, tp.partition)] > max(tp.offset, 0)]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read to the end of {behind}")
            self.poll()

    async def until(
        self, condition: Callable[[list[object]], bool], what: str, timeout: float = 60.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition([r[2] for r in self.records]):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"read {len(self.records)} records"
                )
            await asyncio.to_thread(self.poll)

    def of_type(self, kind: type[T]) -> list[T]:
        return [r[2] for r in self.records if isinstance(r[2], kind)]

    def close(self) -> None:
        self.consumer.close()
