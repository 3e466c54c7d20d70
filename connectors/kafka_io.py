"""An asyncio face on the confluent-kafka Producer: ``await send(...)`` until acked.

A background thread polls the producer so delivery callbacks run promptly; each callback
settles the awaiting future on its event loop. The producer is idempotent
(``enable.idempotence=True``, ``acks=all``) unless the caller's config says otherwise.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from streams.contract.producer import CLIENT_LOG, PARTITIONER

# murmur2 like Faust and the Java clients: every producer must map a customer to one partition
IDEMPOTENT = {
    "enable.idempotence": True,
    "acks": "all",
    "partitioner": PARTITIONER,
    "logger": CLIENT_LOG,  # librdkafka's lines as log records, not raw stderr
}
Headers = Sequence[tuple[str, bytes]]


class DeliveryError(Exception):
    """The broker did not take a record (after the producer's own retries)."""


class AsyncProducer:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self._producer = Producer({**IDEMPOTENT, **config})
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="producer-poll", daemon=True)
        self._poller.start()

    def _poll_loop(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(0.1)

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, headers: Headers = ()
    ) -> None:
        """Produce one record and wait for the broker's acknowledgement."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def on_delivery(err: KafkaError | None, _msg: object) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, future, err)

        while True:
            try:
                self._producer.produce(
                    topic, key=key, value=value, headers=list(headers), on_delivery=on_delivery
                )
                break
            except BufferError:  # local queue full: let the poller drain it
                await asyncio.sleep(0.05)
        await future

    def close(self, timeout: float = 10.0) -> int:
        """Flush outstanding records, stop the poll thread; returns records left unsent."""
        self._stopping.set()
        self._poller.join()
        return int(self._producer.flush(timeout))


def _settle(future: asyncio.Future[None], err: KafkaError | None) -> None:
    if future.done():
        return
    if err is None:
        future.set_result(None)
    else:
        future.set_exception(DeliveryError(str(err)))


__all__ = ["IDEMPOTENT", "AsyncProducer", "DeliveryError", "KafkaException"]
