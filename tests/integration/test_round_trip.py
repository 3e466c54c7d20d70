"""The foundation works end to end: confluent-kafka -> Faust agent -> confluent-kafka."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import faust
import pytest

from tests.integration.kafka_tools import consume, create_topics, produce

pytestmark = pytest.mark.kafka


async def test_messages_pass_through_a_faust_agent_with_keys_and_headers_intact(
    kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    name = unique_name()
    src, dst = f"{name}.in", f"{name}.out"
    create_topics(kafka_bootstrap, [src, dst], partitions=3)

    app = faust.App(
        name,
        broker=f"kafka://{kafka_bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_partitions=3,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
    )
    source = app.topic(src, key_serializer="raw", value_serializer="raw")
    sink = app.topic(dst, key_serializer="raw", value_serializer="raw")

    @app.agent(source, concurrency=1)
    async def forward(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            await sink.send(key=event.key, value=event.value, headers=event.headers)

    sent = [
        (f"cust-{i % 5}".encode(), f"value-{i}".encode(), [("trace", f"h{i}".encode())])
        for i in range(20)
    ]
    await app.start()
    try:
        produce(kafka_bootstrap, src, sent)
        got = await asyncio.to_thread(
            consume, kafka_bootstrap, [dst], until=lambda ms: len(ms) >= len(sent)
        )
    finally:
        await app.stop()

    received = {(m.key(), m.value(), tuple(m.headers() or ())) for m in got}
    assert received == {(k, v, tuple(h)) for k, v, h in sent}
    # co-partitioning: a key lands on the same partition number on both sides
    assert len({m.partition() for m in got if m.key() == b"cust-1"}) == 1
