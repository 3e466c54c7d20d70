"""``collectctl replay``: simulated days through the engine offline, then the report."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from streams.core.config import load_policy
from streams.core.parsing import ConfigError
from streams.replay import format_report, replay
from streams.sim import SimConfig


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    accounts: int = 5000
    days: int = 90
    seed: int = 7
    strategy: Path | None = None
    compliance: str = "china"


class ProgressLine:
    """Days done and events per second on stderr: rewritten in place on a terminal, else
    one line per tenth of the run."""

    def __init__(self, days: int, err: TextIO) -> None:
        self.days = days
        self.err = err
        self.done = 0
        self.every = 1 if err.isatty() else max(1, days // 10)
        self.t0 = time.perf_counter()

    def __call__(self, day: date, events: int) -> None:
        self.done += 1
        if self.done % self.every and self.done != self.days:
            return
        rate = events / max(1e-9, time.perf_counter() - self.t0)
        line = (
            f"replay: {self.done}/{self.days} days (up to {day}), {events:,} events, "
            f"{rate:,.0f} events/s"
        )
        if self.err.isatty():
            end = "\n" if self.done == self.days else ""
            self.err.write(f"\r{line}{end}")
        else:
            self.err.write(line + "\n")
        self.err.flush()


def run_replay(opts: ReplayOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    # the streams are looked up at call time: a default bound at import would miss redirection
    out, err = out or sys.stdout, err or sys.stderr
    try:
        policy = load_policy(opts.strategy, opts.compliance)
    except (ConfigError, OSError) as exc:
        err.write(f"collectctl replay: invalid configuration: {exc}\n")
        return 2
    config = SimConfig(accounts=opts.accounts, seed=opts.seed)
    report = replay(config, opts.days, policy, progress=ProgressLine(opts.days, err))
    out.write(format_report(report) + "\n")
    return 0
