"""The demo's own Kafka clients: publish simulated events, read contacts, reset topics."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from streams.contract.catalogue import Catalogue
from streams.contract.codec import DecodeError, decode, encode
from streams.contract.producer import CLIENT_LOG, producer_config
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Channel,
    ContactDue,
    ContactOutcome,
    InputEvent,
    Repayment,
)

Client = Mapping[str, object]  # streams.kafka_clients.kafka_config(settings)
FLUSH_TIMEOUT_S = 60.0
DELETE_TIMEOUT_S = 60.0


class EventPublisher:
    """Publishes input events keyed by customer id, partitioned like the worker (murmur2)."""

    def __init__(self, client: Client, cat: Catalogue) -> None:
        self._producer = Producer(producer_config(client))
        self._topics: dict[type[InputEvent], str] = {
            AgingSnapshot: cat.aging.name,
            Repayment: cat.repayments.name,
            ContactOutcome: cat.contact_outcomes.name,
            AccountProfile: cat.account_profiles.name,
        }
        self.sent: Counter[str] = Counter()  # topic -> events published

    def publish(self, events: Iterable[InputEvent]) -> int:
        n = 0
        for event in events:
            topic = self._topics[type(event)]
            self._produce(topic, event.customer_id.encode(), encode(event))
            self.sent[topic] += 1
            n += 1
        self.flush()
        return n

    def _produce(self, topic: str, key: bytes, value: bytes) -> None:
        while True:
            try:
                self._producer.produce(topic, key=key, value=value)
                self._producer.poll(0)
                return
            except BufferError:  # local queue full: let deliveries drain
                self._producer.poll(0.1)

    def flush(self) -> None:
        left = self._producer.flush(FLUSH_TIMEOUT_S)
        if left:
            raise KafkaException(f"{left} events not acknowledged in {FLUSH_TIMEOUT_S:.0f}s")

    def close(self) -> None:
        self._producer.close()


class ContactReader:
    """Reads the contact-due topics of every channel (the simulated customers' phones)."""

    def __init__(self, client: Client, cat: Catalogue, group: str) -> None:
        self._consumer = Consumer(
            {
                **client,
                "group.id": group,
                "auto.offset.reset": "earliest",
                "enable.auto.commit": True,
                "logger": CLIENT_LOG,
            }
        )
        self._consumer.subscribe([cat.contact_due(ch).name for ch in Channel])
        self.undecodable = 0
        self.read = 0  # contacts read, duplicates included

    def poll(self, timeout: float) -> list[ContactDue]:
        contacts = []
        for msg in self._consumer.consume(num_messages=1000, timeout=timeout):
            if msg.error():
                continue
            try:
                contacts.append(decode(msg.value() or b"", ContactDue))
            except DecodeError:
                self.undecodable += 1
        self.read += len(contacts)
        return contacts

    def close(self) -> None:
        self._consumer.close()


class CommittedLag:
    """Input messages the worker's consumer group has not committed yet.

    The worker commits a batch's offsets in the transaction that writes its outputs, so
    zero lag means every contact the published events caused is on its topic. A consumer
    of that group id that never subscribes can read the group's offsets without joining it.
    """

    def __init__(self, client: Client, group: str, topics: list[str], partitions: int) -> None:
        self._consumer = Consumer({**client, "group.id": group, "logger": CLIENT_LOG})
        self._partitions = [TopicPartition(t, p) for t in topics for p in range(partitions)]

    def __call__(self) -> int:
        lag = 0
        for tp in self._consumer.committed(self._partitions, timeout=10):
            _low, high = self._consumer.get_watermark_offsets(tp, timeout=10, cached=False)
            lag += high - max(tp.offset, 0)
        return lag

    def close(self) -> None:
        self._consumer.close()


def delete_topics(client: Client, names: Iterable[str], app_id: str) -> list[str]:
    """Delete the topics of ``names`` and those of the app ``app_id`` that exist.

    Waits until the broker no longer lists them (deletion is asynchronous); returns the
    names deleted.
    """
    admin = AdminClient({**client, "logger": CLIENT_LOG})
    existing = set(admin.list_topics(timeout=30).topics)
    doomed = sorted(t for t in existing if t in set(names) or t.startswith(f"{app_id}-"))
    if not doomed:
        return []
    for name, future in admin.delete_topics(doomed, operation_timeout=30).items():
        try:
            future.result(timeout=30)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                raise RuntimeError(f"could not delete {name}: {exc}") from exc
    deadline = time.monotonic() + DELETE_TIMEOUT_S
    while set(doomed) & set(admin.list_topics(timeout=30).topics):
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics still listed {DELETE_TIMEOUT_S:.0f}s after deletion")
        time.sleep(0.2)
    return doomed


def delete_groups(client: Client, app_id: str) -> list[str]:
    """Delete the consumer groups of a demo run (the worker's and those named after it)."""
    admin = AdminClient({**client, "logger": CLIENT_LOG})
    # a fresh client asks only the brokers it knows: learn them first, or the list is empty
    admin.list_topics(timeout=30)
    listed = admin.list_consumer_groups(request_timeout=30).result()
    doomed = sorted(
        g.group_id
        for g in listed.valid
        if g.group_id == app_id or g.group_id.startswith(f"{app_id}-")
    )
    if not doomed:
        return []
    for name, future in admin.delete_consumer_groups(doomed, request_timeout=30).items():
        try:
            future.result()
        except KafkaException as exc:
            raise RuntimeError(f"could not delete consumer group {name}: {exc}") from exc
    return doomed
