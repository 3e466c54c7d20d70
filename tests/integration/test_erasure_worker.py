"""`collectctl forget` reaches the worker: the customer's state is tombstoned on the
changelog, gone from the worker's store and schedule, and a later event starts anew."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connectors.erasure import request_erasure
from streams.core.model import AgingSnapshot
from tests.chaos.harness import read_committed
from tests.integration.pipeline_harness import (
    pipeline_settings,
    publish_and_wait,
    running,
    topics_for,
    wait_until,
)
from tests.integration.worker_process import committed_lag

pytestmark = pytest.mark.kafka


def aging(day: int, dpd: int) -> AgingSnapshot:
    at = datetime(2026, 3, day, 1, tzinfo=UTC)
    return AgingSnapshot(
        f"a-{day}", at, "C-9", "C-9-a", date(2026, 3, day), dpd, 5_000, 90_000, "CNY", "loan"
    )


async def test_forget_tombstones_the_state_and_the_worker_forgets_the_customer(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path, store="rocksdb://")
    cat = topics_for(settings)
    async with running(settings) as pipeline:
        await publish_and_wait(settings, cat, [aging(2, 12)])
        assert pipeline.loop._lookup("C-9") is not None
        # an operator's request, stamped with today's wall clock (the worker runs on event
        # time in the past here: the request must not wait for, or move, that clock)
        request_erasure(
            {"bootstrap.servers": kafka_bootstrap},
            cat,
            "C-9",
            source="test",
            now=datetime.now(UTC),
        )
        inputs = [t.name for t in cat.inputs()]
        await wait_until(
            lambda: committed_lag(kafka_bootstrap, settings.app_id, inputs, 3) == 0,
            what="the request to be committed",
        )
        assert pipeline.loop._lookup("C-9") is None
        assert pipeline.engine.index.next_due_of(0, "C-9") is None
        assert pipeline.engine.index.next_due_of(1, "C-9") is None
        assert pipeline.engine.index.next_due_of(2, "C-9") is None
        clock = max(m.clock for m in pipeline.engine.meta.values() if m.clock is not None)
        assert clock.year == 2026 and clock.month == 3
    changelog = [
        (key, value)
        for _t, key, value, _h in read_committed(
            kafka_bootstrap, [f"{settings.app_id}-customers-changelog"]
        )
        if key == b"C-9"
    ]
    assert changelog and changelog[-1][1] is None, "the last record of the key is a tombstone"
    async with running(settings) as pipeline:  # restored from the changelog and the store
        assert pipeline.loop._lookup("C-9") is None
        await publish_and_wait(settings, cat, [aging(5, 0)])
        state = pipeline.loop._lookup("C-9")
        assert state is not None and state.accounts["C-9-a"].episodes == ()
