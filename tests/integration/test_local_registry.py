"""deploy/local/registry.sh: idempotent start, clean stop, a busy port reported at once."""

from __future__ import annotations

import os
import socket
import subprocess
import urllib.request
from pathlib import Path

from tests.integration.worker_process import free_port
from tests.schema_registry import COMPAT_PATH, SCRIPT


def registry_sh(
    action: str, port: int, run_dir: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REGISTRY_PORT=str(port), REGISTRY_RUN_DIR=str(run_dir))
    return subprocess.run(
        [str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=timeout
    )


def pid_of(run_dir: Path) -> str | None:
    pidfile = run_dir / "registry.pid"
    return pidfile.read_text().strip() if pidfile.exists() else None


def alive(pid: str) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_a_busy_port_is_reported_at_once_instead_of_hanging(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = registry_sh("start", port, tmp_path / "run", timeout=60)
    assert result.returncode != 0
    assert f"port {port} is in use" in result.stderr
    assert pid_of(tmp_path / "run") is None


def test_start_twice_is_one_registry_serving_the_compat_api_and_stop_ends_it(
    tmp_path: Path,
) -> None:
    run_dir, port = tmp_path / "run", free_port()
    try:
        first = registry_sh("start", port, run_dir)
        assert first.returncode == 0, first.stderr
        pid = pid_of(run_dir)
        assert pid is not None and alive(pid)
        url = f"http://127.0.0.1:{port}{COMPAT_PATH}/subjects"
        with urllib.request.urlopen(url, timeout=5) as resp:
            assert resp.status == 200

        second = registry_sh("start", port, run_dir)
        assert second.returncode == 0
        assert f"already running (pid {pid})" in second.stderr
        assert registry_sh("status", port, run_dir).returncode == 0
    finally:
        stop = registry_sh("stop", port, run_dir)
    assert stop.returncode == 0
    assert not alive(pid)
    assert registry_sh("status", port, run_dir).returncode == 3
