"""State of one customer (the unit of contact) and their accounts (the units of delinquency).

Frozen dataclasses; every update builds a new value, so ``new == old`` tells the agent whether
to write. Mappings inside are plain dicts that are never mutated after construction.

Daily aging without daily writes: an account stores ``overdue_since`` (the missed due date;
DPD on day *d* is ``(d - overdue_since).days``) instead of following the DPD every day.
``days_past_due`` and ``as_of`` are the values of the last snapshot that changed something
(amounts, missed due date, tier, bucket), so a snapshot whose only news is "one day later"
leaves the state equal and the agent skips the store write. DPD between snapshots counts
whole days from the moment that snapshot was applied (``seen_at``): it follows the lender's
business date, not the customer's calendar nor the hour the batch happened to be processed
(see ``dates.py``); tier and bucket are always exact because a change of either is a change.
Snapshots older than ``as_of`` are ignored; a late snapshot between ``as_of`` and the last
unwritten one carried the same facts, so applying it is harmless on an ordered partition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from streams.core.model import (
    Bucket,
    Channel,
    CustomerType,
    HardStop,
    Instalment,
    LegalStage,
    Outcome,
    PlanStatus,
    Tier,
)
from streams.core.serde import from_plain, to_plain

COLLECT, REMINDER, FOLLOW_UP = "collect", "promise_reminder", "legal_follow_up"
PLAN_REMINDER = "plan_reminder"  # an SMS before a plan instalment falls due
REMINDERS = frozenset({REMINDER, PLAN_REMINDER})  # allowed while a promise or plan pauses
CONTACT_REPAIR = "contact_repair"  # a field visit to find a customer unreachable by phone
COLLECTING = frozenset({COLLECT, CONTACT_REPAIR})  # the cadence's own slots


@dataclass(frozen=True, slots=True)
class Episode:
    """One delinquency episode of an account: from the missed due date until cured."""

    started: date
    ended: date | None = None


@dataclass(frozen=True, slots=True)
class Promise:
    amount: int
    promised_for: date
    grace_ends_at: datetime  # UTC: midnight after the last grace day, customer's zone
    made_at: datetime
    paid: int = 0


@dataclass(frozen=True, slots=True)
class AccountState:
    account_id: str
    currency: str
    product: str = ""
    days_past_due: int = 0  # as of `as_of`; see the module docstring
    overdue_amount: int = 0
    outstanding_balance: int = 0
    as_of: date | None = None
    overdue_since: date | None = None  # None = current
    tier: Tier = Tier.CURRENT
    bucket: Bucket = Bucket.M0
    customer_type: CustomerType = CustomerType.NONE  # the customer's, as last reported here
    episodes: tuple[Episode, ...] = ()
    broken_promises: tuple[date, ...] = ()  # promised dates (and plan instalments) not kept
    refusals: tuple[date, ...] = ()  # refusals to pay, recorded on every overdue account
    last_payment_on: date | None = None
    last_contact_on: date | None = None  # last right-party contact
    promise: Promise | None = None
    seen_at: datetime | None = None  # when the snapshot of `as_of` was applied (dates.py)
    plan_status: PlanStatus = PlanStatus.NONE  # of the latest repayment plan on the account

    @property
    def delinquent(self) -> bool:
        return self.overdue_since is not None

    def dpd_on(self, day: date) -> int:
        if self.overdue_since is None:
            return 0
        return max(1, (day - self.overdue_since).days)


@dataclass(frozen=True, slots=True)
class RepaymentPlan:
    """An agreed repayment plan (plans.py): instalments decided one by one, like promises."""

    plan_id: str
    accounts: tuple[str, ...]
    currency: str
    instalments: tuple[Instalment, ...]
    made_at: datetime
    decide_at: datetime | None  # grace end of the next instalment (None: all decided)
    paid: int = 0  # paid on its accounts since it was agreed
    kept: int = 0  # instalments decided kept so far


class Commitment(NamedTuple):
    """What pauses collection: the nearest promised date or plan instalment."""

    due_on: date
    made_at: datetime
    reminder: str  # purpose of the reminder SMS before it


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One contact made (or an inbound conversation), for rolling caps and cadence."""

    contact_id: str
    channel: Channel
    at: datetime
    outcome: Outcome | None = None  # None = not reported yet
    inbound: bool = False  # a conversation the customer started (callback, key press)
    connected: bool = False  # reported answered or delivered at some point
    right_party: bool = False  # reported a conversation with the customer at some point


@dataclass(frozen=True, slots=True)
class ChannelProgress:
    """Attempts on one channel in the current episode."""

    attempts: int = 0
    last_at: datetime | None = None
    unanswered: int = 0  # attempts since the customer last responded
    suppressed: int = 0  # slots the gate held back for good (their numbers are not reused)


