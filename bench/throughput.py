"""Throughput of the real pipeline: N worker processes in one group, input already on the broker.

The group's committed lag is read every 50 ms. Throughput is what was committed from the
first commit seen to the last (the committed lag then over the time to a lag of 0): the
steady rate, as the baseline's is taken from its first commit to its last. With several
workers the first one ready takes every partition until the others join, so their window
opens at the first commit after all of them answered ready together (the rebalance done).
Also reported: from the first worker's readiness to a lag of 0 (``ready_rate``: adds the
first fetch, ~0.5-1 s, and the first batch), and start-up (process spawn to ready).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.cleanup import delete_topics
from bench.profile import Sampler
from bench.workers import LagWatch, Worker
from bench.workload import Record, create_topics, input_topics, produce, settings_for, unique


@dataclass(frozen=True)
class ThroughputRun:
    workers: int
    events: int  # committed between the first commit seen and the last
    seconds: float
    startup: float
    ready_rate: float  # all events over the time from readiness to a lag of 0
    cpu: float  # CPU seconds the workers used in the timed window, all of them together

    @property
    def total(self) -> float:
        return self.events / self.seconds

    @property
    def per_worker(self) -> float:
        return self.total / self.workers

    @property
    def per_cpu_second(self) -> float:
        """Events per CPU-second of the workers: what a worker does with a core of its own,
        whatever else the machine was running."""
        return self.events / self.cpu


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
    watch = LagWatch(settings, input_topics(cat))
    try:
        spawned = min(w.start() for w in procs)
        first_ready = min(_first_ready(procs))
        sampler = Sampler(procs[0].pid, profile) if profile is not None else None
        if workers > 1:  # the group settled: every worker ready at once, then a commit
            _all_ready(procs)
            settled = watch.lag()
            first, left = watch.wait(lambda lag: lag < settled)
        else:
            first, left = watch.wait(lambda lag: lag < n)
        cpu = sum(w.cpu_seconds() for w in procs)
        done, _ = watch.wait(lambda lag: lag == 0)
        cpu = sum(w.cpu_seconds() for w in procs) - cpu
        if sampler is not None:
            sampler.stop()
        return ThroughputRun(
            workers, left, done - first, first_ready - spawned, n / (done - first_ready), cpu
        )
    finally:
        watch.close()
        for w in procs:
            w.stop()
        shutil.rmtree(root, ignore_errors=True)
        delete_topics(bootstrap, name)


def _all_ready(procs: list[Worker], timeout: float = 120.0) -> None:
    """Block until every worker answers ready in one sweep (no rebalance under way)."""
    deadline = time.monotonic() + timeout
    while not all(w.ready() for w in procs):
        if time.monotonic() > deadline:
            raise RuntimeError("the workers were never ready together")
        time.sleep(0.02)


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
