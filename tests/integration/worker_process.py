"""Run `collectctl worker` as a real OS process (for SIGKILL, restarts and live scrapes).

The process handling is the benchmarks' (``bench.workers``); tests add an HTTP getter, a
SIGKILL and a stop that fails the test when the worker does not shut down cleanly.
"""

from __future__ import annotations

import signal
import subprocess
import urllib.error
import urllib.request

from bench.workers import Worker, committed_lag, free_port

__all__ = ["WorkerProcess", "committed_lag", "free_port"]


class WorkerProcess(Worker):
    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=2) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    def metric(self, prefix: str) -> float:
        """The sum of the scraped samples whose line starts with ``prefix`` (name{labels)."""
        text = self.get("/metrics")[1].decode()
        lines = [line for line in text.splitlines() if line.startswith(prefix)]
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> int:  # type: ignore[override]
        """SIGTERM and wait: a clean shutdown exits by itself; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise AssertionError(
                    f"worker ignored SIGTERM for 60s; see {self.log_path}"
                ) from None
        return self.proc.returncode
