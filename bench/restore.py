"""Restore and memory with N accounts in a worker's table.

A worker builds its state the honest way, from the simulator's profiles and a day of aging
events (every account gets a stored state). Its resident memory is read once it has caught
up. Then it is stopped (SIGTERM) and restarted twice over: on the same data dir (RocksDB
reused, only the changelog's tail is read) and on an empty data dir (the whole changelog is
replayed); each restart is timed from process spawn to ``/ready``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.cleanup import delete_topics
from bench.workers import Worker, wait_caught_up
from bench.workload import (
    create_topics,
    encoded,
    input_topics,
    produce,
    settings_for,
    simulated,
    unique,
)
from streams.core.model import AgingSnapshot, InputEvent


@dataclass
class RestoreRuns:
    accounts: int
    build_seconds: float = 0.0
    rss_empty: int = 0  # bytes, a ready worker with an empty table
    rss_full: int = 0  # bytes, the same worker after building the table
    local: list[float] = field(default_factory=list)  # restart, RocksDB kept
    changelog: list[float] = field(default_factory=list)  # restart, empty data dir

    @property
    def bytes_per_account(self) -> float:
        return (self.rss_full - self.rss_empty) / self.accounts


def run(bootstrap: str, accounts: int, restarts: int, logs: Path) -> RestoreRuns:
    name = unique("restore")
    root = Path(tempfile.mkdtemp(prefix=name))
    settings = settings_for(bootstrap, name, root / "kept")
    cat = create_topics(settings)
    runs = RestoreRuns(accounts)
    try:
        builder = Worker(settings, logs / f"{name}-build.log")
        builder.start()
        ready = builder.wait_ready()
        runs.rss_empty = builder.rss_bytes()
        produce(bootstrap, cat, encoded(_one_day(accounts)))
        runs.build_seconds = wait_caught_up(settings, input_topics(cat)) - ready
        runs.rss_full = builder.rss_bytes()
        builder.stop()
        for i in range(restarts):
            runs.local.append(_restart(Worker(settings, logs / f"{name}-local{i}.log")))
            empty = settings_for(bootstrap, name, root / f"empty{i}")
            runs.changelog.append(_restart(Worker(empty, logs / f"{name}-empty{i}.log")))
        return runs
    finally:
        shutil.rmtree(root, ignore_errors=True)
        delete_topics(bootstrap, name)


def _one_day(accounts: int) -> list[InputEvent]:
    """Profiles, then the first day's events, up to the last account's first snapshot."""
    out: list[InputEvent] = []
    snapshots = 0
    for event in simulated(accounts, days=1):
        out.append(event)
        snapshots += isinstance(event, AgingSnapshot)
        if snapshots >= accounts:
            break
    return out


def _restart(worker: Worker) -> float:
    spawned = worker.start()
    try:
        return worker.wait_ready(timeout=3600) - spawned
    finally:
        worker.stop()
