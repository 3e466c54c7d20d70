"""`collectctl`: one command for every job of the pipeline.

Each feature module registers its own subcommands through ``add_cli(subparsers)``; this
module only assembles them, so ``collectctl --help`` lists everything there is.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

# modules that contribute subcommands, in help order
_FEATURES = (
    "streams.contract.admin",
    "streams.contract.acl_admin",
    "streams.worker",
    "connectors.cli",
    "streams.sim.cli",
    "streams.demo.cli",
)

KAFKA_SH = Path(__file__).resolve().parents[1] / "deploy" / "local" / "kafka.sh"


def _broker(args: argparse.Namespace) -> int:
    return subprocess.call([str(KAFKA_SH), args.action])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collectctl", description="Live collections pipeline: run, feed and inspect it."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    broker = sub.add_parser("broker", help="control the local Kafka broker (deploy/local)")
    broker.add_argument("action", choices=["install", "start", "stop", "status", "restart"])
    broker.set_defaults(func=_broker)
    for name in _FEATURES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # feature not built yet
            raise
        module.add_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code = args.func(args)
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
