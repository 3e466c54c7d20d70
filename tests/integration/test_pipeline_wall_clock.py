"""In production the wall clock rules: the worker's own ticks make due contacts go out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from streams.core.model import AccountProfile, AgingSnapshot, Channel, ContactDue
from tests.integration.pipeline_harness import (
    Reader,
    pipeline_settings,
    publish,
    publish_and_wait,
    running,
    topics_for,
)

pytestmark = pytest.mark.kafka


def zone_where_it_is_mid_afternoon(now: datetime) -> str:
    """A fixed-offset zone whose local hour is 15 now: inside every contact window."""
    offset = (15 - now.hour + 12) % 24 - 12  # in [-12, 11]
    return "Etc/GMT" + (f"-{offset}" if offset > 0 else f"+{-offset}")  # POSIX signs are inverted


async def test_ticks_send_a_contact_that_falls_due_now(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path, clock="wall")
    cat = topics_for(settings)
    now = datetime.now(UTC)
    zone = zone_where_it_is_mid_afternoon(now)
    assert now.astimezone(ZoneInfo(zone)).hour in (15, 16)
    reader = Reader(kafka_bootstrap, [cat.contact_due(Channel.SMS).name])
    async with running(settings):
        # the profile must be applied before the aging snapshot (Kafka orders within a topic)
        await publish_and_wait(
            settings, cat, [AccountProfile("live-p", now, "live", zone, "en-US")]
        )
        publish(
            kafka_bootstrap,
            cat,
            [
                AgingSnapshot(
                    "live-a", now, "live", "live-loan", now.date(), 2, 5_000, 80_000, "USD", "card"
                )
            ],
        )
        await reader.until(
            lambda rs: any(isinstance(r, ContactDue) and r.customer_id == "live" for r in rs),
            "an SMS sent by the wall-clock tick",
        )
    reader.close()
    contact = next(r for r in reader.of_type(ContactDue) if r.customer_id == "live")
    assert contact.channel is Channel.SMS
    assert contact.due_at <= datetime.now(UTC) < contact.expires_at
    assert contact.amount_due == 5_000 and contact.currency == "USD"
