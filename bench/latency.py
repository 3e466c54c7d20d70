"""Latency at a fixed input rate: occurred_at of an input event to its output being readable.

A wall-clock worker first catches up on the profiles and a first day of aging (not timed).
Then later days are produced at a fixed rate, each event stamped ``occurred_at = now`` as it
is sent. A consumer of the segment-change and contact-due topics takes, for each output, the
latest input sent for the same customer before it arrived: latency = arrival - occurred_at.
"""

from __future__ import annotations

import dataclasses
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import OFFSET_END, Consumer, Producer, TopicPartition

from bench.cleanup import delete_topics
from bench.workers import Worker, wait_caught_up
from bench.workload import (
    client_config,
    create_topics,
    encoded,
    input_topics,
    produce,
    settings_for,
    simulated,
    topic_of,
    unique,
)
from streams.contract.catalogue import Catalogue
from streams.contract.codec import encode
from streams.contract.producer import producer_config
from streams.core.model import Channel, InputEvent


@dataclasses.dataclass(frozen=True)
class LatencyRun:
    samples: int
    p50_ms: float
    p99_ms: float
    rate: float  # the input rate achieved


def run(bootstrap: str, accounts: int, rate: int, seconds: float, logs: Path) -> LatencyRun:
    name = unique("lat")
    root = Path(tempfile.mkdtemp(prefix=name))
    settings = settings_for(bootstrap, name, root / "w0", clock="wall")
    cat = create_topics(settings)
    events = simulated(accounts, days=60)
    warm = [next(events) for _ in range(accounts * 2)]  # profiles and about a day of aging
    produce(bootstrap, cat, encoded(warm))
    worker = Worker(settings, logs / f"{name}.log")
    sent: dict[bytes, list[float]] = {}
    arrivals: list[tuple[bytes, float]] = []
    stop = threading.Event()
    try:
        worker.start()
        worker.wait_ready()
        wait_caught_up(settings, input_topics(cat))
        outputs = [cat.segment_changes.name] + [cat.contact_due(c).name for c in Channel]
        reader = threading.Thread(target=_read, args=(bootstrap, outputs, arrivals, stop))
        reader.start()
        time.sleep(2.0)  # the reader is assigned at the end of every output topic
        achieved = _pace(bootstrap, cat, events, rate, seconds, sent)
        time.sleep(2.0)  # the last outputs arrive
        stop.set()
        reader.join()
    finally:
        stop.set()
        worker.stop()
        shutil.rmtree(root, ignore_errors=True)
        delete_topics(bootstrap, name)
    lat = _match(sent, arrivals)
    if len(lat) < 2:
        return LatencyRun(len(lat), float("nan"), float("nan"), achieved)
    q = statistics.quantiles(lat, n=100)
    return LatencyRun(len(lat), q[49] * 1000, q[98] * 1000, achieved)


def _pace(
    bootstrap: str,
    cat: Catalogue,
    events: Iterator[InputEvent],
    rate: int,
    seconds: float,
    sent: dict[bytes, list[float]],
) -> float:
    producer = Producer(producer_config(client_config(bootstrap), **{"linger.ms": 1}))
    step = 0.01  # send rate/100 events every 10 ms
    per_step = max(1, round(rate * step))
    t0 = time.monotonic()
    n = 0
    while time.monotonic() - t0 < seconds:
        due = t0 + (n // per_step) * step
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        for _ in range(per_step):
            event = next(events)
            now = time.time()
            stamped = dataclasses.replace(event, occurred_at=datetime.fromtimestamp(now, UTC))
            key = event.customer_id.encode()
            producer.produce(topic_of(cat, type(event)), encode(stamped), key)
            sent.setdefault(key, []).append(now)
            n += 1
        producer.poll(0)
    producer.flush(30)
    return n / (time.monotonic() - t0)


def _read(
    bootstrap: str, topics: list[str], out: list[tuple[bytes, float]], stop: threading.Event
) -> None:
    consumer = Consumer(
        {
            **client_config(bootstrap),
            "group.id": f"reader-{time.time_ns()}",
            "fetch.wait.max.ms": 5,
            "enable.auto.commit": False,
        }
    )
    meta = consumer.list_topics(timeout=10).topics
    consumer.assign([TopicPartition(t, p, OFFSET_END) for t in topics for p in meta[t].partitions])
    try:
        while not stop.is_set():
            msg = consumer.poll(0.05)
            if msg is not None and msg.error() is None and msg.key() is not None:
                out.append((msg.key(), time.time()))
    finally:
        consumer.close()


def _match(sent: dict[bytes, list[float]], arrivals: list[tuple[bytes, float]]) -> list[float]:
    """Each output against the latest input of its customer sent before it arrived."""
    lat = []
    for key, at in arrivals:
        before = [t for t in sent.get(key, ()) if t <= at]
        if before:
            lat.append(at - before[-1])
    return lat
