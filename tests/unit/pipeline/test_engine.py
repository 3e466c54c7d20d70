"""The engine applies what the door admits, refuses the rest alone, and fails closed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from streams.contract.codec import encode
from streams.contract.dlq import read_dead_letter_headers
from streams.core.model import (
    AccountProfile,
    Channel,
    ContactDue,
    ContactOutcome,
    HardStop,
    Outcome,
)
from streams.core.state import CustomerState
from streams.pipeline.clock import WallClock, tick_value
from streams.pipeline.emitter import Incoming
from streams.pipeline.engine import PartitionMeta
from streams.pipeline.limits import Limits
from tests.unit.pipeline.engine_support import (
    CAT,
    T0,
    Committed,
    aging,
    engine,
    home,
    record,
    unvalidated,
)


def nothing_stored(customer_id: str) -> CustomerState | None:
    """The state reader of an engine whose stores are empty."""
    return None


def reasons(emits: list[Any]) -> list[str]:
    return [
        read_dead_letter_headers(e.headers)["dlq.reason"] for e in emits if e.topic == CAT.dlq.name
    ]


def profile(customer: str, at: Any, **fields: Any) -> AccountProfile:
    values: dict[str, Any] = {"time_zone": "Asia/Shanghai", "locale": "zh-CN", **fields}
    return AccountProfile(f"profile-{customer}-{at.isoformat()}", at, customer, **values)


def test_a_record_without_a_key_is_dead_lettered_not_stored_under_its_partition() -> None:
    e = engine()
    msg = replace(record(aging("c1", 2, 3, 500)), key=None)
    work = e.process([msg], nothing_stored)
    assert reasons(work.emits) == ["missing_key"]
    assert work.writes == {}


def test_a_record_on_another_partition_than_its_key_is_dead_lettered() -> None:
    e = engine()
    msg = record(aging("c1", 2, 3, 500))
    wrong = replace(msg, partition=(msg.partition + 1) % 3)
    work = e.process([wrong], nothing_stored)
    assert reasons(work.emits) == ["wrong_partition"]
    assert work.writes == {}


def test_an_oversized_record_becomes_a_dead_letter_that_fits_the_broker() -> None:
    limits = Limits(max_input_bytes=1024, max_dead_letter_value_bytes=100)
    e = engine(limits=limits)
    msg = record(aging("c1", 2, 3, 500), value=b"\xc3\x01" + b"x" * 5000)
    (dead,) = e.process([msg], nothing_stored).emits
    headers = read_dead_letter_headers(dead.headers)
    assert headers["dlq.reason"] == "too_large"
    assert headers["dlq.original.size"] == "5002" and headers["dlq.truncated"] == "true"
    assert dead.value is not None and len(dead.value) == 100
    assert headers["dlq.original.offset"] == str(msg.offset)


def test_malformed_ticks_are_dead_lettered_and_do_not_stop_the_batch() -> None:
    e = engine()
    ticks = [
        Incoming(CAT.ticks.name, 0, i, None, value)
        for i, value in enumerate([b"\x7f" * 8, b"abc", (2**62).to_bytes(8, "big")])
    ]
    opt_out = profile("c1", T0, opt_outs=frozenset({Channel.SMS}))
    work = e.process([*ticks, record(opt_out)], nothing_stored)
    assert reasons(work.emits) == ["malformed_tick"] * 3
    written = work.writes["c1"][1]
    assert written is not None
    assert written.opt_outs == frozenset({Channel.SMS})


def test_an_event_dated_far_ahead_of_the_partition_clock_is_refused() -> None:
    e = engine()
    committed = Committed()
    committed.commit(e.process([record(aging("c1", 2, 3, 500))], committed.get))
    bystander = aging("c2", 2, 20, 5_000)
    committed.commit(e.process([record(bystander)], committed.get))
    future = replace(aging("c1", 3, 4, 500), occurred_at=T0.replace(year=9999))
    work = e.process([record(future, 1)], committed.get)
    assert reasons(work.emits) == ["implausible_time"]
    assert not [o for o in work.outputs if isinstance(o, ContactDue)]
    assert e.partition_meta(home("c1")).clock == T0.replace(day=2)


def test_a_profile_with_a_bad_time_zone_still_applies_its_hard_stop() -> None:
    e = engine()
    committed = Committed()
    committed.commit(e.process([record(aging("c1", 2, 3, 500))], committed.get))
    assert committed.states["c1"].slots
    bad = profile("c1", T0, time_zone="Mars/Olympus", hard_stops=frozenset({HardStop.DECEASED}))
    work = e.process([record(bad, 1, unvalidated(bad))], committed.get)
    assert reasons(work.emits) == ["validation"]
    state = work.writes["c1"][1]
    assert state is not None
    assert HardStop.DECEASED in state.hard_stops
    assert state.slots == {}


def test_an_unreadable_profile_holds_its_customer_until_a_valid_profile_arrives() -> None:
    e = engine()
    committed = Committed()
    committed.commit(e.process([record(aging("c1", 2, 3, 500))], committed.get))
    garbage = record(profile("c1", T0), 1, b"garbage")
    work = committed.commit(e.process([garbage], committed.get))
    assert reasons(work.emits) == ["undecodable"]
    assert "c1" in e.partition_meta(home("c1")).holds

    def tick(at: Any, offset: int) -> Incoming:
        return Incoming(CAT.ticks.name, home("c1"), offset, None, tick_value(at))

    # the day passes through every contact window: nothing goes to the held customer
    held_day = committed.commit(e.process([tick(T0.replace(hour=13), 0)], committed.get))
    assert not [o for o in held_day.outputs if isinstance(o, ContactDue)]
    valid = record(profile("c1", T0.replace(hour=14)), 2)
    committed.commit(e.process([valid], committed.get))
    assert "c1" not in e.partition_meta(home("c1")).holds
    next_day = e.process([tick(T0 + timedelta(days=1, hours=2), 1)], committed.get)
    assert [o.channel for o in next_day.outputs if isinstance(o, ContactDue)]


def test_a_bug_on_an_opt_out_holds_the_customer_instead_of_contacting_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    e = engine()
    committed = Committed()
    committed.commit(e.process([record(aging("c1", 2, 3, 500))], committed.get))

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr("streams.pipeline.engine.decide", broken)
    opt_out = ContactOutcome("o1", T0.replace(hour=3), "c1", Channel.SMS, Outcome.OPT_OUT)
    work = e.process([record(opt_out, 1)], committed.get)
    assert reasons(work.emits) == ["internal_error"]
    assert e.partition_meta(home("c1")).holds == {"c1": "internal_error"}


def test_a_bug_in_one_customers_schedule_is_retried_later_and_counted_not_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    e = engine()
    committed = Committed()
    committed.commit(e.process([record(aging("c1", 2, 3, 500))], committed.get))
    monkeypatch.setattr("streams.pipeline.engine.due", lambda *_: 1 / 0)
    tick = Incoming(CAT.ticks.name, home("c1"), 0, None, tick_value(T0.replace(hour=5)))
    e.process([tick], committed.get)
    retry = e.index.next_due_of(home("c1"), "c1")
    assert retry is not None and retry > T0.replace(hour=5)


def test_the_event_clock_is_part_of_the_partition_meta_and_resumes_after_a_reopen() -> None:
    e = engine()
    committed = Committed()
    committed.commit(e.process([record(aging("c1", 4, 3, 500))], committed.get))
    meta = e.partition_meta(home("c1")).copy()
    assert meta.clock == T0.replace(day=4)
    assert meta.offsets == {CAT.aging.name: 1}
    again = engine()
    again.open(home("c1"), meta, [])
    assert again.partition_meta(home("c1")).clock == T0.replace(day=4)


def test_on_the_wall_clock_a_contact_due_now_leaves_with_the_event() -> None:
    now = T0.replace(hour=3)  # 11:00 in Shanghai: inside every window
    e = engine(WallClock(lambda: now))
    event = replace(aging("c1", 2, 2, 100), occurred_at=now)
    work = e.process([record(event)], nothing_stored)
    assert [o.channel for o in work.outputs if isinstance(o, ContactDue)] == [Channel.SMS]
    assert work.caused_output == [now]


def test_a_refused_record_still_moves_the_partition_position() -> None:
    e = engine()
    msg = replace(record(aging("c1", 2, 3, 500), 41), value=b"junk")
    e.process([msg], nothing_stored)
    assert e.partition_meta(msg.partition).offsets == {CAT.aging.name: 42}


def test_holds_and_clock_survive_the_meta_round_trip() -> None:
    from streams.pipeline.changelog import decode_meta, encode_meta

    meta = PartitionMeta(T0, {"c1": "unreadable undecodable"}, {CAT.aging.name: 7})
    assert decode_meta(encode_meta(meta)) == meta
    assert decode_meta(None) == PartitionMeta()


def test_counts_are_staged_until_the_batch_is_committed() -> None:
    from prometheus_client import CollectorRegistry

    from streams.metrics.pipeline import PipelineMetrics
    from streams.pipeline.clock import EventClock
    from streams.pipeline.engine import Engine
    from tests.unit.pipeline.engine_support import PARTITIONS, POLICY

    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry, topics=[CAT.aging.name])
    e = Engine(POLICY, CAT, EventClock(), partitions=PARTITIONS, metrics=metrics)
    work = e.process([record(aging("c1", 2, 3, 500))], nothing_stored)
    labels = {"topic": CAT.aging.name}
    assert registry.get_sample_value("collections_events_processed_total", labels) == 0
    work.apply_counts(metrics)
    assert registry.get_sample_value("collections_events_processed_total", labels) == 1


def test_an_erasure_request_tombstones_the_state_and_unschedules_the_customer() -> None:
    from streams.core.model import ErasureRequest

    e = engine()
    committed = Committed()
    committed.commit(e.process([record(aging("c1", 2, 3, 500))], committed.get))
    assert e.index.next_due_of(home("c1"), "c1") is not None
    erase = ErasureRequest("erase-1", T0.replace(hour=2), "c1", "crm")
    msg = Incoming(CAT.erasure_requests.name, home("c1"), 0, b"c1", encode(erase))
    work = committed.commit(e.process([msg], committed.get))
    assert work.writes == {"c1": (home("c1"), None)}
    assert "c1" not in committed.states
    assert e.index.next_due_of(home("c1"), "c1") is None
    # a later event for the same id starts a customer anew (no memory of the old one)
    again = e.process([record(aging("c1", 3, 0, 0), 1)], committed.get)
    assert again.writes["c1"][1] is not None
    assert again.writes["c1"][1].accounts["a1"].episodes == ()


def test_a_profile_tombstone_is_no_news_not_a_dead_letter_or_a_hold() -> None:
    e = engine()
    msg = replace(record(profile("c1", T0)), value=None)
    work = e.process([msg], nothing_stored)
    assert work.emits == [] and work.writes == {}
    assert e.partition_meta(msg.partition).holds == {}
