"""The demo's own Kafka clients: publish simulated events, read contacts, reset topics, and
tell from Kafka's offsets when the pipeline has settled (see ``DemoLoop``)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

from confluent_kafka import (
    Consumer,
    IsolationLevel,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec

from streams.contract.catalogue import Catalogue
from streams.contract.codec import DecodeError, decode, encode
from streams.contract.partitioner import partition_of
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
QUERY_TIMEOUT_S = 30.0
TopicPart = tuple[str, int]


class EventPublisher:
    """Publishes input events keyed by customer id, partitioned like the worker (murmur2).

    In the order given, and *visible* in that order on each partition: before an event goes
    to another topic than the partition's previous one, what was produced is flushed (the
    broker has it). The worker merges a partition's topics by event time but can only wait
    for what is in Kafka; were a 23:00 snapshot visible before a 13:47 repayment published
    with it, the worker could apply the snapshot first, differently from run to run. Give
    the events in the worker's order (``merge_order``) and it can apply them in no other.
    """

    def __init__(self, client: Client | str, cat: Catalogue) -> None:
        self._producer = Producer(producer_config(client))
        self._partitions = cat.aging.partitions
        self._unflushed: dict[int, str] = {}  # partition -> topic produced to since the flush
        self._topics: dict[type[InputEvent], str] = {
            AgingSnapshot: cat.aging.name,
            Repayment: cat.repayments.name,
            ContactOutcome: cat.contact_outcomes.name,
            AccountProfile: cat.account_profiles.name,
        }
        self.sent: Counter[str] = Counter()  # topic -> events published
        inputs = [t.name for t in cat.inputs()]  # the worker merges ties in this order
        self._rank = {kind: inputs.index(topic) for kind, topic in self._topics.items()}

    def merge_order(self, event: InputEvent) -> tuple[datetime, int]:
        """The worker's order of a partition's inputs: event time, then topic."""
        return event.occurred_at, self._rank[type(event)]

    def publish(self, events: Iterable[InputEvent]) -> int:
        n = 0
        for event in events:
            topic = self._topics[type(event)]
            key = event.customer_id.encode()
            partition = partition_of(key, self._partitions)
            if self._unflushed.get(partition, topic) != topic:
                self.flush()
            self._unflushed[partition] = topic
            self._produce(topic, key, encode(event))
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
        self._unflushed.clear()
        left = self._producer.flush(FLUSH_TIMEOUT_S)
        if left:
            raise KafkaException(f"{left} events not acknowledged in {FLUSH_TIMEOUT_S:.0f}s")

    def close(self) -> None:
        self._producer.close()


class ContactReader:
    """Reads the contact-due topics of every channel (the simulated customers' phones).

    Remembers, per partition, the offset of the last contact read and where the consumer
    last reported the partition's end, so that the demo can tell it has read everything
    the worker committed (``caught_up``) and what the gateway has to have handled.
    """

    def __init__(self, client: Client, cat: Catalogue, group: str) -> None:
        self._consumer = Consumer(
            {
                **client,
                "group.id": group,
                "auto.offset.reset": "earliest",
                "enable.auto.commit": True,
                "enable.partition.eof": True,
                "isolation.level": "read_committed",
                "logger": CLIENT_LOG,
            }
        )
        self.topics = [cat.contact_due(ch).name for ch in Channel]
        self.partitions = [(t, p) for t in self.topics for p in range(cat.aging.partitions)]
        self._consumer.subscribe(self.topics)
        self.undecodable = 0
        self.read = 0  # contacts read, duplicates included
        self.last: dict[TopicPart, int] = {}  # offset of the last contact read
        self._ends: dict[TopicPart, int] = {}  # end reported since the last contact read

    def caught_up(self, ends: Mapping[TopicPart, tuple[int, int]]) -> bool:
        """Every contact up to ``ends`` (committed, written; ``TopicEnds``) was read, and no
        transaction of the worker is half visible (written past committed)."""
        return all(
            written == committed and self._ends.get(tp) == committed
            for tp, (committed, written) in ends.items()
        )

    def poll(self, timeout: float) -> list[ContactDue]:
        contacts = []
        for msg in self._consumer.consume(num_messages=1000, timeout=timeout):
            tp = (msg.topic() or "", msg.partition() or 0)
            error = msg.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    self._ends[tp] = msg.offset() or 0
                continue
            self._ends.pop(tp, None)
            self.last[tp] = msg.offset() or 0
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


class TopicEnds:
    """Where topic partitions end now, read from the broker: (committed, written) offsets.

    Committed: what ``read_committed`` readers can reach; written: with the records of
    transactions still open. A transaction of the worker is visible on its output partitions
    one after the other, so a reader at the committed end of a partition whose written end is
    further has not seen all of a commit yet.
    """

    def __init__(self, client: Client) -> None:
        self._config = {**client, "logger": CLIENT_LOG}
        self._admin = AdminClient(self._config)

    def __call__(self, tps: Iterable[TopicPart]) -> dict[TopicPart, tuple[int, int]]:
        """KafkaException if the broker does not answer (the next call uses a new client:
        after a broker restart an old one can keep sending stale leader epochs)."""
        wanted = {TopicPartition(t, p): OffsetSpec.latest() for t, p in tps}
        found: list[dict[TopicPart, int]] = []
        try:
            for level in (IsolationLevel.READ_COMMITTED, IsolationLevel.READ_UNCOMMITTED):
                futures = self._admin.list_offsets(
                    wanted, isolation_level=level, request_timeout=QUERY_TIMEOUT_S
                )
                found.append(
                    {(tp.topic, tp.partition): f.result().offset for tp, f in futures.items()}
                )
        except KafkaException:
            self._admin = AdminClient(self._config)
            raise
        committed, written = found
        return {tp: (committed[tp], written[tp]) for tp in committed}


class GroupOffsets:
    """The offsets a consumer group has committed (a consumer of that group id that never
    subscribes reads them without joining the group)."""

    def __init__(self, client: Client, group: str) -> None:
        self._consumer = Consumer({**client, "group.id": group, "logger": CLIENT_LOG})

    def __call__(self, tps: Iterable[TopicPart]) -> dict[TopicPart, int]:
        wanted = [TopicPartition(t, p) for t, p in tps]
        if not wanted:
            return {}
        done = self._consumer.committed(wanted, timeout=QUERY_TIMEOUT_S)
        return {(tp.topic, tp.partition): tp.offset for tp in done}

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
