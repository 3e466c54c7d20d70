import argparse
from pathlib import Path

import pytest

from connectors.cli import add_cli, listen_address, metrics_address, run_gateway, run_publish
from streams.settings import Settings


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


def test_callbacks_listen_on_loopback_unless_the_settings_or_flags_say_otherwise(
    parser: argparse.ArgumentParser,
) -> None:
    default = Settings()
    args = parser.parse_args(["callbacks"])
    assert listen_address(args, default) == ("127.0.0.1", default.web_port + 1)
    assert listen_address(args, Settings(bind_host="10.1.2.3")) == ("10.1.2.3", 6067)
    args = parser.parse_args(["callbacks", "--host", "::1", "--port", "8443"])
    assert listen_address(args, default) == ("::1", 8443)


def test_gateway_metrics_listen_on_the_bind_host_loopback_by_default(
    parser: argparse.ArgumentParser,
) -> None:
    args = parser.parse_args(["gateway", "--channel", "sms=file:-"])
    assert metrics_address(args, Settings()) == ("127.0.0.1", 9465)
    args = parser.parse_args(["gateway", "--channel", "sms=file:-", "--metrics-port", "9"])
    assert metrics_address(args, Settings(bind_host="10.0.0.5")) == ("10.0.0.5", 9)
