"""The supply chain as committed: locked with hashes, installed from the lock, image pinned."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tools.audit_deps import pins

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = (ROOT / "requirements" / "runtime.txt").read_text()
DEV = (ROOT / "requirements" / "dev.txt").read_text()
DOCKERFILE = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def name_of(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.parametrize("lock", [RUNTIME, DEV], ids=["runtime", "dev"])
def test_every_locked_package_has_hashes(lock: str) -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock)
    locked = [b for b in blocks if "==" in b.split("\n", 1)[0]]
    assert len(locked) == len(pins(lock)) > 20
    assert [b.split()[0] for b in locked if "--hash=sha256:" not in b] == []


def test_every_dependency_of_the_project_is_in_the_locks() -> None:
    runtime = {name for name, _ in pins(RUNTIME)}
    dev = {name for name, _ in pins(DEV)}
    assert {name_of(r) for r in PROJECT["dependencies"]} <= runtime
    assert {name_of(r) for r in PROJECT["optional-dependencies"]["dev"]} <= dev


def test_development_runs_the_same_runtime_versions_as_the_image() -> None:
    dev = dict(pins(DEV))
    assert {n: v for n, v in pins(RUNTIME) if dev.get(n) != v} == {}


def test_the_makefile_installs_only_from_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install -q --require-hashes -r $(LOCK)" in makefile
    assert "pip install -q --no-deps --no-build-isolation -e ." in makefile
    assert "test: setup-test lint typecheck audit" in makefile


def test_the_image_base_is_pinned_by_digest_and_the_processes_do_not_run_as_root() -> None:
    [base] = [line for line in DOCKERFILE.splitlines() if line.startswith("FROM ")]
    assert re.fullmatch(r"FROM [\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", base)
    users = [line.split()[1] for line in DOCKERFILE.splitlines() if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "--require-hashes -r requirements/runtime.txt" in DOCKERFILE
