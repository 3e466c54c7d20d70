"""Small confluent-kafka helpers for integration tests: create topics, produce, consume."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

Client = str | Mapping[str, object]  # a bare plaintext bootstrap, or kafka_config(settings)


def config(client: Client) -> dict[str, object]:
    return {"bootstrap.servers": client} if isinstance(client, str) else dict(client)


def create_topics(bootstrap: Client, names: Iterable[str], partitions: int = 3) -> None:
    admin = AdminClient(config(bootstrap))
    futures = admin.create_topics(
        [NewTopic(n, num_partitions=partitions, replication_factor=1) for n in names]
    )
    for f in futures.values():
        f.result(timeout=30)


def produce(
    bootstrap: Client,
    topic: str,
    records: Sequence[tuple[bytes | str | None, bytes | None, list[tuple[str, bytes]] | None]],
) -> None:
    producer = Producer({**config(bootstrap), "enable.idempotence": True})
    for key, value, headers in records:
        producer.produce(topic, key=key, value=value, headers=headers)
    remaining = producer.flush(30)
    assert remaining == 0, f"{remaining} messages not delivered"


def consume(
    bootstrap: Client,
    topics: Sequence[str],
    *,
    until: Callable[[list[Message]], bool],
    timeout: float = 60.0,
    group: str | None = None,
) -> list[Message]:
    """Read from the start of ``topics`` until ``until(messages)`` holds; fail after ``timeout``."""
    consumer = Consumer(
        {
            **config(bootstrap),
            "group.id": group or f"reader-{time.monotonic_ns()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe(list(topics))
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while not until(got):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s on {list(topics)}; got {len(got)} messages"
                )
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                raise AssertionError(f"consumer error: {msg.error()}")
            got.append(msg)
    finally:
        consumer.close()
    return got
