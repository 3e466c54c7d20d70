"""Input streams for the benchmarks: simulator events, Avro-encoded once, produced to fresh topics.

Every run gets its own topic prefix and app id (``unique``), so runs never share state, and
the input is on the broker before a worker starts: a benchmark times consumption only.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from confluent_kafka import Producer

from streams.contract.admin import ensure_topics
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import encode
from streams.contract.producer import producer_config
from streams.core.model import AccountProfile, AgingSnapshot, ContactOutcome, InputEvent, Repayment
from streams.kafka_clients import kafka_config
from streams.settings import ClockMode, Settings
from streams.sim import SimConfig, stream

PARTITIONS = 6


@dataclass(frozen=True, slots=True)
class Record:
    kind: type[InputEvent]
    key: bytes
    value: bytes


def unique(label: str) -> str:
    return f"bench-{label}-{uuid.uuid4().hex[:8]}"


def simulated(accounts: int, days: int, seed: int = 7) -> Iterator[InputEvent]:
    """Profiles, then ``days`` days of aging snapshots and repayments."""
    return stream(SimConfig(accounts=accounts, seed=seed), days)


def encoded(events: Iterable[InputEvent]) -> list[Record]:
    return [Record(type(e), e.customer_id.encode(), encode(e)) for e in events]


def topic_of(cat: Catalogue, kind: type[InputEvent]) -> str:
    names: dict[type[InputEvent], str] = {
        AgingSnapshot: cat.aging.name,
        Repayment: cat.repayments.name,
        ContactOutcome: cat.contact_outcomes.name,
        AccountProfile: cat.account_profiles.name,
    }
    return names[kind]


def client_config(bootstrap: str) -> dict[str, object]:
    """Client settings for ``bootstrap`` with the environment's Kafka security settings."""
    return kafka_config(replace(Settings.from_env(), kafka_bootstrap=bootstrap))


def settings_for(
    bootstrap: str, name: str, data_dir: Path, *, clock: ClockMode = "event"
) -> Settings:
    """A run's settings: the environment's (security included) with the run's names."""
    return replace(
        Settings.from_env(),
        kafka_bootstrap=bootstrap,
        app_id=f"{name}-app",
        store="rocksdb://",
        data_dir=data_dir,
        replication_factor=1,
        clock=clock,
        partitions=PARTITIONS,
        topic_prefix=f"{name}.",
    )


def create_topics(settings: Settings) -> Catalogue:
    cat = catalogue(settings.topic_prefix, settings.partitions)
    report = ensure_topics(kafka_config(settings), cat)
    if not report.ok:
        raise RuntimeError("\n".join(report.lines()))
    return cat


def produce(bootstrap: str, cat: Catalogue, records: Iterable[Record]) -> int:
    """Produce everything and wait for the acknowledgements; returns the count."""
    producer = Producer(
        producer_config(client_config(bootstrap), **{"linger.ms": 20, "batch.num.messages": 10000})
    )
    n = 0
    for r in records:
        while True:
            try:
                producer.produce(topic_of(cat, r.kind), r.value, r.key)
                break
            except BufferError:
                producer.poll(0.05)
        n += 1
        if n % 10000 == 0:
            producer.poll(0)
    if producer.flush(120) != 0:
        raise RuntimeError("input not acknowledged within 120s")
    return n


def input_topics(cat: Catalogue) -> list[str]:
    return [t.name for t in cat.inputs()]


def elapsed_since(t0: float) -> float:
    return time.monotonic() - t0