@dataclass(frozen=True, slots=True)
class Slot:
    """The next scheduled contact on one channel."""

    channel: Channel
    attempt: int
    due_at: datetime
    purpose: str = COLLECT
    not_before: datetime | None = None  # set when the gate deferred this contact


@dataclass(frozen=True, slots=True)
class SeenEvent:
    """A repayment or contact outcome applied to the customer (see ``streams.core.dedup``)."""

    event_id: str
    at: datetime  # its occurred_at


@dataclass(frozen=True, slots=True)
class LegalProgress:
    """The legal path of the current episode (see legal.py): stages advance on delivery."""

    stage: int = 0  # stages delivered so far = the index of the stage being sent
    tries: int = 0  # letters sent for this stage
    letters: tuple[str, ...] = ()  # their contact ids (a late delivery of any of them counts)
    sent_stage: str = ""  # the stage's template, for the record of its delivery
    sent_at: datetime | None = None  # the latest letter, still without an outcome; None: none
    failed_at: datetime | None = None  # the latest letter of this stage was not delivered
    delivered: tuple[LegalStage, ...] = ()
    referral_due_at: datetime | None = None
    referred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerState:
    customer_id: str
    time_zone: str = "Asia/Shanghai"
    locale: str = "zh-CN"
    opt_outs: frozenset[Channel] = frozenset()  # from the profile
    hard_stops: frozenset[HardStop] = frozenset()  # from the profile
    reported_opt_outs: frozenset[Channel] = frozenset()  # from outcomes: sticky
    reported_hard_stops: frozenset[HardStop] = frozenset()  # from outcomes: sticky
    wilful_flag: bool = False
    prior_delinquencies: int = 0  # credit history from the profile (see customer_type.py)
    customer_type: CustomerType = CustomerType.NONE  # per person, over all their accounts
    customer_type_reason: str = ""
    dispute_reported_at: datetime | None = None  # latest dispute a gateway reported
    disputes_resolved_at: datetime | None = None  # from the profile: disputes up to then end
    accounts: Mapping[str, AccountState] = field(default_factory=dict)
    strategy_variant: str = ""
    episode_started: date | None = None
    escalation_level: int = 0
    progress: Mapping[Channel, ChannelProgress] = field(default_factory=dict)
    slots: Mapping[Channel, Slot] = field(default_factory=dict)
    ledger: tuple[LedgerEntry, ...] = ()
    last_right_party_at: datetime | None = None
    unreached_since: datetime | None = None  # first attempt since the last response (episode)
    last_broken_promise_at: datetime | None = None
    legal: LegalProgress | None = None  # legal path of the current episode
    repayment_plan: RepaymentPlan | None = None  # the agreed plan being kept
    # repayments and outcomes applied within the dedup horizon, oldest first; events at or
    # before ``seen_floor`` can no longer be checked and are refused (see streams.core.dedup)
    seen_events: tuple[SeenEvent, ...] = ()
    seen_floor: datetime | None = None
    profile_at: datetime | None = None  # occurred_at of the latest profile applied

    @property
    def all_opt_outs(self) -> frozenset[Channel]:
        return self.opt_outs | self.reported_opt_outs

    @property
    def all_hard_stops(self) -> frozenset[HardStop]:
        return self.hard_stops | self.reported_hard_stops

    @property
    def delinquent_accounts(self) -> list[AccountState]:
        """Overdue accounts, worst first (highest DPD, then account id)."""
        found = [a for a in self.accounts.values() if a.delinquent]
        return sorted(found, key=lambda a: (a.overdue_since or date.max, a.account_id))

    @property
    def pending_promise(self) -> Promise | None:
        promises = [a.promise for a in self.accounts.values() if a.promise and a.delinquent]
        return min(promises, key=lambda p: p.promised_for) if promises else None

    @property
    def commitment(self) -> Commitment | None:
        """The pending promise or the plan's next instalment, whichever falls due first."""
        found: list[Commitment] = []
        promise = self.pending_promise
        if promise is not None:
            found.append(Commitment(promise.promised_for, promise.made_at, REMINDER))
        plan = self.repayment_plan
        if plan is not None and plan.kept < len(plan.instalments):
            next_due = plan.instalments[plan.kept].due_on
            found.append(Commitment(next_due, plan.made_at, PLAN_REMINDER))
        return min(found) if found else None


def customer_to_dict(s: CustomerState) -> dict[str, object]:
    """A JSON-able dict (str keys, lists, str/int/bool/None leaves) for the changelog."""
    plain = to_plain(s)
    assert isinstance(plain, dict)
    return plain


def customer_from_dict(d: Mapping[str, object]) -> CustomerState:
    return from_plain(CustomerState, d)
