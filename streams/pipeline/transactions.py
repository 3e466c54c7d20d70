"""One Kafka transaction per unit of work: outputs, state changelog and input offsets.

``TransactionalSink.commit`` either returns after the broker committed everything (every
record acknowledged, the consumer group's offsets moved in the same transaction) or raises
:class:`CommitFailedError` after aborting, so nothing of the batch is visible to a
``read_committed`` reader (the gateways, a restoring worker) and no offset has moved. The
caller then rolls its in-memory state back to the last commit and tries again.

Fencing: the transactional id is ``<app id>-<instance id>``; a restarted instance with the
same id aborts what its previous life left open the moment it starts, and the offsets sent
with the consumer group's metadata stop a worker that lost its partitions (a "zombie")
from committing for them.

A watchdog bounds every commit: librdkafka's transactional calls can block past their own
timeout after a broker restart (librdkafka issues 5456 and 5511, seen here: a
``send_offsets_to_transaction`` waited for minutes). A commit that has not returned within
``deadline`` seconds is reported as fatal; the worker then exits without committing and its
supervisor restarts it, whose ``init_transactions`` aborts whatever was left open.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Timeout
from dataclasses import dataclass, field
from typing import Any, Literal

from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition

from streams.contract.producer import PARTITIONER
from streams.pipeline.emitter import Emit

log = logging.getLogger(__name__)

Kind = Literal["transient", "fatal"]


class CommitFailedError(Exception):
    """The transaction was not committed (and was aborted). ``kind``: ``transient`` (retry
    the batch from the last commit after a pause) or ``fatal`` (this producer can never
    commit again, e.g. another process took its transactional id: the worker must stop)."""

    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Sent:
    """Offsets the broker gave the changelog records of a committed transaction."""

    changelog_offsets: dict[int, int] = field(default_factory=dict)  # partition -> last offset
    records: int = 0


def producer_config(
    base: Mapping[str, object], transactional_id: str, transaction_timeout_ms: int
) -> dict[str, object]:
    return {
        **base,
        "transactional.id": transactional_id,
        "transaction.timeout.ms": transaction_timeout_ms,
        "partitioner": PARTITIONER,
        "linger.ms": 5,
        "compression.type": "lz4",
        "queue.buffering.max.messages": 1_000_000,
    }


class TransactionalSink:
    def __init__(
        self,
        config: Mapping[str, object],
        changelog: str,
        timeout: float = 15.0,
        deadline: float = 60.0,
    ) -> None:
        self.changelog = changelog
        self.timeout = timeout  # per blocking call
        self.deadline = deadline  # for a whole commit, abort included
        self._config = dict(config)
        self._producer = Producer(self._config)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transaction")
        self._errors: list[KafkaError] = []
        self._sent = Sent()
        self._watched(self._producer.init_transactions, self.timeout)

    def commit(
        self,
        emits: Sequence[Emit],
        changelog: Sequence[tuple[int, bytes, bytes | None]],
        offsets: Sequence[TopicPartition],
        group_metadata: Any,
    ) -> Sent:
        """Send everything and commit, or abort and raise ``CommitFailedError``."""
        sent: Sent = self._watched(self._commit, emits, changelog, offsets, group_metadata)
        return sent

    def _watched(self, call: Any, *args: Any) -> Any:
        future = self._thread.submit(call, *args)
        try:
            return future.result(timeout=self.deadline)
        except Timeout:
            raise CommitFailedError(
                "fatal", f"the Kafka producer did not return within {self.deadline:.0f}s"
            ) from None
        except KafkaException as exc:  # init_transactions
            error: KafkaError = exc.args[0]
            raise CommitFailedError("fatal" if error.fatal() else "transient", str(error)) from exc

    def _commit(
        self,
        emits: Sequence[Emit],
        changelog: Sequence[tuple[int, bytes, bytes | None]],
        offsets: Sequence[TopicPartition],
        group_metadata: Any,
    ) -> Sent:
        self._errors = []
        self._sent = Sent()
        producer = self._producer
        try:
            producer.begin_transaction()
            for emit in emits:
                self._produce(emit.topic, emit.key, emit.value, emit.headers, emit.partition)
            for partition, key, value in changelog:
                self._produce(self.changelog, key, value, None, partition, changelog=True)
            if offsets:
                producer.send_offsets_to_transaction(list(offsets), group_metadata, self.timeout)
            producer.commit_transaction(self.timeout)
        except KafkaException as exc:
            raise self._failed(exc.args[0]) from exc
        if self._errors:  # cannot happen after a successful commit; never trust it silently
            self._abort()
            raise CommitFailedError("transient", f"delivery errors: {self._errors[:3]}")
        return self._sent

    def close(self, timeout: float = 10.0) -> None:
        self._producer.flush(timeout)
        self._thread.shutdown(wait=False)

    # ------------------------------------------------------------------ internals

    def _produce(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]] | None,
        partition: int | None,
        *,
        changelog: bool = False,
    ) -> None:
        kwargs: dict[str, Any] = {"key": key, "value": value, "on_delivery": self._delivered}
        if headers:
            kwargs["headers"] = headers
        if partition is not None:
            kwargs["partition"] = partition
        if changelog:
            kwargs["on_delivery"] = self._delivered_changelog
        while True:
            try:
                self._producer.produce(topic, **kwargs)
                self._sent.records += 1
                return
            except BufferError:  # the local queue is full: let deliveries drain it
                self._producer.poll(0.05)

    def _delivered(self, err: KafkaError | None, _msg: Any) -> None:
        if err is not None:
            self._errors.append(err)

    def _delivered_changelog(self, err: KafkaError | None, msg: Any) -> None:
        if err is not None:
            self._errors.append(err)
            return
        partition, offset = msg.partition(), msg.offset()
        known = self._sent.changelog_offsets.get(partition, -1)
        self._sent.changelog_offsets[partition] = max(known, offset)

    def _failed(self, error: KafkaError) -> CommitFailedError:
        if error.fatal():
            return CommitFailedError("fatal", str(error))
        self._abort()
        refused = f"; deliveries refused: {self._errors[:3]}" if self._errors else ""
        return CommitFailedError("transient", f"{error}{refused}")

    def _abort(self) -> None:
        """Abort the open transaction; if the abort cannot finish (librdkafka keeps retrying
        records the broker refuses, or waits on a coordinator), start a new producer under
        the same transactional id: its ``init_transactions`` fences the old one and has the
        coordinator abort what it left open."""
        for _attempt in range(2):  # a timed-out abort is resumed by calling it again
            try:
                self._producer.abort_transaction(self.timeout)
                return
            except KafkaException as exc:
                error: KafkaError = exc.args[0]
                if error.fatal():
                    raise CommitFailedError("fatal", f"abort failed: {error}") from exc
                if error.code() == KafkaError._STATE:
                    return  # no transaction to abort (begin_transaction itself failed)
                log.warning("abort_transaction: %s", error)
        self._replace_producer()

    def _replace_producer(self) -> None:
        log.warning("the producer cannot finish its abort: starting a new one (fencing it)")
        old = self._producer
        old.purge(in_queue=True, in_flight=True, blocking=False)
        self._producer = Producer(self._config)
        try:
            self._producer.init_transactions(self.timeout)
        except KafkaException as exc:
            error: KafkaError = exc.args[0]
            raise CommitFailedError("fatal", f"a new producer cannot start: {error}") from exc
