"""Simulator settings: book mix, customer behaviour and channel effects, with the brief's defaults.

Every figure here is a default, taken from the mission brief where it gives one:
tier mix of overdue accounts 60/25/10/5 %, customer types 70/25/5 %, SMS +15-20 % on-time
repayment for mild accounts, voice +10-15 % connect rate, field visits +20-30 % success on
hard cases, legal letters: 20-30 % of long-overdue customers get in touch. The daily hazards
are calibrated so that, under a contact every two days (``streams.sim.calibration``), the
share of accounts entering each tier that get back to current lands near the brief's
targets (mild > 90 %, moderate 70-80 %, heavy 50-60 %, severe 30-40 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from streams.core.model import Channel, CustomerType, Tier


@dataclass(frozen=True, slots=True)
class TypeBehaviour:
    """How one hidden customer type behaves."""

    share: float  # share of customers of this type
    miss_rate: float  # daily chance that a current account misses a due date
    pay_mult: float  # multiplier on the daily repayment hazard and on pay-now chances
    full_share: float  # share of repayments that clear the whole overdue amount
    promise_mult: float  # multiplier on the chance to promise when reached
    keep_full: float  # chance a promise is kept in full
    keep_partial: float  # chance a promise is kept in part (else broken)
    refuse: float  # chance to refuse when reached and not promising
    plan_keep: float = 0.0  # chance each instalment of an agreed repayment plan is paid


@dataclass(frozen=True, slots=True)
class ChannelBehaviour:
    """How customers react to one channel."""

    reach: float  # delivered (SMS, letter, visit made) or answered (voice)
    talk: float  # given reach: a conversation with the customer (right party / call-back)
    promise: float  # given a conversation: a promise to pay
    pay_now: float  # given reach and no promise: repays within hours
    boost: float  # multiplier on the daily repayment hazard after reach
    boost_days: int  # how long the boost lasts
    delay: tuple[int, int]  # seconds from the contact to its first outcome
    opt_out: float = 0.0  # given reach: asks to stop this channel
    dispute: float = 0.0  # given a conversation: disputes the debt


def _types() -> dict[CustomerType, TypeBehaviour]:
    return {
        CustomerType.FIRST_TIME: TypeBehaviour(0.70, 0.022, 1.25, 0.90, 1.1, 0.85, 0.08, 0.03, 0.9),
        # repeat customers have cyclical cash flow: smaller instalments are kept more often
        # than one promise of everything (the brief: agree a suitable repayment plan)
        CustomerType.REPEAT: TypeBehaviour(0.25, 0.027, 0.75, 0.60, 1.0, 0.45, 0.20, 0.10, 0.8),
        CustomerType.WILFUL: TypeBehaviour(0.05, 0.022, 0.15, 0.50, 0.4, 0.10, 0.15, 0.50, 0.2),
    }


def _channels() -> dict[Channel, ChannelBehaviour]:
    hour = 3600
    return {
        # SMS: no conversation; delivery makes the customer aware (+15-20 % for mild).
        Channel.SMS: ChannelBehaviour(0.96, 0.0, 0.0, 0.10, 2.0, 2, (5, 90), opt_out=0.004),
        # IVR: answered ~45 % (+10-15 % over an unannounced agent call); key press = promise.
        Channel.IVR: ChannelBehaviour(0.45, 0.85, 0.30, 0.08, 1.7, 2, (10, 60)),
        Channel.AGENT_CALL: ChannelBehaviour(
            0.40, 0.85, 0.45, 0.06, 1.8, 3, (10, 180), dispute=0.005
        ),
        # Field visit: met at the address 75 %, +20-30 % success on hard cases.
        Channel.FIELD_VISIT: ChannelBehaviour(0.75, 0.85, 0.55, 0.10, 2.2, 5, (hour, 5 * hour)),
        # Legal letter: delivered; 20-30 % get in touch, most of them agree a plan.
        Channel.LEGAL_LETTER: ChannelBehaviour(
            0.92, 0.25, 0.70, 0.02, 1.5, 7, (2 * hour, 8 * hour)
        ),
    }


def _tier_mix() -> dict[Tier, float]:
    return {Tier.MILD: 0.60, Tier.MODERATE: 0.25, Tier.HEAVY: 0.10, Tier.SEVERE: 0.05}


def _hazards() -> dict[Tier, float]:
    """Daily repayment hazard of an overdue account without a recent contact."""
    return {Tier.MILD: 0.31, Tier.MODERATE: 0.12, Tier.HEAVY: 0.055, Tier.SEVERE: 0.003}


def _zones() -> dict[str, float]:
    return {
        "Asia/Shanghai": 0.96,
        "Asia/Urumqi": 0.01,
        "Asia/Hong_Kong": 0.01,
        "Europe/London": 0.01,
        "America/Los_Angeles": 0.01,
    }


@dataclass(frozen=True, slots=True)
class SimConfig:
    accounts: int = 1000
    seed: int = 7
    start: date = date(2026, 1, 1)  # first calendar day played (lender's calendar)
    currency: str = "CNY"
    lender_zone: str = "Asia/Shanghai"  # the ledger's calendar and nightly batch clock
    current_share: float = 0.875  # accounts current at the start
    second_account_share: float = 0.15  # customers holding two accounts
    balance_range: tuple[int, int] = (1_000_00, 50_000_00)  # outstanding, minor units
    terms: tuple[int, ...] = (6, 12, 24, 36)  # instalments per loan
    monthly_rate: float = 0.015  # flat monthly interest folded into the instalment
    propensity_sigma: float = 0.5  # spread of the hidden per-customer propensity
    promise_max_days: int = 7
    plan_share: float = 0.7  # offered a repayment plan (agent's script), promising: take it
    plan_instalments: tuple[int, int] = (2, 4)  # instalments of an agreed plan
    plan_every_days: int = 14
    voice_reach_decay: float = 0.008  # voice reach x (1 - decay * worst DPD), floor 0.4
    wilful_flagged: float = 0.4  # share of wilful customers flagged upstream
    sms_opt_out_share: float = 0.02  # customers opted out of SMS from the start
    hardship_share: float = 0.003  # customers with a hardship pause from the start
    tier_mix: dict[Tier, float] = field(default_factory=_tier_mix, hash=False)
    hazards: dict[Tier, float] = field(default_factory=_hazards, hash=False)
    types: dict[CustomerType, TypeBehaviour] = field(default_factory=_types, hash=False)
    channels: dict[Channel, ChannelBehaviour] = field(default_factory=_channels, hash=False)
    zones: dict[str, float] = field(default_factory=_zones, hash=False)
