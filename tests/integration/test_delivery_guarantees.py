"""Each delivery fault seen on the earlier worker, tried again on the real broker and worker.

(The numbers are those of issue 11's list.) Each test publishes the input that broke the
guarantee and checks what a gateway, an operator or a restarted worker would see."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Producer

from streams.contract import avro_map
from streams.contract.codec import encode
from streams.contract.dlq import read_dead_letter_headers
from streams.contract.partitioner import partition_of
from streams.contract.producer import producer_config
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Channel,
    ContactOutcome,
    HardStop,
    Outcome,
    Repayment,
    SegmentChanged,
    Tier,
)
from streams.core.state import CustomerState
from streams.pipeline.clock import tick_value
from streams.pipeline.state_codec import decode_state
from streams.pipeline.store import META_KEY
from streams.settings import Settings
from streams.worker import Pipeline
from tests.integration.pipeline_harness import (
    Reader,
    pipeline_settings,
    publish_and_wait,
    running,
    topics_for,
    wait_until,
)
from tests.unit.contract.avro_files import avsc, single_object

pytestmark = pytest.mark.kafka

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def aging(customer: str, day: int, dpd: int, overdue: int = 50_000) -> AgingSnapshot:
    return AgingSnapshot(
        f"aging-{customer}-{day}",
        T0 + timedelta(days=day),
        customer,
        f"{customer}-a",
        date(2026, 3, 2) + timedelta(days=day),
        dpd,
        overdue,
        500_000,
        "CNY",
        "loan",
    )


def produce(settings: Settings, topic: str, records: list[tuple[bytes | None, bytes, int]]) -> None:
    """Raw records on explicit partitions (keyless and misrouted ones included)."""
    producer = Producer(producer_config(settings.kafka_bootstrap))
    for key, value, partition in records:
        producer.produce(topic, key=key, value=value, partition=partition)
    assert producer.flush(30) == 0


def committed_state(pipeline: Pipeline, customer: str) -> CustomerState | None:
    """What the worker's store holds for ``customer`` (read from this thread: the store,
    not the loop's own LRU of decoded states, which only its thread touches)."""
    key = customer.encode()
    for store in list(pipeline.loop.stores.values()):
        raw = store.get(key)
        if raw is not None:
            return decode_state(raw)[1]
    return None


def home(customer: str, settings: Settings) -> int:
    return partition_of(customer.encode(), settings.partitions)


async def dead_letters(reader: Reader, count: int, timeout: float = 60.0) -> None:
    """Read the DLQ until ``count`` dead letters are there (ticks commit on their own)."""
    deadline = time.monotonic() + timeout
    while len(dead(reader)) < count:
        assert time.monotonic() < deadline, f"{len(dead(reader))} of {count} dead letters"
        await asyncio.to_thread(reader.poll)


def dead(reader: Reader) -> list[dict[str, str]]:
    return [
        read_dead_letter_headers(headers)
        for topic, _k, _v, headers in reader.records
        if topic.endswith(".dlq.v1")
    ]


