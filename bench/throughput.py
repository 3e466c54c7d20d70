"""Throughput of the real pipeline: N worker processes in one group, input already on the broker.

Timed from the first worker's readiness (start of consumption) to a committed lag of 0 on
every input topic; start-up (process spawn to ready) is reported separately. Per-worker
throughput is the total divided by the number of workers.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.cleanup import delete_topics
from bench.profile import Sampler
from bench.workers import Worker, wait_caught_up
from bench.workload import Record, create_topics, input_topics, produce, settings_for, unique


@dataclass(frozen=True)
class ThroughputRun:
    workers: int
    events: int
    seconds: float
    startup: float

    @property
    def per_worker(self) -> float:
        return self.events / self.seconds / self.workers


def run(
    bootstrap: str, records: list[Record], workers: int, logs: Path, profile: Path | None = None
) -> ThroughputRun:
    name = unique(f"tp{workers}")
    root = Path(tempfile.mkdtemp(prefix=name))
    settings = settings_for(bootstrap, name, root / "w0")
    cat = create_topics(settings)
    n = produce(bootstrap, cat, records)
    procs = [
        Worker(settings_for(bootstrap, name, root / f"w{i}"), logs / f"{name}-w{i}.log")
        for i in range(workers)
    ]
    try:
        spawned = min(w.start() for w in procs)
        first_ready = min(_first_ready(procs))
        sampler = Sampler(procs[0].pid, profile) if profile is not None else None
        done = wait_caught_up(settings, input_topics(cat))
        if sampler is not None:
            sampler.stop()
        return ThroughputRun(workers, n, done - first_ready, first_ready - spawned)
    finally:
        for w in procs:
            w.stop()
        shutil.rmtree(root, ignore_errors=True)
        delete_topics(bootstrap, name)


def _first_ready(procs: list[Worker]) -> list[float]:
    """Readiness times: the first worker to be ready starts consuming; wait for all."""
    times: dict[int, float] = {}
    while len(times) < len(procs):
        for i, w in enumerate(procs):
            if i not in times and w.ready():
                times[i] = time.monotonic()
            elif w.proc is not None and w.proc.poll() is not None:
                raise RuntimeError(f"worker {i} exited; see {w.log_path}")
        time.sleep(0.02)
    return list(times.values())
