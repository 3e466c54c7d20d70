"""The broker refuses the worker's writes mid-stream: nothing of a refused batch is
committed (none of its outputs, nor the offsets of its inputs: one transaction), lag and
readiness say so, and once the broker
takes writes again the run ends exactly where a clean run ends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourceType,
)

from tests.chaos.harness import Outcome, chaos_run, outcome, read_committed
from tests.chaos.stream import Stream
from tests.chaos.test_worker_kills import assert_same

pytestmark = [pytest.mark.kafka, pytest.mark.chaos, pytest.mark.timeout(900)]


def set_max_message_bytes(bootstrap: str, topic: str, value: str | None) -> None:
    """``value`` None restores the broker's default."""
    op = AlterConfigOpType.DELETE if value is None else AlterConfigOpType.SET
    entry = ConfigEntry("max.message.bytes", value or "", incremental_operation=op)
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[entry])
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.incremental_alter_configs([resource]).values():
        future.result(timeout=30)


ABORTED = 'collections_transactions_total{result="aborted"}'


def committed_count(bootstrap: str, topic: str) -> int:
    return sum(1 for _ in read_committed(bootstrap, [topic]))


def test_refused_writes_commit_nothing_and_the_worker_says_so(
    kafka_bootstrap: str,
    unique_name: Callable[[], str],
    tmp_path: Path,
    stream: Stream,
    reference: Outcome,
) -> None:
    total = len(stream.records)
    with chaos_run(kafka_bootstrap, unique_name(), tmp_path, stream) as run:
        worker = run.worker("w1")
        agent_calls = run.catalogue.contact_due_topics[2].name
        assert "agent-call" in agent_calls
        run.wait(lambda: run.lag() <= total * 0.7, "30% done")
        # every contact batch is bigger; transaction markers (~80 bytes) still fit, or the
        # coordinator itself could not finish an abort
        set_max_message_bytes(kafka_bootstrap, agent_calls, "150")
        run.wait(lambda: b"commits failing" in worker.get("/ready")[1], "/ready to say so")
        assert worker.get("/ready")[0] == 503
        calls = committed_count(kafka_bootstrap, agent_calls)
        # the worker retries the refused batch from its last commit, again and again; a batch
        # that happens to hold no agent call may commit meanwhile (its writes are accepted),
        # but no agent call can (nor, in the same transaction, the inputs behind it)
        run.wait(lambda: worker.metric(ABORTED) >= 3, "three aborted transactions")
        assert committed_count(kafka_bootstrap, agent_calls) == calls, "a refused write committed"
        assert run.lag() > 0, "every input committed although agent calls were refused"
        assert worker.metric("collections_consumer_lag_messages{") > 0, "lag must not read 0"
        set_max_message_bytes(kafka_bootstrap, agent_calls, None)
        run.done()
        run.stop_all()
        got = outcome(run)
    assert_same(reference, got, "writes refused, then accepted again")
