"""The ``simulate`` subcommand writes JSON Lines with a ``type`` field."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

from streams.sim import SimConfig, add_cli, stream
from streams.sim.cli import write_jsonl


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="collectctl")
    add_cli(parser.add_subparsers(dest="command"))
    return parser


def test_simulate_writes_profiles_then_days_one_object_per_line(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    args = _parser().parse_args(
        ["simulate", "--accounts", "50", "--days", "3", "--seed", "5", "--out", str(out)]
    )
    assert args.func(args) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "profile"
    assert kinds.count("aging") == (1 + 3) * 50  # the opening book, then three days
    assert set(kinds) <= {"profile", "aging", "repayment"}
    aging = next(line for line in lines if line["type"] == "aging")
    assert aging["occurred_at"].endswith("Z") and isinstance(aging["days_past_due"], int)


def test_the_json_lines_follow_the_stream_one_for_one() -> None:
    config = SimConfig(accounts=30, seed=2)
    buffer = io.StringIO()
    count = write_jsonl(stream(config, 2), buffer)
    ids = [json.loads(line)["event_id"] for line in buffer.getvalue().splitlines()]
    assert count == len(ids)
    assert ids == [e.event_id for e in stream(config, 2)]
