"""Latency at a fixed input rate: occurred_at of an input event to its output being readable.

A wall-clock worker first catches up on the profiles and a first day of aging (not timed).
Then later days are produced at a fixed rate, each event stamped ``occurred_at = now`` as it
is sent. A ``read_committed`` consumer of the output topics notes when each output arrives.

Two figures. *Caused*: each segment change against the very input that caused it (its id is
derived from the causing event's id and the account, ``ids.segment_event_id``), so the
latency is exactly input sent -> its output readable. *Any output*: the earlier method, every
segment change and contact-due against the latest input of the same customer sent before it
arrived; it also counts contacts that fell due on their own schedule (at a tick, up to a
second later) against an unrelated input of their customer, so it overstates the tail.
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
from streams.contract.codec import decode, encode
from streams.contract.producer import producer_config
from streams.core.ids import segment_event_id
from streams.core.model import Channel, InputEvent, SegmentChanged


@dataclasses.dataclass(frozen=True)
class LatencyRun:
    samples: int  # segment changes matched to the input that caused them
    p50_ms: float
    p99_ms: float
    rate: float  # the input rate achieved
    any_samples: int  # every output, matched to its customer's latest input (see above)
    any_p50_ms: float
    any_p99_ms: float


@dataclasses.dataclass
class Sent:
    """What the pacer sent: per customer the send times; per possible segment-change id the
    send time of the input that would cause it."""

    by_customer: dict[bytes, list[float]] = dataclasses.field(default_factory=dict)
    by_cause: dict[str, float] = dataclasses.field(default_factory=dict)
    accounts: dict[str, set[str]] = dataclasses.field(default_factory=dict)

    def learn(self, event: InputEvent) -> None:
        account = getattr(event, "account_id", None)
        if isinstance(account, str):
            self.accounts.setdefault(event.customer_id, set()).add(account)

    def note(self, event: InputEvent, at: float) -> None:
        self.learn(event)
        self.by_customer.setdefault(event.customer_id.encode(), []).append(at)
        for account in self.accounts.get(event.customer_id, ()):
            self.by_cause[segment_event_id(event.event_id, account)] = at


def run(bootstrap: str, accounts: int, rate: int, seconds: float, logs: Path) -> LatencyRun:
    name = unique("lat")
    root = Path(tempfile.mkdtemp(prefix=name))
    settings = settings_for(bootstrap, name, root / "w0", clock="wall")
    cat = create_topics(settings)
    events = simulated(accounts, days=60)
    warm = [next(events) for _ in range(accounts * 2)]  # profiles and about a day of aging
    produce(bootstrap, cat, encoded(warm))
    worker = Worker(settings, logs / f"{name}.log")
    sent = Sent()
    for event in warm:
        sent.learn(event)
    arrivals: list[Arrival] = []
    stop = threading.Event()
    try:
        worker.start()
        worker.wait_ready()
        wait_caught_up(settings, input_topics(cat))
        outputs = [cat.segment_changes.name] + [cat.contact_due(c).name for c in Channel]
        reader = threading.Thread(
            target=_read, args=(bootstrap, outputs, cat.segment_changes.name, arrivals, stop)
        )
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
    caused = [at - sent.by_cause[cause] for _k, cause, at in arrivals if cause in sent.by_cause]
    anything = _match(sent.by_customer, arrivals)
    return LatencyRun(len(caused), *_p50_p99(caused), achieved, len(anything), *_p50_p99(anything))


def _p50_p99(seconds: list[float]) -> tuple[float, float]:
    if len(seconds) < 2:
        return float("nan"), float("nan")
    q = statistics.quantiles(seconds, n=100)
    return q[49] * 1000, q[98] * 1000


def _pace(
    bootstrap: str,
    cat: Catalogue,
    events: Iterator[InputEvent],
    rate: int,
    seconds: float,
    sent: Sent,
) -> float:
    producer = Producer(producer_config(client_config(bootstrap), **{"linger.ms": 1}))
    for topic in (cat.aging.name, cat.repayments.name, cat.account_profiles.name):
        producer.list_topics(topic, timeout=10)  # connected before the first stamped send
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
            sent.note(event, now)
            n += 1
        producer.poll(0)
    producer.flush(30)
    return n / (time.monotonic() - t0)


Arrival = tuple[bytes, str | None, float]  # key, segment-change id (else None), arrival


def _read(
    bootstrap: str, topics: list[str], segments: str, out: list[Arrival], stop: threading.Event
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
                at = time.time()
                cause = None
                if msg.topic() == segments:
                    cause = decode(msg.value(), SegmentChanged).event_id
                out.append((msg.key(), cause, at))
    finally:
        consumer.close()


def _match(sent: dict[bytes, list[float]], arrivals: list[Arrival]) -> list[float]:
    """Each output against the latest input of its customer sent before it arrived."""
    lat = []
    for key, _cause, at in arrivals:
        before = [t for t in sent.get(key, ()) if t <= at]
        if before:
            lat.append(at - before[-1])
    return lat
