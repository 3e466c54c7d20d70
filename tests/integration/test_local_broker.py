"""deploy/local/kafka.sh: idempotent start, clean stop, clear errors instead of hangs."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.integration.worker_process import free_port
from tests.kafka_broker import SCRIPT

pytestmark = pytest.mark.kafka


def kafka_sh(
    action: str, port: int, run_dir: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        KAFKA_PORT=str(port),
        KAFKA_CONTROLLER_PORT=str(free_port()),
        KAFKA_RUN_DIR=str(run_dir),
    )
    return subprocess.run(
        [str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=timeout
    )


def broker_pids(run_dir: Path) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-f", f"{run_dir}/server.properties"], capture_output=True, text=True
    )
    return found.stdout.split()


def test_a_busy_port_is_reported_at_once_instead_of_hanging(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        # a hang would raise TimeoutExpired: the script must refuse, not wait for a broker
        result = kafka_sh("start", port, tmp_path / "run", timeout=60)
    assert result.returncode != 0
    assert f"port {port} is in use" in result.stderr
    assert broker_pids(tmp_path / "run") == []


def test_start_twice_is_one_broker_and_stop_leaves_no_process(tmp_path: Path) -> None:
    run_dir, port = tmp_path / "run", free_port()
    try:
        first = kafka_sh("start", port, run_dir)
        assert first.returncode == 0, first.stderr
        assert "ready on 127.0.0.1" in first.stderr
        pids = broker_pids(run_dir)
        assert len(pids) == 1

        second = kafka_sh("start", port, run_dir)
        assert second.returncode == 0
        assert "already running" in second.stderr
        assert broker_pids(run_dir) == pids
        assert kafka_sh("status", port, run_dir).returncode == 0
    finally:
        stopped = kafka_sh("stop", port, run_dir)
    assert stopped.returncode == 0
    assert broker_pids(run_dir) == []
    assert kafka_sh("status", port, run_dir).returncode == 3


def test_a_stale_pid_file_from_a_crashed_broker_is_not_mistaken_for_a_running_one(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "kafka.pid").write_text("999999\n")  # no such process
    status = kafka_sh("status", free_port(), run_dir)
    assert status.returncode == 3
    assert status.stdout.startswith("stopped")
