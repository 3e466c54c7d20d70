"""The chaos suite's input: tens of thousands of byte-identical records, poison included.

A seeded simulated book (profiles, daily aging snapshots, repayments) plus what makes the
ordering matter and the guarantee hard: promises to pay, opt-outs and disputes from the
gateways at times of their own, a repayment re-sent later with the same event id, explicit
event-time ticks every two hours on every partition, and poison records of every kind the
door refuses. The same seed always gives the same records, in the same order, with the same
partitions, whatever topic prefix they are published under.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from streams.contract.catalogue import Catalogue
from streams.contract.codec import encode
from streams.contract.partitioner import partition_of
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Channel,
    ContactOutcome,
    InputEvent,
    Outcome,
    Repayment,
)
from streams.pipeline.clock import tick_value
from streams.sim import SimConfig, Simulator

TOPICS = ("aging", "repayments", "contact_outcomes", "account_profiles", "ticks")


@dataclass(frozen=True, slots=True)
class Record:
    """One input record: which catalogue topic, its partition, key and value bytes."""

    topic: str  # an attribute name of Catalogue (``aging``, ``ticks``, ...)
    partition: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True, slots=True)
class Stream:
    records: tuple[Record, ...]
    poison: int  # records the door must refuse

    def count(self, topic: str) -> int:
        return sum(1 for r in self.records if r.topic == topic)


def chaos_stream(accounts: int, days: int, partitions: int, seed: int = 5) -> Stream:
    rng = random.Random(seed)
    sim = Simulator(SimConfig(accounts=accounts, seed=seed, start=date(2026, 3, 2)))
    events: list[InputEvent] = [*sim.profiles(), *sim.opening()]
    for _day, todays in sim.days(days):
        events.extend(todays)
    customers = sorted({e.customer_id for e in events})
    events.extend(_outcomes(rng, customers, sim.config.start, days))
    records = [_record(e, partitions) for e in events]
    repayments = [e for e in events if isinstance(e, Repayment)]
    if repayments:  # an upstream re-send, long after the original
        again = rng.choice(repayments[: len(repayments) // 2])
        records.append(_record(again, partitions))
    records.extend(_ticks(sim.config.start, days, partitions))
    poison = _poison(rng, customers, partitions)
    records.extend(poison)
    return Stream(tuple(records), len(poison))


def publish(bootstrap: str, cat: Catalogue, stream: Stream) -> None:
    """Everything, before any worker starts: the merged order is then a function of the
    topics' contents alone (a record arriving later could otherwise order differently)."""
    from confluent_kafka import Producer

    from streams.contract.producer import producer_config

    producer = Producer(producer_config(bootstrap, **{"linger.ms": 20}))
    for r in stream.records:
        topic = getattr(cat, r.topic).name
        while True:
            try:
                producer.produce(topic, key=r.key, value=r.value, partition=r.partition)
                break
            except BufferError:
                producer.poll(0.1)
    assert producer.flush(60) == 0


def _record(event: InputEvent, partitions: int) -> Record:
    topic = {
        AgingSnapshot: "aging",
        Repayment: "repayments",
        ContactOutcome: "contact_outcomes",
        AccountProfile: "account_profiles",
    }[type(event)]
    key = event.customer_id.encode()
    return Record(topic, partition_of(key, partitions), key, encode(event))


def _outcomes(
    rng: random.Random, customers: list[str], start: date, days: int
) -> list[ContactOutcome]:
    """Promises, refusals, opt-outs and disputes at the gateways' own times."""
    found: list[ContactOutcome] = []
    for i, customer in enumerate(rng.sample(customers, min(len(customers), 120))):
        day = start + timedelta(days=rng.randrange(2, max(3, days - 3)))
        at = datetime(day.year, day.month, day.day, rng.randrange(1, 12), 0, tzinfo=UTC)
        kind = [Outcome.PROMISE_TO_PAY, Outcome.REFUSED, Outcome.OPT_OUT, Outcome.DISPUTE][i % 4]
        channel = Channel.SMS if kind is Outcome.OPT_OUT else Channel.AGENT_CALL
        promise = {}
        if kind is Outcome.PROMISE_TO_PAY:
            promise = {
                "promise_amount": rng.randrange(1, 50) * 10_000,
                "promise_date": day + timedelta(days=3),
            }
        found.append(
            ContactOutcome(f"chaos-{customer}-{i}", at, customer, channel, kind, **promise)  # type: ignore[arg-type]
        )
    return found


def _ticks(start: date, days: int, partitions: int) -> list[Record]:
    ticks = []
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    for step in range(days * 12):
        at = first + timedelta(hours=2 * step)
        for p in range(partitions):
            ticks.append(Record("ticks", p, None, tick_value(at)))
    return ticks


def _poison(rng: random.Random, customers: list[str], partitions: int) -> list[Record]:
    """One of each kind the door refuses, several times, at fixed places."""
    poison: list[Record] = []
    for n in range(4):
        customer = customers[(n * 37) % len(customers)]
        key = customer.encode()
        home = partition_of(key, partitions)
        poison += [
            Record("aging", home, key, b"not avro at all"),
            Record("contact_outcomes", home, key, b"\xc3\x01" + bytes(8) + b"junk"),
            Record("repayments", home, None, b"\xc3\x01keyless"),
            Record("aging", (home + 1) % partitions, key, b"\xc3\x01wrong partition"),
            Record("ticks", rng.randrange(partitions), None, b"\x7f" * 8),
            Record("account_profiles", home, key, b"\x00" * 3),
        ]
    return poison
