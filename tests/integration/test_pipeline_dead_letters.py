"""Poison messages go to the DLQ with their provenance while their neighbours are processed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from streams.contract.codec import encode
from streams.contract.dlq import read_dead_letter_headers
from streams.core.model import AgingSnapshot, SegmentChanged, Tier
from tests.integration.pipeline_harness import (
    Reader,
    pipeline_settings,
    publish_raw,
    running,
    topics_for,
)

pytestmark = pytest.mark.kafka

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def aging(customer: str, dpd: int, event_id: str) -> AgingSnapshot:
    return AgingSnapshot(
        event_id,
        T0,
        customer,
        f"{customer}-a",
        date(2026, 3, 2),
        dpd,
        10_000,
        500_000,
        "CNY",
        "loan",
    )


async def test_each_kind_of_poison_message_lands_in_the_dlq_and_neighbours_flow(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    good = aging("c-good", 3, "e-good-1")
    wrong_record = encode(good)  # an aging snapshot on the repayments topic
    # the same customer id throughout, so every message lands on one partition in this order
    poison_aging = [
        (b"c1", b"not avro at all"),
        (b"c1", b"\xc3\x01" + b"\x00" * 8 + b"body"),  # unknown fingerprint
        (b"c1", encode(aging("c1", 2, "e-ok-1"))),
        (b"c1", encode(aging("c2", 2, "e-key"))),  # key is not the customer id
        (b"c1", encode(aging("c1", 9, "e-ok-2"))),
    ]
    publish_raw(kafka_bootstrap, cat.aging.name, poison_aging)
    publish_raw(kafka_bootstrap, cat.repayments.name, [(b"c1", wrong_record)])

    reader = Reader(kafka_bootstrap, [cat.dlq.name, cat.segment_changes.name])
    async with running(settings):
        await reader.until(
            lambda rs: (
                len([r for r in rs if isinstance(r, SegmentChanged)]) >= 2
                and len([r for r in rs if isinstance(r, bytes)]) >= 4
            ),
            "4 dead letters and 2 segment changes",
        )
    reader.close()

    dead = [r for r in reader.records if r[0] == cat.dlq.name]
    reasons = {}
    for _topic, key, value, headers in dead:
        meta = read_dead_letter_headers(headers)
        reasons[meta["dlq.reason"]] = (key, value, meta)
    assert set(reasons) == {"undecodable", "unknown_schema", "key_mismatch", "wrong_record"}
    key, value, meta = reasons["undecodable"]
    assert (key, value) == (b"c1", b"not avro at all")  # original bytes, untouched
    assert meta["dlq.original.topic"] == cat.aging.name
    assert meta["dlq.stage"] == "decode"
    assert int(meta["dlq.original.offset"]) == 0
    assert reasons["wrong_record"][2]["dlq.original.topic"] == cat.repayments.name

    changes = [r for r in reader.of_type(SegmentChanged) if r.customer_id == "c1"]
    assert [(c.from_tier, c.to_tier) for c in changes] == [
        (Tier.CURRENT, Tier.MILD),
        (Tier.MILD, Tier.MODERATE),
    ]
