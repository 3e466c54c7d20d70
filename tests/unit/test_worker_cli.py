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


def test_quiet_logging_stops_libraries_from_building_debug_records() -> None:
    import logging

    from streams.worker import QUIET_LOGGERS, quiet_logging

    names = ["", "faust.tables.recovery", *QUIET_LOGGERS]
    saved = {n: logging.getLogger(n).level for n in names}
    try:
        logging.getLogger().setLevel(logging.DEBUG)  # what mode leaves behind
        quiet_logging(logging.INFO)
        assert not logging.getLogger("faust.tables.recovery").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("aiokafka.producer").isEnabledFor(logging.INFO)
        assert logging.getLogger("streams.worker").isEnabledFor(logging.INFO)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
