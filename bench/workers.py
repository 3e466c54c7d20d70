"""Worker subprocesses (`collectctl worker`) and the consumer group's committed lag."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from streams.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Worker:
    """One `collectctl worker` process with its own metrics port and data dir."""

    def __init__(self, settings: Settings, log_path: Path) -> None:
        self.settings = settings
        self.port = free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Spawn the process; returns the monotonic start time."""
        env = {**os.environ, **replace(self.settings, metrics_port=self.port).to_env()}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", "worker", "--loglevel", "warning"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return time.monotonic()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def ready(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/ready"
            with urllib.request.urlopen(url, timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 600.0, poll: float = 0.05) -> float:
        """Block until /ready answers 200; returns the monotonic time it did."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited ({self.proc.returncode}); see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker not ready after {timeout}s; see {self.log_path}")
            time.sleep(poll)
        return time.monotonic()

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        """SIGTERM (the worker finishes its batch and leaves the group), SIGKILL after 60 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def committed_lag(bootstrap: str, group: str, topics: list[str], partitions: int) -> int:
    """Messages of ``topics`` the consumer group has not committed yet."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        tps = [TopicPartition(t, p) for t in topics for p in range(partitions)]
        lag = 0
        for tp in consumer.committed(tps, timeout=10):
            _low, high = consumer.get_watermark_offsets(tp, timeout=10)
            lag += high - max(tp.offset, 0)
        return lag
    finally:
        consumer.close()


class LagWatch:
    """The group's committed lag on input that is all on the broker already: the end offsets
    are read once, then each reading is one request for the committed offsets (a reading
    every 50 ms costs the broker little and adds at most that much to a timing)."""

    def __init__(self, settings: Settings, topics: list[str]) -> None:
        self.consumer = Consumer(
            {"bootstrap.servers": settings.kafka_bootstrap, "group.id": settings.app_id}
        )
        self.tps = [TopicPartition(t, p) for t in topics for p in range(settings.partitions)]
        self.ends = [self.consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in self.tps]

    def lag(self) -> int:
        committed = self.consumer.committed(self.tps, timeout=10)
        return sum(end - max(tp.offset, 0) for tp, end in zip(committed, self.ends, strict=True))

    def wait(
        self, done: Callable[[int], bool], timeout: float = 1800.0, poll: float = 0.05
    ) -> tuple[float, int]:
        """Block until ``done(lag)``; returns (monotonic time it was seen, the lag then)."""
        deadline = time.monotonic() + timeout
        while not done(lag := self.lag()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"lag {lag} after {timeout}s")
            time.sleep(poll)
        return time.monotonic(), lag

    def close(self) -> None:
        self.consumer.close()


def wait_caught_up(settings: Settings, topics: list[str], timeout: float = 1800.0) -> float:
    """Block until the group's committed lag is 0; returns the monotonic time it was seen."""
    watch = LagWatch(settings, topics)
    try:
        return watch.wait(lambda lag: lag == 0, timeout)[0]
    finally:
        watch.close()
