"""The chaos suite: real worker processes, killed, rebalanced, starved of Kafka; every verdict
compares with one clean run over the same byte-identical input."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos.broker import OwnBroker
from tests.chaos.harness import Outcome, chaos_run, outcome
from tests.chaos.stream import Stream, chaos_stream

ACCOUNTS, DAYS = 1500, 20


@pytest.fixture(scope="session")
def stream() -> Stream:
    return chaos_stream(ACCOUNTS, DAYS, partitions=3)


@pytest.fixture(scope="session")
def reference(
    kafka_bootstrap: str, stream: Stream, tmp_path_factory: pytest.TempPathFactory
) -> Outcome:
    """One worker, nothing broken: what every run must end with."""
    tmp: Path = tmp_path_factory.mktemp("reference")
    with chaos_run(kafka_bootstrap, f"ref{uuid.uuid4().hex[:8]}", tmp, stream) as run:
        run.worker("w1")
        run.done()
        run.stop_all()
        result = outcome(run)
    assert result.conflicts == [] and not result.duplicates
    assert len(result.states) > 1000 and len(result.outputs) > 1000
    return result


@pytest.fixture(scope="module")
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnBroker]:
    """A second broker, for the tests that kill or freeze it (port: the session's + 50)."""
    port = int(os.environ.get("TEST_KAFKA_PORT", "29092")) + 50
    broker = OwnBroker(tmp_path_factory.mktemp("own-kafka"), port)
    broker.start()
    try:
        yield broker
    finally:
        with contextlib.suppress(OSError, ValueError):
            broker.thaw()  # a test that failed while it was frozen
        broker.stop()
