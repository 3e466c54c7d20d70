"""Offline replay speed: simulated history through the engine and core at event time."""

from __future__ import annotations

from streams.core.config import load_policy
from streams.replay import replay
from streams.sim import SimConfig


def run(accounts: int, days: int) -> tuple[int, float]:
    """Returns (events, events per second)."""
    report = replay(SimConfig(accounts=accounts), days, load_policy(None, "china"))
    return report.events, report.events_per_second
