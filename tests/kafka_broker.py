"""Test-side control of the local Kafka broker (deploy/local/kafka.sh)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy" / "local" / "kafka.sh"


@dataclass
class Broker:
    bootstrap: str
    started_here: bool
    startup_seconds: float | None
    env: dict[str, str]

    def stop(self) -> None:
        if self.started_here:
            subprocess.run([str(SCRIPT), "stop"], env=self.env, check=False)


def start_broker(run_dir: Path) -> Broker:
    """Use KAFKA_BOOTSTRAP if set; otherwise start a fresh broker in ``run_dir``."""
    if os.environ.get("KAFKA_BOOTSTRAP"):
        return Broker(os.environ["KAFKA_BOOTSTRAP"], False, None, dict(os.environ))
    port = os.environ.get("TEST_KAFKA_PORT", "29092")
    env = dict(os.environ, KAFKA_PORT=port, KAFKA_RUN_DIR=str(run_dir))
    t0 = time.monotonic()
    proc = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"could not start the local Kafka broker:\n{proc.stderr}")
    return Broker(f"127.0.0.1:{port}", True, time.monotonic() - t0, env)
