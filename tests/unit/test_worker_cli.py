"""An invalid strategy file never starts a worker: exit 2 with the file, path and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.cli import main


def test_a_worker_refuses_an_invalid_strategy_file_before_touching_kafka(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "strategy.yaml"
    bad.write_text("version: 1\nvariants:\n  - name: champion\n    weight: -1\n")
    assert main(["worker", "--strategy", str(bad), "--bootstrap", "127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "invalid configuration" in err
    assert str(bad) in err
