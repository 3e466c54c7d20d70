"""The demo's child processes: the local broker (via kafka.sh), the worker and the gateway.

Children run in their own session, so a terminal's Ctrl-C reaches only the demo, which then
stops them in order (SIGTERM, then SIGKILL after a grace period). Their output goes to log
files in the state directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.demo.scrape import fetch

ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"
STOP_GRACE_S = 30.0


class DemoError(RuntimeError):
    """The demo cannot go on (broker, worker or gateway failed to start)."""


@dataclass
class LocalBroker:
    """``deploy/local/kafka.sh``: the demo stops the broker at the end only if it started it."""

    bootstrap: str
    started_here: bool

    @classmethod
    def ensure(cls) -> LocalBroker:
        status = _kafka_sh("status")
        started = False
        if status.returncode != 0:
            sys.stderr.write("demo: starting the local Kafka broker (deploy/local/kafka.sh)\n")
            start = subprocess.run([str(KAFKA_SH), "start"], check=False)
            if start.returncode != 0:
                raise DemoError("the local broker did not start (see the lines above)")
            started = True
            status = _kafka_sh("status")
        return cls(_bootstrap_of(status.stdout), started)

    def stop(self) -> None:
        subprocess.run([str(KAFKA_SH), "stop"], check=False)


def _kafka_sh(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KAFKA_SH), action], capture_output=True, text=True, check=False)


def _bootstrap_of(status_line: str) -> str:
    """``running pid=1 bootstrap=127.0.0.1:19092 data=...`` -> ``127.0.0.1:19092``."""
    for word in status_line.split():
        if word.startswith("bootstrap="):
            return word.removeprefix("bootstrap=")
    raise DemoError(f"unexpected kafka.sh status output: {status_line!r}")


class Child:
    """One ``python -m streams.cli ...`` child process with its log file."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", *argv],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=ROOT,
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_until(
        self, ready: Callable[[], bool], timeout: float, stop: Callable[[], bool]
    ) -> None:
        """Wait until ``ready()``; DemoError if the child exits or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while not ready():
            if not self.alive():
                raise DemoError(f"{self.name} exited ({self.proc.returncode}); see {self.log}")
            if stop():
                raise KeyboardInterrupt
            if time.monotonic() > deadline:
                raise DemoError(f"{self.name} not ready after {timeout:.0f}s; see {self.log}")
            time.sleep(0.2)

    def stop(self, grace: float = STOP_GRACE_S) -> int:
        """SIGTERM, wait up to ``grace`` seconds, then SIGKILL; returns the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                sys.stderr.write(f"demo: {self.name} ignored SIGTERM for {grace:.0f}s; killing\n")
                self.proc.kill()
        return self.proc.wait()


def http_ok(url: str) -> Callable[[], bool]:
    return lambda: fetch(url) is not None


def stop_all(children: Sequence[Child]) -> None:
    """Stop ``children`` in the order given; never raises, never leaves one running."""
    for child in children:
        try:
            code = child.stop()
        except Exception as exc:  # keep stopping the others
            sys.stderr.write(f"demo: stopping {child.name} failed: {exc}\n")
            child.proc.kill()
            continue
        if code not in (0, -signal.SIGTERM):
            sys.stderr.write(f"demo: {child.name} exited with {code}; see {child.log}\n")
