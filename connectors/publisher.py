"""Publish a file of aging snapshots or repayments to Kafka, validating every row.

Valid rows are produced with an idempotent producer (``enable.idempotence``, ``acks=all``)
keyed by customer id; invalid rows go to the reject file as JSON Lines
``{"line": 7, "reason": "days_past_due: must not be negative, got -3", "raw": {...}}``.
The function waits for every delivery (flush) and reports what happened in a
:class:`PublishSummary`. Exit codes (see ``exit_code``): 0 all rows published, 2 every
valid row published but some rows rejected, 1 a delivery failed. A missing topic or a
broker that does not answer is reported before the file is read (``PublishError``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from confluent_kafka import KafkaError, KafkaException, Producer

from connectors.base import RowRejected, UpstreamEvent
from connectors.kafka_io import IDEMPOTENT
from connectors.progress import Progress
from connectors.rows import Kind
from connectors.sources import open_source
from streams.contract.catalogue import Catalogue
from streams.contract.codec import EncodeError, encode

FLUSH_TIMEOUT_SECONDS = 60.0
METADATA_TIMEOUT_SECONDS = 10.0
MAX_FAILURE_SAMPLES = 10


class PublishError(RuntimeError):
    """Nothing can be published (no broker, no topic): said before any row is read."""


@dataclass(slots=True)
class PublishSummary:
    kind: str
    path: str
    topic: str
    rows: int = 0
    published: int = 0
    rejected: int = 0
    failed: int = 0
    seconds: float = 0.0
    reject_path: str = ""
    failures: list[str] = field(default_factory=list)  # first few broker errors

    @property
    def exit_code(self) -> int:
        if self.failed:
            return 1
        return 2 if self.rejected else 0

    def describe(self) -> str:
        rate = self.published / self.seconds if self.seconds > 0 else 0.0
        text = (
            f"{self.kind} {self.path} -> {self.topic}: {self.rows} rows, "
            f"{self.published} published, {self.rejected} rejected, {self.failed} failed "
            f"in {self.seconds:.1f}s ({rate:.0f} rows/s)"
        )
        if self.rejected:
            text += f"; rejects in {self.reject_path}"
        return "\n".join([text, *(f"  delivery failure: {f}" for f in self.failures)])


def default_reject_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.jsonl")


def publish_file(
    path: str | Path,
    kind: Kind,
    producer_config: Mapping[str, Any],
    catalogue: Catalogue,
    reject_path: str | Path | None = None,
    progress: TextIO | None = sys.stderr,
    *,
    clock: Callable[[], float] = time.monotonic,
    metadata_timeout: float = METADATA_TIMEOUT_SECONDS,
) -> PublishSummary:
    """Validate and produce every row of ``path``; see the module docstring.

    ``PublishError`` at once if the broker does not answer or the topic does not exist.
    """
    source_path = Path(path)
    rejects = Path(reject_path) if reject_path else default_reject_path(source_path)
    topic = catalogue.aging.name if kind == "aging" else catalogue.repayments.name
    summary = PublishSummary(kind, str(source_path), topic, reject_path=str(rejects))
    producer = Producer({**IDEMPOTENT, **producer_config})
    check_topic(producer, topic, str(producer_config.get("bootstrap.servers")), metadata_timeout)
    meter = Progress(progress, kind, clock)

    def on_delivery(err: KafkaError | None, _msg: object) -> None:
        if err is None:
            summary.published += 1
            return
        summary.failed += 1
        if len(summary.failures) < MAX_FAILURE_SAMPLES:
            summary.failures.append(str(err))

    started = clock()
    with rejects.open("w", encoding="utf-8") as reject_file:
        for line, item in open_source(source_path, kind).rows():
            summary.rows += 1
            value = item if isinstance(item, RowRejected) else _encode(item)
            if isinstance(value, RowRejected):
                summary.rejected += 1
                reject_file.write(_reject_line(line, value) + "\n")
            else:
                _produce(producer, topic, _key(item), value, on_delivery)
            meter.update(summary.rows, summary.rejected)
    unsent = producer.flush(FLUSH_TIMEOUT_SECONDS)
    summary.failed += unsent
    if unsent:
        summary.failures.append(f"{unsent} records still unacknowledged after flush")
    summary.seconds = clock() - started
    meter.finish(summary.rows, summary.rejected)
    return summary


def check_topic(producer: Producer, topic: str, bootstrap: str, timeout: float) -> None:
    """Fail fast, before reading the file: a missing topic would otherwise cost every row a
    delivery timeout (topics are never auto-created)."""
    try:
        metadata = producer.list_topics(topic, timeout=timeout)
    except KafkaException as exc:
        raise PublishError(
            f"no answer from the Kafka broker at {bootstrap} within {timeout:.0f}s ({exc}); "
            "is it running? (deploy/local/kafka.sh start, or set KAFKA_BOOTSTRAP)"
        ) from None
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        raise PublishError(
            f"topic {topic} does not exist on {bootstrap}: create the pipeline's topics first "
            "with `collectctl topics create`"
        )


def _encode(event: UpstreamEvent) -> bytes | RowRejected:
    try:
        return encode(event)
    except EncodeError as exc:  # a contract rule the row parser does not know
        return RowRejected(str(exc), asdict(event))


def _key(item: UpstreamEvent | RowRejected) -> bytes:
    assert not isinstance(item, RowRejected)
    return item.customer_id.encode()


def _produce(
    producer: Producer,
    topic: str,
    key: bytes,
    value: bytes,
    on_delivery: Callable[[KafkaError | None, object], None],
) -> None:
    while True:
        try:
            producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
            break
        except BufferError:  # local queue full: serve delivery reports, then retry
            producer.poll(0.5)
    producer.poll(0)


def _reject_line(line: int, rejected: RowRejected) -> str:
    return json.dumps(
        {
            "line": line,
            "reason": rejected.reason,
            "problems": list(rejected.problems) or [rejected.reason],
            "raw": rejected.raw,
        },
        ensure_ascii=False,
        default=str,
    )
