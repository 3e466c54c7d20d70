"""The broker killed and restarted, or frozen past every client timeout, mid-stream: the
workers wait, roll back what was in flight, and end where a clean run ends."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.chaos.broker import OwnBroker
from tests.chaos.harness import Outcome, chaos_run, outcome
from tests.chaos.stream import Stream
from tests.chaos.test_worker_kills import assert_same

pytestmark = [pytest.mark.kafka, pytest.mark.chaos, pytest.mark.timeout(900)]

# fail fast while the broker is away, so the test sees the worker's recovery, not its patience
IMPATIENT = "request.timeout.ms=5000,socket.timeout.ms=5000,message.timeout.ms=8000"


def test_a_broker_killed_twice_mid_stream_changes_nothing(
    own_broker: OwnBroker,
    unique_name: Callable[[], str],
    tmp_path: Path,
    stream: Stream,
    reference: Outcome,
) -> None:
    total = len(stream.records)
    with chaos_run(own_broker.bootstrap, unique_name(), tmp_path, stream) as run:
        run.worker("w1", kafka_options=IMPATIENT)
        for share in (0.3, 0.6):
            run.wait_lag(total * (1 - share), f"{share:.0%} done")
            own_broker.kill()
            time.sleep(2.0)  # the worker meets a dead broker mid-batch
            own_broker.start()
        run.done()
        run.stop_all()
        got = outcome(run)
    assert_same(reference, got, f"broker killed twice ({got.restarts} worker restarts)")


def test_a_broker_frozen_past_every_timeout_changes_nothing(
    own_broker: OwnBroker,
    unique_name: Callable[[], str],
    tmp_path: Path,
    stream: Stream,
    reference: Outcome,
) -> None:
    total = len(stream.records)
    with chaos_run(own_broker.bootstrap, unique_name(), tmp_path, stream) as run:
        run.worker("w1", kafka_options=IMPATIENT)
        run.wait(lambda: run.lag() <= total * 0.5, "half done")
        own_broker.freeze()
        time.sleep(15.0)  # past the request (5 s) and transaction (10 s) timeouts
        own_broker.thaw()
        run.done()
        run.stop_all()
        got = outcome(run)
    assert_same(reference, got, f"broker frozen ({got.restarts} worker restarts)")
