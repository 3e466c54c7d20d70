"""``collectctl forget CUSTOMER_ID``: ask every component to erase a customer.

It publishes an ``ErasureRequest`` on the erasure-requests topic (the same event an upstream
CRM publishes for the topic-driven form) and a tombstone for the customer's key on the
compacted account-profiles topic, so compaction removes the profile (its display name).
The worker deletes the customer's state and tombstones its changelog key; every gateway
purges its delivered store and adapters and writes an audit line naming only the request's
event id. Run it as the ``privacy`` principal (write on those two topics only).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from confluent_kafka import KafkaError, Producer

from connectors.kafka_io import IDEMPOTENT
from streams.contract.catalogue import Catalogue
from streams.contract.codec import encode
from streams.core.model import ErasureRequest

FLUSH_TIMEOUT_S = 30.0


class ErasureNotSent(RuntimeError):  # noqa: N818  # a state, read as "erasure not sent"
    """The broker did not take the request (or the tombstone): nothing was erased."""


def request_erasure(
    client: Mapping[str, object],
    cat: Catalogue,
    customer_id: str,
    *,
    source: str,
    now: datetime,
    tombstone_profile: bool = True,
) -> ErasureRequest:
    """Publish the erasure request (and the profile tombstone); returns the request."""
    if not customer_id.strip():
        raise ValueError("customer_id must not be empty")
    request = ErasureRequest(
        event_id=f"erase-{uuid.uuid4().hex}", occurred_at=now, customer_id=customer_id,
        source=source,
    )  # fmt: skip
    errors: list[KafkaError] = []

    def on_delivery(err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            errors.append(err)

    producer = Producer({**IDEMPOTENT, **client})
    key = customer_id.encode()
    if tombstone_profile:
        producer.produce(cat.account_profiles.name, None, key, on_delivery=on_delivery)
    producer.produce(cat.erasure_requests.name, encode(request), key, on_delivery=on_delivery)
    left = producer.flush(FLUSH_TIMEOUT_S)
    if errors or left:
        raise ErasureNotSent(str(errors[0]) if errors else f"{left} records unacknowledged")
    return request