async def test_1_malformed_ticks_beside_an_opt_out_lose_nothing(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    p = home("c1", settings)
    async with running(settings) as pipeline:
        await publish_and_wait(settings, cat, [aging("c1", 0, 5)])
        produce(settings, cat.ticks.name, [(None, b"\x7f" * 8, p)] * 3)
        opt_out = ContactOutcome("o1", T0 + timedelta(hours=1), "c1", Channel.SMS, Outcome.OPT_OUT)
        await publish_and_wait(settings, cat, [opt_out])
        reader = Reader(kafka_bootstrap, [cat.dlq.name])
        await dead_letters(reader, 3)
        assert [d["dlq.reason"] for d in dead(reader)] == ["malformed_tick"] * 3
        state = committed_state(pipeline, "c1")
        assert state is not None and Channel.SMS in state.reported_opt_outs


async def test_3_a_megabyte_poison_record_is_dead_lettered_cut_and_the_worker_goes_on(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    huge = b"\xc3\x01" + b"x" * 950_000  # ~1 MB: about the most a broker takes by default
    async with running(settings):
        produce(settings, cat.aging.name, [(b"c1", huge, home("c1", settings))])
        await publish_and_wait(settings, cat, [aging("c1", 0, 9)])
        reader = Reader(kafka_bootstrap, [cat.dlq.name, cat.segment_changes.name])
        reader.drain()
        (letter,) = dead(reader)
        assert letter["dlq.reason"] == "too_large"
        assert letter["dlq.original.size"] == str(len(huge))
        value = next(v for t, _k, v, _h in reader.records if t == cat.dlq.name)
        assert isinstance(value, bytes) and len(value) <= 64 * 1024
        assert [s.to_tier for s in reader.of_type(SegmentChanged)] == [Tier.MODERATE]


async def test_3_contact_ids_of_four_kilobytes_are_refused_at_the_door(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    long_id = ContactOutcome(
        "o-long", T0, "c1", Channel.IVR, Outcome.NO_ANSWER, contact_id="x" * 4096
    )
    raw = single_object(avsc("ContactOutcome"), avro_map.to_avro(long_id))
    async with running(settings) as pipeline:
        await publish_and_wait(settings, cat, [aging("c1", 0, 5)])
        produce(settings, cat.contact_outcomes.name, [(b"c1", raw, home("c1", settings))] * 300)
        await publish_and_wait(settings, cat, [])
        reader = Reader(kafka_bootstrap, [cat.dlq.name])
        reader.drain()
        assert {d["dlq.reason"] for d in dead(reader)} == {"validation"}
        assert len(dead(reader)) == 300
        state = committed_state(pipeline, "c1")
        assert state is not None and len(state.ledger) == 0


async def test_4_keyless_and_misrouted_records_never_split_a_customer(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    p = home("c1", settings)
    opt_out = encode(
        ContactOutcome("o1", T0 + timedelta(hours=1), "c1", Channel.SMS, Outcome.OPT_OUT)
    )
    async with running(settings):
        await publish_and_wait(settings, cat, [aging("c1", 0, 5)])
        produce(
            settings,
            cat.contact_outcomes.name,
            [(None, opt_out, p), (b"c1", opt_out, (p + 1) % settings.partitions)],
        )
        await publish_and_wait(settings, cat, [])
        reader = Reader(kafka_bootstrap, [cat.dlq.name])
        reader.drain()
        assert sorted(d["dlq.reason"] for d in dead(reader)) == ["missing_key", "wrong_partition"]
    states = changelog_customers(settings)
    assert states == {"c1"}  # one state, on its own partition: never a second copy


async def test_5_a_profile_with_a_hard_stop_and_a_bad_zone_stops_contact(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    bad = AccountProfile(
        "p1", T0 + timedelta(hours=1), "c1", "Mars/Olympus", "zh-CN",
        hard_stops=frozenset({HardStop.DECEASED}),
    )  # fmt: skip
    raw = single_object(avsc("AccountProfile"), avro_map.to_avro(bad))
    async with running(settings) as pipeline:
        await publish_and_wait(settings, cat, [aging("c1", 0, 5)])
        produce(settings, cat.account_profiles.name, [(b"c1", raw, home("c1", settings))])
        await publish_and_wait(settings, cat, [])
        state = committed_state(pipeline, "c1")
        assert state is not None and HardStop.DECEASED in state.all_hard_stops
        assert state.slots == {}


async def test_6_an_event_from_the_year_9999_fires_nothing(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    bystander = "c2"
    future = replace(aging("c1", 0, 3), occurred_at=T0.replace(year=9999))
    async with running(settings) as pipeline:
        await publish_and_wait(settings, cat, [aging(bystander, 0, 40), aging("c1", 0, 3)])
        produce(settings, cat.aging.name, [(b"c1", encode(future), home("c1", settings))])
        await publish_and_wait(settings, cat, [])
        reader = Reader(kafka_bootstrap, [cat.dlq.name, *[t.name for t in cat.contact_due_topics]])
        reader.drain()
        assert [d["dlq.reason"] for d in dead(reader)] == ["implausible_time"]
        assert [r for r in reader.records if "contact-due" in r[0]] == []
        meta = pipeline.engine.partition_meta(home("c1", settings))
        assert meta.clock is not None and meta.clock.year == 2026


async def test_8_a_repayment_resent_after_forty_events_is_applied_once(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    pay = Repayment(
        "pay-1", T0 + timedelta(hours=3), "c1", "c1-a", 6_000, "CNY", T0 + timedelta(hours=3), "app"
    )
    at = T0 + timedelta(hours=4)
    noise = [
        ContactOutcome(f"n{i}", at + timedelta(minutes=i), "c1", Channel.IVR, Outcome.NO_ANSWER)
        for i in range(40)
    ]
    async with running(settings) as pipeline:
        await publish_and_wait(settings, cat, [aging("c1", 0, 20), pay, *noise])
        await publish_and_wait(settings, cat, [pay])
        state = committed_state(pipeline, "c1")
        assert state is not None and state.accounts["c1-a"].overdue_amount == 44_000


async def test_9_two_apps_on_one_data_dir_keep_their_states_apart(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    first = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path, store="rocksdb://")
    second = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path, store="rocksdb://")
    for settings, dpd in ((first, 5), (second, 40)):
        cat = topics_for(settings)
        async with running(settings) as pipeline:
            await publish_and_wait(settings, cat, [aging("c1", 0, dpd)])
            state = committed_state(pipeline, "c1")
            assert state is not None and state.accounts["c1-a"].days_past_due == dpd
    assert (tmp_path / first.app_id).is_dir() and (tmp_path / second.app_id).is_dir()


async def test_a_restarted_worker_resumes_its_event_clock_instead_of_rewinding_it(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    p = home("c1", settings)
    async with running(settings):
        await publish_and_wait(settings, cat, [aging("c1", 3, 5)])
    late = aging("c1", 1, 3)  # an older snapshot, published after the restart
    async with running(settings) as pipeline:
        await publish_and_wait(settings, cat, [late])
        assert pipeline.engine.partition_meta(p).clock == T0 + timedelta(days=3)
        tick = tick_value(T0 + timedelta(days=3, hours=1))
        produce(settings, cat.ticks.name, [(None, tick, p)])
        await wait_until(
            lambda: pipeline.engine.partition_meta(p).clock == T0 + timedelta(days=3, hours=1),
            what="the tick to move the clock",
        )


def changelog_customers(settings: Settings) -> set[str]:
    from tests.chaos.harness import read_committed

    topic = f"{settings.app_id}-customers-changelog"
    return {
        key.decode()
        for _t, key, _v, _h in read_committed(
            settings.kafka_bootstrap, [topic], settings.partitions
        )
        if key != META_KEY
    }
