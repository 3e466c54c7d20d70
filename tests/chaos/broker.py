"""A broker of the chaos suite's own (so killing it leaves the session's broker alone)."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.kafka_broker import SCRIPT


@dataclass
class OwnBroker:
    run_dir: Path
    port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return dict(os.environ, KAFKA_PORT=str(self.port), KAFKA_RUN_DIR=str(self.run_dir))

    def start(self) -> None:
        proc = subprocess.run(
            [str(SCRIPT), "start"], env=self._env(), capture_output=True, text=True, timeout=180
        )
        assert proc.returncode == 0, f"broker did not start:\n{proc.stderr}"

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop"], env=self._env(), capture_output=True, timeout=120)

    def pid(self) -> int:
        return int((self.run_dir / "kafka.pid").read_text().strip())

    def kill(self) -> None:
        """SIGKILL: no flush, no controlled shutdown; the next start recovers its logs."""
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)

    def freeze(self) -> None:
        os.kill(self.pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid(), signal.SIGCONT)


def _wait_gone(pid: int) -> None:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"broker {pid} survived SIGKILL")
