"""The Faust app: one agent over the four input topics and the clock-tick topic.

The agent is thin: it takes a batch of events, hands them to the engine, sends what the engine
emits, waits until Kafka has acknowledged those outputs, and only then writes the changed
customer states to the table (whose changelog makes them survive restarts). Offsets commit
after that (faust flushes the producer before every commit), so a crash anywhere replays
events whose outputs carry the same deterministic ids.

Ticks: in wall-clock mode a timer puts one tick per owned partition on the tick topic; the
agent runs ``due()`` for that partition when it reads the tick, so table writes always happen
inside the stream, on the partition that owns the customer.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust
from faust.streams import _current_event  # the table routes writes by the current event
from faust.types import TP, EventT

from streams.contract.catalogue import Catalogue
from streams.core.model import Bucket, Tier
from streams.metrics.figures import AccountFigures
from streams.pipeline.drain import install as install_inline_drain
from streams.pipeline.engine import Emit, Engine, Incoming, Stored
from streams.pipeline.state_codec import (
    Summary,
    decode_state,
    decode_stored,
    decode_summary,
    encode_state,
)
from streams.settings import Settings

log = logging.getLogger(__name__)

TABLE = "customers"


@dataclass
class Readiness:
    """Set when the table is recovered and the index rebuilt; cleared while rebalancing."""

    ready: bool = False
    since: float = field(default_factory=time.monotonic)


def build_app(
    settings: Settings, engine: Engine, catalogue: Catalogue
) -> tuple[faust.App, Readiness]:
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        store=settings.store,
        datadir=str(settings.data_dir),
        web_enabled=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=settings.batch_max * 2,
        table_standby_replicas=0,
    )
    install_inline_drain(app)  # no asyncio tasks per consumed message (see drain.py)
    ready = Readiness()
    table = app.Table(
        TABLE,
        default=None,
        partitions=settings.partitions,
        key_type=bytes,
        value_type=bytes,  # raw: values are encode_state() bytes
    )
    names = [*engine.input_topics, engine.tick_topic]
    source = app.topic(*names, key_serializer="raw", value_serializer="raw")
    sinks: dict[str, faust.TopicT] = {}

    def sink(name: str) -> faust.TopicT:
        if name not in sinks:
            sinks[name] = app.topic(name, key_serializer="raw", value_serializer="raw")
        return sinks[name]

    def lookup(customer_id: str) -> Stored | None:
        raw = table.get(customer_id.encode())
        if raw is None:
            return None
        _partition, state, offsets = decode_stored(raw)
        return Stored(state, offsets)

    @app.agent(source, concurrency=1, name="process")
    async def process(stream: faust.StreamT[bytes]) -> None:
        async for events in stream.take_events(settings.batch_max, within=settings.batch_within):
            await _handle(events)

    async def _handle(events: Sequence[EventT]) -> None:
        batch = [_incoming(e) for e in events]
        result = engine.process(batch, lookup)
        if result.emits:
            for emit in result.emits:
                _send(emit)
            await app.producer.flush()  # outputs acknowledged before state is stored
            if engine.metrics is not None and settings.clock == "wall":
                acked = datetime.now(UTC)
                for occurred_at in result.caused_output:
                    engine.metrics.observe_latency(max(0.0, (acked - occurred_at).total_seconds()))
        if result.writes:
            by_partition = {e.message.partition: e for e in events}
            for customer_id, (partition, state) in result.writes.items():
                token = _current_event.set(weakref.ref(by_partition[partition]))
                try:
                    table[customer_id.encode()] = encode_state(
                        partition, state, result.offsets.get(customer_id)
                    )
                finally:
                    _current_event.reset(token)

    def _send(emit: Emit) -> None:
        sink(emit.topic).send_soon(key=emit.key, value=emit.value, headers=emit.headers)

    if settings.clock == "wall":

        @app.timer(interval=settings.tick_seconds, on_leader=False)
        async def tick() -> None:
            ticks = sink(engine.tick_topic)
            for tp in _owned(app, engine.tick_topic):
                ticks.send_soon(key=None, value=b"", partition=tp.partition)

    @app.timer(interval=settings.lag_seconds, on_leader=False)
    async def lag() -> None:
        """Consumer lag per owned input partition (from a timer, so a stuck agent shows)."""
        if engine.metrics is None or not ready.ready:
            return
        for tp in [tp for tp in _owned_all(app) if tp.topic in engine.input_topics]:
            try:
                high = app.consumer.highwater(tp)
                position = await app.consumer.position(tp)
            except Exception:  # a lag reading must never stop the worker
                log.debug("no lag reading for %s", tp, exc_info=True)
                continue
            if high is not None and position is not None:
                engine.metrics.set_consumer_lag(tp.topic, tp.partition, max(0, high - position))

    @table.on_recover
    async def rebuilt() -> None:
        t0 = time.monotonic()
        owned = {tp.partition for tp in _owned(app, engine.tick_topic)}
        wakeups: dict[int, list[tuple[str, datetime]]] = {p: [] for p in owned}
        figures: dict[int, list[AccountFigures]] = {p: [] for p in owned}
        for key, raw in table.items():
            summary = _summary(raw)
            if summary.partition not in wakeups:
                continue
            if summary.wakeup is not None:
                wakeups[summary.partition].append((key.decode(), summary.wakeup))
            figures[summary.partition].extend(
                AccountFigures(Tier(t), Bucket(b), dpd, overdue, outstanding, currency)
                for t, b, dpd, overdue, outstanding, currency in summary.accounts
            )
        for partition in owned:
            engine.reindex(partition, wakeups[partition])
            if engine.metrics is not None:
                engine.metrics.assigned(partition, figures[partition])
        if engine.metrics is not None:
            engine.metrics.observe_table_recovery(time.monotonic() - ready.since)
        ready.ready = True
        log.info(
            "ready: %d partitions, %d customers scheduled (index rebuilt in %.2fs)",
            len(owned),
            len(engine.index),
            time.monotonic() - t0,
        )

    @app.on_partitions_revoked.connect
    async def revoked(sender: Any, revoked: set[TP], **_: Any) -> None:
        ready.ready = False
        ready.since = time.monotonic()
        if engine.metrics is not None:
            engine.metrics.record_rebalance()
        for partition in {tp.partition for tp in revoked}:
            engine.index.drop(partition)
            if engine.metrics is not None:
                engine.metrics.revoked(partition)

    return app, ready


def _incoming(event: EventT) -> Incoming:
    m = event.message
    headers = list(m.headers) if m.headers else None
    return Incoming(m.topic, m.partition, m.offset, m.key, m.value, headers)


def _owned(app: faust.App, topic: str) -> list[TP]:
    return [tp for tp in _owned_all(app) if tp.topic == topic]


def _owned_all(app: faust.App) -> list[TP]:
    try:
        return sorted(app.consumer.assignment())
    except Exception:  # the consumer is not started yet
        return []


def _summary(raw: bytes) -> Summary:
    """The rebuild's view of a stored customer (values from before summaries: decoded)."""
    found = decode_summary(raw)
    if found is not None:
        return found
    partition, state = decode_state(raw)
    return decode_summary(encode_state(partition, state)) or Summary(partition, None, [])
