"""Run real worker processes over the chaos stream, break things, and read what they left.

A *run* gets its own topic prefix and app id, publishes the whole stream, then starts
worker processes (``collectctl worker``) and lets a scenario act on them and on the broker
until the group has committed every input. What the run left is read back with
``isolation.level=read_committed`` (as a gateway reads it): every output record, every dead
letter, and the last state of every customer on the changelog.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from bench.workers import committed_lag
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import decode_any
from streams.contract.dlq import read_dead_letter_headers
from streams.core.model import ContactDue
from streams.pipeline.changelog import changelog_topic
from streams.pipeline.state_codec import decode_state
from streams.pipeline.store import META_KEY
from streams.settings import Settings
from tests.chaos.stream import Stream, publish
from tests.integration.pipeline_harness import topics_for
from tests.integration.worker_process import WorkerProcess

PARTITIONS = 3
UNKNOWN = 1 << 62  # lag while the broker cannot say


def run_settings(bootstrap: str, name: str, data_dir: Path, **changes: Any) -> Settings:
    base = Settings(
        kafka_bootstrap=bootstrap,
        app_id=f"{name}-app",
        instance_id="w1",
        store="rocksdb://",
        data_dir=data_dir,
        clock="event",
        partitions=PARTITIONS,
        replication_factor=1,
        topic_prefix=f"{name}.",
        session_timeout_ms=6000,
        lag_seconds=1.0,
    )
    return replace(base, **changes)


@dataclass
class Outcome:
    """What a run left behind, in comparable form."""

    states: dict[str, Any]
    outputs: dict[str, Any]  # output id -> record (one entry per distinct id)
    duplicates: Counter[str]  # ids seen more than once with the same content
    conflicts: list[str]  # ids seen with two different contents
    dead_letters: Counter[tuple[str, int, int, str]]  # (topic, partition, offset, reason)
    restarts: int = 0


@dataclass
class Run:
    settings: Settings
    tmp: Path
    workers: dict[str, WorkerProcess] = field(default_factory=dict)
    restarts: int = 0

    @property
    def catalogue(self) -> Catalogue:
        return catalogue(self.settings.topic_prefix, self.settings.partitions)

    def inputs(self) -> list[str]:
        cat = self.catalogue
        return [t.name for t in cat.inputs()] + [cat.ticks.name]

    def worker(self, name: str, **changes: Any) -> WorkerProcess:
        """Start (or restart) worker ``name``: its own instance id and data dir."""
        settings = replace(
            self.settings, instance_id=name, data_dir=self.settings.data_dir / name, **changes
        )
        proc = WorkerProcess(settings, self.tmp / f"{self.settings.app_id}-{name}.log")
        proc.start()
        self.workers[name] = proc
        return proc

    def lag(self) -> int:
        """Inputs the group has not committed; a huge number while the broker is away."""
        s = self.settings
        try:
            return committed_lag(s.kafka_bootstrap, s.app_id, self.inputs(), s.partitions)
        except KafkaException:
            return UNKNOWN

    def supervise(self) -> None:
        """Restart any worker that exited on its own (as a supervisor would), counted."""
        for name, proc in list(self.workers.items()):
            assert proc.proc is not None
            if proc.proc.poll() is not None:
                self.restarts += 1
                self.worker(name)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            self.supervise()
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.settings.app_id}: timed out waiting for {what}")
            time.sleep(0.1)

    def wait_lag(self, at_most: float, what: str) -> None:
        """Wait until at most ``at_most`` inputs are left uncommitted."""
        self.wait(lambda: self.lag() <= at_most, what)

    def done(self, timeout: float = 300.0) -> None:
        self.wait(lambda: self.lag() == 0, "every input committed", timeout)

    def stop_all(self) -> None:
        """SIGTERM every worker once it is up (a worker still importing its modules has no
        handler yet: that would be a kill, not a stop) and expect a clean exit."""
        for proc in self.workers.values():
            proc.wait_ready(timeout=120)
            assert proc.stop() == 0, f"worker did not stop cleanly: see {proc.log_path}"
        self.workers.clear()


@contextmanager
def chaos_run(
    bootstrap: str, name: str, tmp: Path, stream: Stream, **changes: Any
) -> Iterator[Run]:
    """Topics created and the whole stream published; the scenario starts the workers."""
    settings = run_settings(bootstrap, name, tmp / name, **changes)
    cat = topics_for(settings)
    publish(bootstrap, cat, stream)
    run = Run(settings, tmp)
    try:
        yield run
    finally:
        for proc in run.workers.values():
            if proc.proc is not None and proc.proc.poll() is None:
                proc.proc.kill()
                proc.proc.wait(30)


def outcome(run: Run) -> Outcome:
    s = run.settings
    cat = run.catalogue
    outputs: dict[str, Any] = {}
    duplicates: Counter[str] = Counter()
    conflicts: list[str] = []
    dead: Counter[tuple[str, int, int, str]] = Counter()
    prefix = s.topic_prefix
    topics = [t.name for t in cat.outputs()]
    for topic, _key, value, headers in read_committed(s.kafka_bootstrap, [*topics, cat.dlq.name]):
        if topic == cat.dlq.name:
            h = read_dead_letter_headers(headers)
            original = h["dlq.original.topic"].removeprefix(prefix)
            dead[
                (
                    original,
                    int(h["dlq.original.partition"]),
                    int(h["dlq.original.offset"]),
                    h["dlq.reason"],
                )
            ] += 1
            continue
        record = decode_any(value)
        oid = _id(record)
        if oid in outputs:
            if outputs[oid] == record:
                duplicates[oid] += 1
            else:
                conflicts.append(oid)
        else:
            outputs[oid] = record
    states = {
        key.decode(): decode_state(value)[1]
        for _t, key, value, _h in read_committed(s.kafka_bootstrap, [changelog_topic(s.app_id)])
        if key != META_KEY and value is not None
    }
    return Outcome(states, outputs, duplicates, conflicts, dead, run.restarts)


def _id(record: Any) -> str:
    """Every output's deterministic id (contacts by contact id, the others by event id)."""
    if isinstance(record, ContactDue):
        return f"contact:{record.contact_id}"
    return f"{type(record).__name__}:{record.event_id}"


