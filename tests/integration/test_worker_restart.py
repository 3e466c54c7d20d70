"""A worker killed mid-stream (SIGKILL) and restarted, or joined mid-stream by a second worker
that takes over partitions, ends in the same state as a worker alone that never crashed; no
contact id is ever emitted for two different contacts, and no contact goes missing."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import Consumer

from streams.core.model import AccountProfile, AgingSnapshot, ContactDue, InputEvent
from streams.pipeline.state_codec import decode_state
from streams.pipeline.store import META_KEY
from streams.settings import Settings
from tests.integration.pipeline_harness import Reader, pipeline_settings, publish, topics_for
from tests.integration.worker_process import WorkerProcess, committed_lag

pytestmark = pytest.mark.kafka

START = date(2026, 3, 1)


def scenario(
    customers: int = 40, days: int = 40, seed: int = 11
) -> tuple[list[InputEvent], list[InputEvent]]:
    """Profiles, then daily aging snapshots: accounts that fall behind, some of them cure."""
    rng = random.Random(seed)
    profiles: list[InputEvent] = []
    aging: list[InputEvent] = []
    plans = []
    for c in range(customers):
        cid = f"cust-{c:03d}"
        zone = "Asia/Shanghai" if c % 5 else "America/New_York"
        profiles.append(
            AccountProfile(f"prof-{cid}", datetime(2026, 2, 28, tzinfo=UTC), cid, zone, "zh-CN")
        )
        for a in range(1 + (c % 3 == 0)):
            miss = rng.randrange(0, 10)
            cure = miss + rng.choice([3, 12, 35, 999])
            plans.append((cid, f"{cid}-acc{a}", miss, cure, rng.randrange(5, 300) * 100))
    for d in range(days):
        day = START + timedelta(days=d)
        at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)
        for cid, acc, miss, cure, due in plans:
            dpd = d - miss if miss <= d < cure else 0
            overdue = due if dpd else 0
            aging.append(
                AgingSnapshot(
                    f"aging-{acc}-{day}", at, cid, acc, day, dpd, overdue, 1_000_000, "CNY", "loan"
                )
            )
    return profiles, aging


def caught_up(settings: Settings, topics: list[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while committed_lag(settings.kafka_bootstrap, settings.app_id, topics, settings.partitions):
        if time.monotonic() > deadline:
            raise AssertionError(f"worker {settings.app_id} did not catch up in {timeout}s")
        time.sleep(0.3)


def final_states(settings: Settings) -> dict[str, object]:
    """The last value of every key in the table's changelog topic."""
    topic = f"{settings.app_id}-customers-changelog"
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"changelog-reader-{time.monotonic_ns()}",
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
        }
    )
    consumer.subscribe([topic])
    states: dict[str, object] = {}
    eof: set[int] = set()
    deadline = time.monotonic() + 60
    while len(eof) < settings.partitions and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                eof.add(msg.partition())
                continue
            raise AssertionError(msg.error())
        if msg.key() == META_KEY:
            continue
        states[msg.key().decode()] = decode_state(msg.value())[1]
    consumer.close()
    return states


def run_worker(
    settings: Settings,
    tmp: Path,
    profiles: list[InputEvent],
    aging: list[InputEvent],
    *,
    mode: str,
) -> None:
    """mode: "clean" (one worker), "crash" (SIGKILL mid-stream, then a restart on the same
    store) or "join" (a second worker with its own store joins the group mid-stream)."""
    cat = topics_for(settings)
    inputs = [cat.aging.name, cat.account_profiles.name]
    worker = WorkerProcess(settings, tmp / f"{settings.app_id}.log")
    worker.start()
    worker.wait_ready()
    publish(settings.kafka_bootstrap, cat, profiles)
    caught_up(settings, inputs)
    half = len(aging) // 2
    publish(settings.kafka_bootstrap, cat, aging[:half])
    others: list[WorkerProcess] = []
    if mode != "clean":
        # act while the first half is still being processed
        deadline = time.monotonic() + 60
        while (
            committed_lag(settings.kafka_bootstrap, settings.app_id, inputs, settings.partitions)
            >= half
        ):
            assert time.monotonic() < deadline, "worker never started on the aging stream"
            time.sleep(0.05)
    if mode == "crash":
        worker.kill()
        worker = WorkerProcess(settings, tmp / f"{settings.app_id}.log")
        worker.start()
        worker.wait_ready()
    if mode == "join":
        second = replace(settings, data_dir=settings.data_dir / "second", instance_id="w2")
        others.append(WorkerProcess(second, tmp / f"{settings.app_id}-2.log"))
        others[0].start()
        others[0].wait_ready()
    publish(settings.kafka_bootstrap, cat, aging[half:])
    caught_up(settings, inputs)
    for w in [*others, worker]:
        assert w.stop() == 0


def differences(expected: dict[str, object], got: dict[str, object]) -> str:
    """Field by field: which customers differ and where (first three)."""
    lines = []
    for cid in sorted(set(expected) | set(got)):
        a, b = expected.get(cid), got.get(cid)
        if a == b:
            continue
        if a is None or b is None:
            lines.append(f"{cid}: only in {'run' if a is None else 'reference'}")
            continue
        fields = [f for f in a.__dataclass_fields__ if getattr(a, f) != getattr(b, f)]  # type: ignore[attr-defined]
        for f in fields:
            lines.append(
                f"{cid}.{f}:\n  reference {getattr(a, f)!r}\n  run       {getattr(b, f)!r}"
            )
    return "\n".join(lines[:6])


def contacts(settings: Settings) -> list[ContactDue]:
    cat = topics_for(settings)
    reader = Reader(settings.kafka_bootstrap, [t.name for t in cat.contact_due_topics])
    reader.drain()
    reader.close()
    return reader.of_type(ContactDue)


@pytest.mark.timeout(600)
def test_a_crash_or_a_joining_worker_changes_neither_state_nor_contacts(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    profiles, aging = scenario()
    clean = pipeline_settings(
        kafka_bootstrap, unique_name(), tmp_path / "clean", store="rocksdb://"
    )
    run_worker(clean, tmp_path, profiles, aging, mode="clean")
    expected = final_states(clean)
    assert len(expected) == 40
    clean_ids = {c.contact_id for c in contacts(clean)}
    assert clean_ids, "the scenario should make contacts"

    for mode in ("crash", "join"):
        other = pipeline_settings(
            kafka_bootstrap, unique_name(), tmp_path / mode, store="rocksdb://"
        )
        run_worker(other, tmp_path, profiles, aging, mode=mode)
        got = final_states(other)
        assert got == expected, f"{mode}: " + differences(expected, got)
        by_id: dict[str, ContactDue] = {}
        for contact in contacts(other):
            first = by_id.setdefault(contact.contact_id, contact)
            assert first == contact, f"{mode}: contact id {contact.contact_id} used twice"
        assert set(by_id) == clean_ids, mode
