"""A simulated day ends only when the worker, the gateway and the worker again are done."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from confluent_kafka import KafkaError, KafkaException

from streams.contract.catalogue import catalogue
from streams.core.model import Channel, ContactOutcome, InputEvent, Outcome, Repayment
from streams.demo.kafka_io import EventPublisher, TopicPart
from streams.demo.settle import Settled
from streams.sim import SimConfig, Simulator

SMS = ("collections.contact-due.sms.v1", 0)


class Reader:
    """The contacts read so far: the offset of the last one per partition."""

    def __init__(self, last: dict[TopicPart, int], behind: bool = False) -> None:
        self.last = last
        self.partitions = [SMS]
        self.behind = behind

    def caught_up(self, ends: Mapping[TopicPart, tuple[int, int]]) -> bool:
        return not self.behind


class Lags:
    """The worker's uncommitted inputs, one reading per call."""

    def __init__(self, *readings: int) -> None:
        self.readings = list(readings)

    def __call__(self) -> int:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


def settled(lags: Lags, reader: Reader, gateway_committed: dict[TopicPart, int]) -> bool:
    def ends(tps: Iterable[TopicPart]) -> dict[TopicPart, tuple[int, int]]:
        return dict.fromkeys(tps, (0, 0))

    def gateway(tps: Iterable[TopicPart]) -> dict[TopicPart, int]:
        return {tp: gateway_committed[tp] for tp in tps if tp in gateway_committed}

    return Settled(lags, reader, ends, gateway)()  # type: ignore[arg-type]


def test_a_day_ends_once_the_gateway_reported_each_contact_and_the_worker_applied_it() -> None:
    assert settled(Lags(0), Reader({SMS: 41}), {SMS: 42})


def test_the_day_goes_on_while_the_worker_has_inputs_to_apply() -> None:
    assert not settled(Lags(3), Reader({SMS: 41}), {SMS: 42})


def test_the_day_goes_on_while_a_contact_was_not_read() -> None:
    assert not settled(Lags(0), Reader({SMS: 41}, behind=True), {SMS: 42})


def test_the_day_goes_on_while_the_gateway_has_not_handled_the_last_contact() -> None:
    assert not settled(Lags(0), Reader({SMS: 41}), {SMS: 41})
    assert not settled(Lags(0), Reader({SMS: 41}), {})  # nothing committed yet


def test_the_day_goes_on_until_the_worker_applied_the_gateways_receipts() -> None:
    # zero before the gateway reported, one receipt waiting after
    assert not settled(Lags(0, 1), Reader({SMS: 41}), {SMS: 42})


def test_the_day_goes_on_while_the_broker_does_not_answer() -> None:
    def unreachable() -> int:
        raise KafkaException(KafkaError(KafkaError._TRANSPORT))

    assert not Settled(unreachable, Reader({}), lambda tps: {}, lambda tps: {})()  # type: ignore[arg-type]


def test_events_are_published_in_the_workers_merge_order() -> None:
    publisher = EventPublisher("127.0.0.1:9", catalogue())  # connects only to send
    try:
        snapshot = next(iter(Simulator(SimConfig(accounts=5, seed=1)).opening()))
        at, customer = snapshot.occurred_at, snapshot.customer_id

        def outcome(event_id: str, when: datetime) -> ContactOutcome:
            return ContactOutcome(event_id, when, customer, Channel.SMS, Outcome.ANSWERED)

        paid = Repayment("r-1", at, customer, snapshot.account_id, 100, "CNY", at, "sim")
        earlier = outcome("o-0", at - timedelta(seconds=1))
        published: list[InputEvent] = [outcome("o-1", at), paid, snapshot, earlier]
        events = sorted(published, key=publisher.merge_order)
        # earliest first; at the same instant, in the order the worker ranks the topics
        assert [e.event_id for e in events] == ["o-0", snapshot.event_id, "r-1", "o-1"]
    finally:
        publisher.close()
