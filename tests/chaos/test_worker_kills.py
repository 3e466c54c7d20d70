"""SIGKILL the worker again and again mid-stream: nothing lost, nothing twice, same outcome."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.chaos.harness import Outcome, chaos_run, differences, outcome
from tests.chaos.stream import Stream

pytestmark = [pytest.mark.kafka, pytest.mark.chaos, pytest.mark.timeout(900)]


def assert_same(reference: Outcome, got: Outcome, what: str) -> None:
    assert got.conflicts == [], f"{what}: ids reused for other content: {got.conflicts[:3]}"
    assert got.states == reference.states, f"{what}:\n{differences(reference, got)}"
    assert got.outputs == reference.outputs, f"{what}:\n{differences(reference, got)}"
    assert set(got.dead_letters) == set(reference.dead_letters), differences(reference, got)
    assert max(got.dead_letters.values()) == 1, f"{what}: an input dead-lettered twice"


def test_the_clean_run_is_deterministic_and_dead_letters_every_poison_record_once(
    kafka_bootstrap: str,
    unique_name: Callable[[], str],
    tmp_path: Path,
    stream: Stream,
    reference: Outcome,
) -> None:
    with chaos_run(kafka_bootstrap, unique_name(), tmp_path, stream) as run:
        run.worker("w1")
        run.done()
        run.stop_all()
        again = outcome(run)
    assert_same(reference, again, "second clean run")
    assert sum(reference.dead_letters.values()) >= stream.poison


def test_ten_sigkills_at_random_points_change_nothing(
    kafka_bootstrap: str,
    unique_name: Callable[[], str],
    tmp_path: Path,
    stream: Stream,
    reference: Outcome,
) -> None:
    rng = random.Random(2026)
    total = len(stream.records)
    with chaos_run(kafka_bootstrap, unique_name(), tmp_path, stream) as run:
        worker = run.worker("w1")
        kills = 0
        for step in range(1, 13):
            threshold = total * (1 - step / 13)
            run.wait_lag(threshold, f"progress below {threshold:.0f}")
            time.sleep(rng.uniform(0.0, 0.4))  # somewhere inside a batch or its commit
            worker.kill()
            kills += 1
            worker = run.worker("w1")
            if step % 4 == 0:  # and some while it restores and joins the group
                time.sleep(rng.uniform(0.5, 2.0))
                worker.kill()
                kills += 1
                worker = run.worker("w1")
        run.done()
        run.stop_all()
        got = outcome(run)
    assert kills >= 10
    assert_same(reference, got, f"after {kills} kills")
