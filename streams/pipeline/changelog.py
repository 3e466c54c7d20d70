"""The state changelog: a compacted topic per app, one partition per input partition.

Each record is a customer's state (key: the customer id; value: ``state_codec``) or the
partition's meta (key ``META_KEY``: its event clock, held customers and its position on
every input topic), written in the same transaction as the outputs and the input offsets.
The meta's positions are therefore exactly the inputs the restored states reflect: a worker
that takes a partition over starts reading its inputs there, whatever the consumer group's
committed offsets say, so a state can never miss an input or see one twice.

Restoring reads with ``isolation.level=read_committed`` up to the end the broker reports
(the last stable offset), so an aborted or still-open transaction of a previous owner is
never restored.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from streams.contract.admin import create
from streams.pipeline.engine import PartitionMeta
from streams.pipeline.store import PartitionStore

log = logging.getLogger(__name__)

RESTORE_CHUNK = 5000  # records written to the store at a time while restoring
RESTORE_WAIT = 0.1  # seconds a poll waits when fewer than a chunk have arrived


def changelog_topic(app_id: str, prefix: str = "") -> str:
    """``<prefix><app id>-customers-changelog`` (the name Faust used: state carries over)."""
    return f"{prefix}{app_id}-customers-changelog"


def encode_meta(meta: PartitionMeta) -> bytes:
    body = {
        "clock": None if meta.clock is None else int(meta.clock.timestamp() * 1000),
        "holds": meta.holds,
        "offsets": meta.offsets,
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def decode_meta(raw: bytes | None) -> PartitionMeta:
    if not raw:
        return PartitionMeta()
    body: dict[str, Any] = json.loads(raw)
    clock = body.get("clock")
    return PartitionMeta(
        clock=None if clock is None else datetime.fromtimestamp(clock / 1000, UTC),
        holds={str(k): str(v) for k, v in (body.get("holds") or {}).items()},
        offsets={str(k): int(v) for k, v in (body.get("offsets") or {}).items()},
    )


@dataclass(frozen=True, slots=True)
class Restored:
    records: int
    seconds: float


class RestoreError(RuntimeError):
    """The changelog could not be read to its end (the broker is unreachable or refused)."""


def restore(
    config: Mapping[str, object],
    topic: str,
    stores: Mapping[int, PartitionStore],
    *,
    group: str,
    timeout: float = 300.0,
    progress: Callable[[int], None] | None = None,
) -> Restored:
    """Bring every store of ``stores`` (partition -> store) up to the end of its partition of
    changelog ``topic``, all of them through one consumer: a partition with nothing new
    costs one fetch, not a consumer of its own."""
    t0 = time.monotonic()
    consumer = Consumer(
        {
            **config,
            # assign only: it never joins the group or commits; the worker's own group id
            # because librdkafka needs one and the worker's principal may use only that one
            "group.id": group,
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
        }
    )
    applied = 0
    try:
        consumer.assign([TopicPartition(topic, p, s.checkpoint + 1) for p, s in stores.items()])
        pending: dict[int, dict[bytes, bytes | None]] = {p: {} for p in stores}
        last = {p: s.checkpoint for p, s in stores.items()}
        left = set(stores)  # partitions not at their end yet
        deadline = time.monotonic() + timeout
        while left:
            if time.monotonic() > deadline:
                raise RestoreError(f"{topic}{sorted(left)}: not at their end after {timeout:.0f}s")
            for msg in consumer.consume(RESTORE_CHUNK, RESTORE_WAIT):
                partition = msg.partition()
                error = msg.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        left.discard(partition)
                        continue
                    if error.fatal() or not error.retriable():
                        raise RestoreError(f"{topic}[{partition}]: {error}")
                    log.warning("restoring %s[%d]: %s", topic, partition, error)
                    continue
                key = msg.key()
                if key is None or partition not in pending:
                    continue
                pending[partition][key] = msg.value()
                last[partition] = msg.offset()
                applied += 1
            for partition, records in pending.items():
                if records and (partition not in left or len(records) >= RESTORE_CHUNK):
                    stores[partition].write(records, last[partition])
                    pending[partition] = {}
            if progress is not None:
                progress(applied)
        for partition, store in stores.items():
            if last[partition] > store.checkpoint:
                store.write({}, last[partition])
        return Restored(applied, time.monotonic() - t0)
    except KafkaException as exc:
        raise RestoreError(f"{topic}: {exc}") from exc
    finally:
        consumer.close()


def ensure_changelog(
    config: Mapping[str, object], topic: str, partitions: int, replication_factor: int
) -> None:
    """Create the compacted changelog if it is missing; refuse one with another partition
    count (each changelog partition belongs to the input partition of the same number)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(dict(config))
    existing = admin.list_topics(timeout=30).topics
    if topic in existing:
        count = len(existing[topic].partitions)
        if count != partitions:
            raise ValueError(
                f"changelog {topic} has {count} partitions, the inputs {partitions}: "
                "they must match (recreate it, or fix COLLECTIONS_PARTITIONS)"
            )
        return
    configs = {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}
    if replication_factor > 1:
        configs["min.insync.replicas"] = str(min(2, replication_factor))
    create(admin, [NewTopic(topic, partitions, replication_factor, config=configs)])


def missing_inputs(config: Mapping[str, object], topics: list[str], partitions: int) -> list[str]:
    """Input topics that do not exist or do not have ``partitions`` partitions."""
    from confluent_kafka.admin import AdminClient

    existing = AdminClient(dict(config)).list_topics(timeout=30).topics
    problems = []
    for topic in topics:
        if topic not in existing:
            problems.append(f"{topic}: missing")
        elif len(existing[topic].partitions) != partitions:
            problems.append(
                f"{topic}: {len(existing[topic].partitions)} partitions, not {partitions}"
            )
    return problems
