"""Workers join and leave mid-stream: the outcome is a single worker's, id for id, field for
field, and every partition's work is done by its owner."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.chaos.harness import Outcome, chaos_run, outcome
from tests.chaos.stream import Stream
from tests.chaos.test_worker_kills import assert_same

pytestmark = [pytest.mark.kafka, pytest.mark.chaos, pytest.mark.timeout(900)]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_second_and_third_worker_joining_and_leaving_change_nothing(
    kafka_bootstrap: str,
    unique_name: Callable[[], str],
    tmp_path: Path,
    stream: Stream,
    reference: Outcome,
    seed: int,
) -> None:
    rng = random.Random(seed)
    total = len(stream.records)
    with chaos_run(kafka_bootstrap, unique_name(), tmp_path, stream) as run:
        run.worker("w1")
        steps = [("join", "w2"), ("join", "w3"), ("leave", "w2"), ("kill", "w3"), ("join", "w2")]
        for i, (action, name) in enumerate(steps, start=1):
            threshold = total * (1 - i / (len(steps) + 1))
            run.wait_lag(threshold, f"progress below {threshold:.0f}")
            time.sleep(rng.uniform(0.0, 1.0))
            if action == "join":
                run.worker(name)
            elif action == "leave":
                leaving = run.workers.pop(name)
                leaving.wait_ready(timeout=120)
                assert leaving.stop() == 0
            else:
                run.workers.pop(name).kill()
        run.done()
        run.stop_all()
        got = outcome(run)
    assert_same(reference, got, f"joins and leaves (seed {seed})")
