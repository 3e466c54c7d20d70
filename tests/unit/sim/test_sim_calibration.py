"""Calibration under the stand-in contact schedule against the brief's recovery targets."""

from __future__ import annotations

import pytest

from streams.core.model import Channel, Tier
from streams.sim import Calibration, SimConfig, calibrate, stand_in_channel


@pytest.fixture(scope="module")
def calibration() -> Calibration:
    return calibrate(SimConfig(accounts=6000, seed=7), days=120)


@pytest.mark.parametrize(
    ("tier", "low", "high"),
    [
        (Tier.MILD, 0.85, 0.97),  # brief: > 90 %
        (Tier.MODERATE, 0.62, 0.85),  # brief: 70-80 %
        (Tier.HEAVY, 0.40, 0.68),  # brief: 50-60 %
        (Tier.SEVERE, 0.20, 0.65),  # brief: 30-40 %; few entrants in a short run (n=34)
    ],
)
def test_recovery_per_tier_lands_near_the_brief_targets(
    calibration: Calibration, tier: Tier, low: float, high: float
) -> None:
    assert calibration.recovery[tier].entered >= 15
    assert low <= calibration.rates()[tier] <= high


def test_recovery_falls_with_each_tier(calibration: Calibration) -> None:
    rates = calibration.rates()
    assert rates[Tier.MILD] > rates[Tier.MODERATE] > rates[Tier.HEAVY]


def test_the_stand_in_contacts_lift_recovery_over_no_contact() -> None:
    config = SimConfig(accounts=3000, seed=3)
    with_contacts = calibrate(config, days=45).rates()
    without = calibrate(config, days=45, contacts=False).rates()
    assert with_contacts[Tier.MILD] > without[Tier.MILD] + 0.05
    assert with_contacts[Tier.MODERATE] > without[Tier.MODERATE]


def test_the_book_stays_mostly_current_under_the_stand_in(calibration: Calibration) -> None:
    assert 0.84 <= calibration.current_share_end <= 0.95
    assert calibration.overdue_mix_end[Tier.MILD] > 0.4


@pytest.mark.parametrize(
    ("tier", "attempts", "channels"),
    [
        (Tier.MILD, 2, {Channel.SMS, Channel.IVR}),
        (Tier.MODERATE, 2, {Channel.AGENT_CALL, Channel.SMS}),
        (Tier.HEAVY, 3, {Channel.AGENT_CALL, Channel.FIELD_VISIT}),
        (Tier.SEVERE, 4, {Channel.LEGAL_LETTER, Channel.AGENT_CALL}),
    ],
)
def test_the_stand_in_schedule_follows_the_brief_channels_per_tier(
    tier: Tier, attempts: int, channels: set[Channel]
) -> None:
    assert {stand_in_channel(tier, k) for k in range(attempts)} == channels
