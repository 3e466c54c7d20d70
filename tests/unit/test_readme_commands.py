"""The README's commands work in a clean shell as written."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from streams.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"```([\w-]*)\n(.*?)```", re.DOTALL)


def shell_lines(path: Path) -> list[str]:
    """Lines of the shell blocks (```bash or a bare fence; ```text is a picture)."""
    blocks = [body for lang, body in FENCE.findall(path.read_text(encoding="utf-8"))
              if lang in ("", "bash", "sh")]  # fmt: skip
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


BARE = re.compile(r"(?<![/\w.-])collectctl\b")
RUN = re.compile(r"\.venv/bin/collectctl\s+(\S+)")


def commands(path: Path) -> list[str]:
    """The shell lines, without their comments."""
    return [line.split("#", 1)[0] for line in shell_lines(path)]


def test_no_readme_command_expects_collectctl_on_the_path() -> None:
    bare = [line for line in commands(ROOT / "README.md") if BARE.search(line)]
    assert bare == [], "a clean shell has no collectctl on its PATH: use .venv/bin/collectctl"


def test_every_collectctl_subcommand_the_readme_runs_exists() -> None:
    subparsers = build_parser()._subparsers
    assert subparsers is not None
    choices = subparsers._group_actions[0].choices
    assert choices is not None
    used = {m.group(1) for line in commands(ROOT / "README.md") for m in RUN.finditer(line)}
    assert used and used <= set(choices)


def test_make_replay_needs_no_broker_and_no_system_setup() -> None:
    plan = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "replay"], capture_output=True, text=True, check=True
    ).stdout
    assert "collectctl replay" in plan
    assert "kafka.sh" not in plan and "install-system" not in plan
