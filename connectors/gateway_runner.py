"""The gateway runner: consume contact-due topics, deliver, commit only final results.

One confluent-kafka consumer (``enable.auto.commit=False``) reads the contact-due topics
of the configured channels. Messages are handled one at a time; a message's offset is
committed only once its disposition is final (delivered, duplicate, expired or
dead-lettered). A retryable failure is retried with backoff until it succeeds or the
runner stops; meanwhile the assigned partitions are paused and the consumer keeps polling
so it stays in its group. Stop with :meth:`GatewayRunner.stop` or by cancelling
:meth:`GatewayRunner.run`; an unfinished message is simply not committed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from connectors.backoff import Backoff
from connectors.base import Gateway
from connectors.contact_handler import ContactHandler, Disposition, Incoming
from connectors.delivered_store import DeliveredStore
from connectors.erasure_audit import ErasureAudit
from connectors.kafka_io import AsyncProducer
from connectors.metrics import GatewayMetrics
from streams.contract.catalogue import Catalogue
from streams.core.model import Channel
from streams.settings import ClockMode

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
KEEPALIVE_SECONDS = 1.0
PURGE_EVERY_SECONDS = 3600.0
# delivered records are kept past the contact-due topics' 7 days, so replays are still caught
DEFAULT_RETENTION = timedelta(days=30)


def utc_now() -> datetime:
    return datetime.now(UTC)


class GatewayRunner:
    def __init__(
        self,
        *,
        gateways: Mapping[Channel, Gateway],
        catalogue: Catalogue,
        consumer_config: Mapping[str, Any],
        producer: AsyncProducer,
        store: DeliveredStore,
        metrics: GatewayMetrics,
        now: Callable[[], datetime] = utc_now,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        poll_seconds: float = 0.5,
        audit: ErasureAudit | None = None,
        retention: timedelta = DEFAULT_RETENTION,
        clock: ClockMode = "wall",
    ) -> None:
        """``clock="event"``: contacts are made at their ``due_at`` (see ContactHandler)."""
        self._gateways = dict(gateways)
        self._topics = [catalogue.contact_due(ch).name for ch in self._gateways]
        self._topics.append(catalogue.erasure_requests.name)  # forget customers, see handler
        self._store = store
        self._retention = retention
        self._now = now
        self._next_purge = 0.0
        self._consumer_config = {
            "auto.offset.reset": "earliest",
            **consumer_config,
            "enable.auto.commit": False,
        }
        self._handler = ContactHandler(
            gateways=self._gateways,
            catalogue=catalogue,
            emitter=producer,
            store=store,
            metrics=metrics,
            now=now,
            audit=audit,
            clock=clock,
        )
        self._backoff = backoff or Backoff(base_seconds=0.5, cap_seconds=30.0)
        self._sleep = sleep
        self._poll_seconds = poll_seconds
        self._stopping = False
        # every consumer call runs on this one thread, in order (close after the last poll)
        self._kafka_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway")
        self._consumer: Consumer | None = None

    def stop(self) -> None:
        """Ask :meth:`run` to return after the message in hand (uncommitted if unfinished)."""
        self._stopping = True

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._kafka_thread, partial(fn, *args, **kwargs))

    async def run(self) -> None:
        consumer = Consumer(self._consumer_config)
        self._consumer = consumer
        try:
            await self._call(consumer.subscribe, self._topics)
            for gateway in self._gateways.values():
                await gateway.start()
            while not self._stopping:
                self._apply_retention()
                msg = await self._call(consumer.poll, self._poll_seconds)
                if msg is None:
                    continue
                if msg.error():
                    log.warning("consumer error: %s", msg.error())
                    continue
                await self._process(consumer, msg)
        finally:
            for gateway in self._gateways.values():
                await gateway.close()
            await self._call(consumer.close)
            self._kafka_thread.shutdown(wait=True)

    def _apply_retention(self) -> None:
        """Delete delivered records past the retention, at start and then hourly."""
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
        purged = self._store.purge(self._now(), self._retention)
        if purged:
            log.info(
                "retention: %d delivered records older than %s removed", purged, self._retention
            )

    async def _process(self, consumer: Consumer, msg: Message) -> None:
        incoming = Incoming(msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value())
        retry = 0
        while (disposition := await self._handler.handle(incoming)) is Disposition.RETRY:
            if self._stopping:
                return
            await self._wait_keeping_membership(consumer, self._backoff.delay(retry))
            retry += 1
        try:
            await self._call(consumer.commit, message=msg, asynchronous=False)
        except KafkaException as exc:  # e.g. partition revoked meanwhile: it is redelivered
            log.warning(
                "commit of %s[%d]@%d failed: %s",
                incoming.topic,
                incoming.partition,
                incoming.offset,
                exc,
            )
        log.debug(
            "%s[%d]@%d %s", incoming.topic, incoming.partition, incoming.offset, disposition.value
        )

    async def _wait_keeping_membership(self, consumer: Consumer, seconds: float) -> None:
        """Sleep between retries while polling (partitions paused) to stay in the group."""
        assignment = await self._call(consumer.assignment)
        await self._call(consumer.pause, assignment)
        try:
            remaining = seconds
            while remaining > 0 and not self._stopping:
                step = min(remaining, KEEPALIVE_SECONDS)
                await self._sleep(step)
                remaining -= step
                stray = await self._call(consumer.poll, 0)
                if stray is not None and not stray.error():  # fetched before the pause
                    tp = TopicPartition(stray.topic(), stray.partition(), stray.offset())
                    await self._call(consumer.seek, tp)
        finally:
            await self._call(consumer.resume, await self._call(consumer.assignment))
