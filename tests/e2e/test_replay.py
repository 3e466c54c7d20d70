"""`collectctl replay`: offline, a few simulated days, the report names every tier and variant."""

from __future__ import annotations

import contextlib
import io

import pytest

from streams.cli import main
from streams.core.config import load_policy
from streams.core.model import Tier


@pytest.fixture(scope="module")
def replay_output() -> tuple[str, str]:
    """stdout and stderr of ``collectctl replay`` over 6 days of 300 accounts."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["replay", "--accounts", "300", "--days", "6", "--seed", "7"])
    assert code == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


def test_replay_report_has_a_row_for_every_variant_and_delinquent_tier(
    replay_output: tuple[str, str],
) -> None:
    report = replay_output[0]
    rows = {tuple(line.split()[:2]) for line in report.splitlines() if line.strip()}
    variants = [v.name for v in load_policy().strategy.variants]
    tiers = [t.value for t in Tier if t is not Tier.CURRENT]
    missing = [(v, t) for v in variants for t in tiers if (v, t) not in rows]
    assert not missing, report


def test_replay_report_counts_contacts_and_connects_by_channel(
    replay_output: tuple[str, str],
) -> None:
    report = replay_output[0]
    rows = {line.split()[0]: line.split()[1:] for line in report.splitlines() if line.strip()}
    for channel in ("sms", "ivr"):
        sent, connected = int(rows[channel][0]), int(rows[channel][1])
        assert sent > 0 and 0 <= connected <= sent, report


def test_replay_report_shows_the_portfolio_mix_against_the_brief(
    replay_output: tuple[str, str],
) -> None:
    report = replay_output[0]
    assert "M1-M3 delinquency ratio" in report
    assert "mild" in report and "(brief 60%)" in report
    assert "first_time" in report and "(brief 70%)" in report


def test_replay_progress_goes_to_stderr_and_the_report_to_stdout(
    replay_output: tuple[str, str],
) -> None:
    out, err = replay_output
    assert err.splitlines()[-1].startswith("replay: 6/6 days")
    assert out.startswith("replayed 6 days of 300 accounts")
