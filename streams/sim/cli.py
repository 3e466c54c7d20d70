"""The ``simulate`` subcommand: N days of simulated events as JSON Lines."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from streams.contract.codec import record_to_json
from streams.core.model import AccountProfile, AgingSnapshot, Repayment
from streams.sim.config import SimConfig
from streams.sim.simulator import stream

DEFAULTS = SimConfig()
Record = AgingSnapshot | Repayment | AccountProfile
TYPE_NAMES: dict[type[Any], str] = {
    AgingSnapshot: "aging",
    Repayment: "repayment",
    AccountProfile: "profile",
}


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``simulate``; its handler is ``args.func(args) -> int``."""
    p = subparsers.add_parser("simulate", help="write simulated loan-book events as JSON Lines")
    p.add_argument("--accounts", type=int, default=DEFAULTS.accounts)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--seed", type=int, default=DEFAULTS.seed)
    p.add_argument("--start", type=date.fromisoformat, default=DEFAULTS.start)
    p.add_argument("--currency", default=DEFAULTS.currency)
    p.add_argument("--out", default="-", help="output file, '-' for stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = SimConfig(
        accounts=args.accounts, seed=args.seed, start=args.start, currency=args.currency
    )
    records = stream(config, args.days)
    if args.out == "-":
        try:
            write_jsonl(records, sys.stdout)
        except BrokenPipeError:  # piped into `head`: stop quietly (Python docs' recipe)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    else:
        with Path(args.out).open("w", encoding="utf-8") as out:
            write_jsonl(records, out)
    return 0


def write_jsonl(records: Iterable[Record], out: TextIO) -> int:
    """One JSON object per line, each with a ``type`` field; returns the count."""
    n = 0
    for record in records:
        line = {**record_to_json(record), "type": TYPE_NAMES[type(record)]}
        out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        n += 1
    return n
