from __future__ import annotations

import argparse
from pathlib import Path

from streams.contract.admin import (
    TopicReport,
    TopicStatus,
    add_cli,
    client_of,
    run_check,
    topic_config,
)
from streams.contract.catalogue import catalogue
from streams.settings import Settings


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser()
    add_cli(root.add_subparsers(dest="command"), Settings(kafka_bootstrap="10.0.0.1:9092"))
    return root


def test_topics_create_takes_bootstrap_and_sizes_from_settings() -> None:
    args = parser().parse_args(["topics", "create"])
    assert client_of(args) == {"bootstrap.servers": "10.0.0.1:9092"}
    assert (args.partitions, args.replication_factor, args.prefix) == (6, 3, "")


def test_topics_check_accepts_an_explicit_bootstrap_and_prefix() -> None:
    args = parser().parse_args(["topics", "check", "--bootstrap", "b:1", "--prefix", "t1-"])
    assert (client_of(args)["bootstrap.servers"], args.prefix, args.func) == (
        "b:1",
        "t1-",
        run_check,
    )


def test_topics_commands_take_the_security_flags_over_the_settings(tmp_path: Path) -> None:
    secret = tmp_path / "admin.password"
    secret.write_text("s3cret\n")
    argv = ["topics", "check", "--security-protocol", "sasl_plaintext", "--sasl-username", "ops"]
    args = parser().parse_args([*argv, "--sasl-password-file", str(secret)])
    config = client_of(args)
    assert config["security.protocol"] == "sasl_plaintext"
    assert (config["sasl.username"], config["sasl.password"]) == ("ops", "s3cret")


def test_compacted_topics_get_compaction_and_others_deletion_with_retention() -> None:
    cat = catalogue()
    assert topic_config(cat.account_profiles) == {"cleanup.policy": "compact", "retention.ms": "-1"}
    assert topic_config(cat.repayments) == {
        "cleanup.policy": "delete",
        "retention.ms": str(30 * 24 * 3600 * 1000),
    }


def test_a_report_with_drift_is_not_ok_and_prints_one_line_per_topic() -> None:
    report = TopicReport(
        (
            TopicStatus("a", "created"),
            TopicStatus("b", "ok"),
            TopicStatus("c", "drift", ("partitions 3 != 6",)),
        )
    )
    assert not report.ok
    assert report.lines() == ["a: created", "b: ok", "c: drift: partitions 3 != 6"]


def test_a_report_of_created_and_ok_topics_is_ok() -> None:
    assert TopicReport((TopicStatus("a", "created"), TopicStatus("b", "ok"))).ok
