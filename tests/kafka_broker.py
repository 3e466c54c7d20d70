"""Test-side control of the local Kafka broker (deploy/local/kafka.sh)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.settings import Settings

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


@dataclass
class SecuredBroker(Broker):
    """The local broker in its SASL_SSL mode; ``secrets`` holds ca.pem and <user>.password."""

    secrets: Path = Path()

    def settings(self, role: str, **values: Any) -> Settings:
        """Settings that connect as ``role`` (a SCRAM user of kafka.sh), with ``values``."""
        return Settings(
            kafka_bootstrap=self.bootstrap,
            kafka_security_protocol="SASL_SSL",
            kafka_username=role,
            kafka_password_file=self.secrets / f"{role}.password",
            kafka_ca_file=self.secrets / "ca.pem",
            replication_factor=1,
            **values,
        )


def start_secured_broker(run_dir: Path) -> SecuredBroker:
    """A SASL_SSL broker of its own on TEST_SECURE_KAFKA_PORT (default TEST_KAFKA_PORT+10)."""
    port = int(os.environ.get("TEST_SECURE_KAFKA_PORT", 0)) or (
        int(os.environ.get("TEST_KAFKA_PORT", "29092")) + 10
    )
    env = dict(
        os.environ,
        KAFKA_PORT=str(port),
        KAFKA_CONTROLLER_PORT=str(port + 1),
        KAFKA_RUN_DIR=str(run_dir),
        KAFKA_SECURITY="sasl_ssl",
    )
    t0 = time.monotonic()
    proc = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"could not start the secured Kafka broker:\n{proc.stderr}")
    bootstrap = f"127.0.0.1:{port}"
    return SecuredBroker(bootstrap, True, time.monotonic() - t0, env, run_dir / "secrets")


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