def read_committed(
    bootstrap: str, topics: list[str], partitions: int = PARTITIONS
) -> Iterator[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]:
    """Every committed record of ``topics`` (last value wins for the changelog's keys)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"chaos-reader-{time.monotonic_ns()}",
            "enable.partition.eof": True,
            "isolation.level": "read_committed",
        }
    )
    try:
        consumer.assign([TopicPartition(t, p, 0) for t in topics for p in range(partitions)])
        pending = {(t, p) for t in topics for p in range(partitions)}
        deadline = time.monotonic() + 120
        while pending:
            assert time.monotonic() < deadline, f"could not read to the end of {pending}"
            for msg in consumer.consume(1000, 1.0):
                error = msg.error()
                if error is not None:
                    assert error.code() == KafkaError._PARTITION_EOF, error
                    pending.discard((msg.topic(), msg.partition()))
                    continue
                yield msg.topic(), msg.key(), msg.value(), list(msg.headers() or [])
    finally:
        consumer.close()


def differences(expected: Outcome, got: Outcome) -> str:
    """A readable account of how a run differs from the reference (first few items)."""
    lines: list[str] = []
    for cid in sorted(set(expected.states) | set(got.states)):
        a, b = expected.states.get(cid), got.states.get(cid)
        if a != b:
            if a is None or b is None:
                lines.append(f"state {cid}: only in {'run' if a is None else 'reference'}")
            else:
                fields = [f for f in a.__dataclass_fields__ if getattr(a, f) != getattr(b, f)]
                lines.append(f"state {cid} differs in {fields}")
    missing = set(expected.outputs) - set(got.outputs)
    extra = set(got.outputs) - set(expected.outputs)
    changed = [
        i for i in set(expected.outputs) & set(got.outputs) if expected.outputs[i] != got.outputs[i]
    ]
    if missing:
        lines.append(f"{len(missing)} outputs missing, e.g. {sorted(missing)[:2]}")
    if extra:
        lines.append(f"{len(extra)} outputs extra, e.g. {sorted(extra)[:2]}")
    if changed:
        lines.append(f"{len(changed)} outputs with other content, e.g. {changed[:2]}")
    if set(expected.dead_letters) != set(got.dead_letters):
        lines.append(f"dead letters differ: {set(expected.dead_letters) ^ set(got.dead_letters)}")
    return "\n".join(lines[:12])
