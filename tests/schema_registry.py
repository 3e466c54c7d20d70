"""Test-side control of the local schema registry (deploy/local/registry.sh, Apicurio)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy" / "local" / "registry.sh"
COMPAT_PATH = "/apis/ccompat/v6"


@dataclass
class Registry:
    url: str  # the Confluent-compatible API, e.g. http://127.0.0.1:29402/apis/ccompat/v6
    started_here: bool
    startup_seconds: float | None
    env: dict[str, str]

    def stop(self) -> None:
        if self.started_here:
            subprocess.run([str(SCRIPT), "stop"], env=self.env, check=False)

    def start(self) -> None:
        """Start it again after ``stop`` (an outage test); in-memory storage starts empty."""
        _run(self.env)


def _port() -> int:
    """$TEST_REGISTRY_PORT, or the test broker's port + 20 (one set of ports per checkout:
    +10 and +11 are the secured broker's, +50 and +51 the chaos suite's)."""
    if os.environ.get("TEST_REGISTRY_PORT"):
        return int(os.environ["TEST_REGISTRY_PORT"])
    return int(os.environ.get("TEST_KAFKA_PORT", "29092")) + 20


def start_registry(run_dir: Path, port_offset: int = 0) -> Registry:
    """Use $SCHEMA_REGISTRY_URL if set; otherwise build (once) and start a local registry.

    ``port_offset`` > 0 always starts a local one of its own (for a test that stops it)."""
    if os.environ.get("SCHEMA_REGISTRY_URL") and not port_offset:
        return Registry(os.environ["SCHEMA_REGISTRY_URL"], False, None, dict(os.environ))
    port = _port() + port_offset
    env = dict(os.environ, REGISTRY_PORT=str(port), REGISTRY_RUN_DIR=str(run_dir))
    t0 = time.monotonic()
    _run(env)
    return Registry(f"http://127.0.0.1:{port}{COMPAT_PATH}", True, time.monotonic() - t0, env)


def _run(env: dict[str, str]) -> None:
    proc = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"could not start the local schema registry:\n{proc.stderr}")
