"""``collectctl demo`` and ``collectctl replay``: each sets ``func(args) -> exit code``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from streams.demo.options import DemoOptions
from streams.demo.replay_cmd import ReplayOptions, run_replay
from streams.demo.run import run_demo

DEMO = DemoOptions()
REPLAY = ReplayOptions()


def add_cli(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="the whole pipeline on the local broker, fed by the simulator, on one screen",
        description="Start the local broker (if needed), topics, one worker on event time and "
        "the file gateways; play --days simulated days (default 30, at least "
        "--seconds-per-day each: about a minute and a half) and answer the contacts, then "
        "stop everything and print a summary. Ctrl-C (or SIGTERM) stops earlier; --days 0 "
        "plays until Ctrl-C.",
    )
    demo.add_argument("--accounts", type=int, default=DEMO.accounts)
    demo.add_argument(
        "--days", type=int, default=DEMO.days, help="simulated days to play (0: until Ctrl-C)"
    )
    demo.add_argument(
        "--seconds-per-day",
        type=float,
        default=DEMO.seconds_per_day,
        help="shortest wall time per simulated day (0 = as fast as the worker goes)",
    )
    demo.add_argument("--seed", type=int, default=DEMO.seed)
    demo.add_argument(
        "--start", type=date.fromisoformat, help="first simulated day (default: tomorrow)"
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="one line per day, no screen (the default when stdout is not a terminal)",
    )
    demo.add_argument("--metrics-port", type=int, default=DEMO.metrics_port)
    demo.add_argument(
        "--keep-broker", action="store_true", help="leave the local broker running at the end"
    )
    demo.add_argument(
        "--keep-data", action="store_true", help="do not clear the previous run's topics and files"
    )
    demo.add_argument("--bootstrap", help="use this broker instead of the local one")
    demo.add_argument("--topic-prefix", default=DEMO.topic_prefix)
    demo.add_argument("--state-dir", type=Path, default=DEMO.state_dir)
    demo.add_argument("--partitions", type=int, default=DEMO.partitions)
    demo.set_defaults(func=_demo)

    replay = sub.add_parser(
        "replay",
        help="replay simulated days offline as fast as possible and print the recovery report",
    )
    replay.add_argument("--accounts", type=int, default=REPLAY.accounts)
    replay.add_argument("--days", type=int, default=REPLAY.days)
    replay.add_argument("--seed", type=int, default=REPLAY.seed)
    replay.add_argument("--strategy", type=Path, help="strategy file (default: the shipped one)")
    replay.add_argument("--compliance", default=REPLAY.compliance, help="china or us_reg_f")
    replay.set_defaults(func=_replay)


def _demo(args: argparse.Namespace) -> int:
    opts = DemoOptions(
        accounts=args.accounts,
        days=args.days,
        seconds_per_day=args.seconds_per_day,
        seed=args.seed,
        start=args.start,
        # a screen is escape codes: into a file or a pipe go plain lines instead
        headless=args.headless or not sys.stdout.isatty(),
        metrics_port=args.metrics_port,
        keep_broker=args.keep_broker,
        keep_data=args.keep_data,
        bootstrap=args.bootstrap,
        topic_prefix=args.topic_prefix,
        state_dir=args.state_dir,
        partitions=args.partitions,
    )
    return run_demo(opts)


def _replay(args: argparse.Namespace) -> int:
    opts = ReplayOptions(args.accounts, args.days, args.seed, args.strategy, args.compliance)
    return run_replay(opts)
