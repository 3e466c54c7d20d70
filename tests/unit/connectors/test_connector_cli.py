import argparse
from pathlib import Path

import pytest

from connectors.cli import add_cli, run_callbacks, run_gateway, run_publish


@pytest.fixture
def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="collectctl")
    add_cli(parser.add_subparsers(dest="command", required=True))
    return parser


def test_publish_takes_a_kind_a_file_and_an_optional_reject_file(
    parser: argparse.ArgumentParser,
) -> None:
    args = parser.parse_args(["publish", "aging", "a.csv", "--rejects", "r.jsonl"])
    assert (args.func, args.kind, args.file, args.rejects) == (
        run_publish,
        "aging",
        Path("a.csv"),
        Path("r.jsonl"),
    )


def test_publish_refuses_an_unknown_kind(parser: argparse.ArgumentParser) -> None:
    with pytest.raises(SystemExit):
        parser.parse_args(["publish", "payments", "a.csv"])


def test_gateway_collects_repeated_channel_options(parser: argparse.ArgumentParser) -> None:
    args = parser.parse_args(["gateway", "--channel", "sms=file:-", "--channel", "ivr=file:-"])
    assert (args.func, args.channel) == (run_gateway, ["sms=file:-", "ivr=file:-"])


def test_callbacks_default_to_loopback(parser: argparse.ArgumentParser) -> None:
    args = parser.parse_args(["callbacks"])
    assert (args.func, args.host, args.port) == (run_callbacks, "127.0.0.1", None)
