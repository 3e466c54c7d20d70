"""Domain vocabulary of the collections pipeline: enums, input events, outputs.

Pure values only: frozen dataclasses and string enums, standard library imports only.
Money is an ``int`` in minor units with an ISO 4217 ``currency``; every ``datetime`` is
timezone-aware UTC; dates (``as_of``, promise dates) are calendar dates of the lender.

Enum *values* are the Avro enum symbols of ``schemas/`` (the codec relies on that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Tier(StrEnum):
    """Severity tier by days past due (scheme A, drives the contact strategy)."""

    CURRENT = "current"  # 0 DPD
    MILD = "mild"  # 1-7
    MODERATE = "moderate"  # 8-30
    HEAVY = "heavy"  # 31-60
    SEVERE = "severe"  # 61+


class Bucket(StrEnum):
    """Industry M-bucket by days past due (scheme B, used for reporting)."""

    M0 = "M0"  # current
    M1 = "M1"  # 1-30
    M2 = "M2"  # 31-60
    M3 = "M3"  # 61-90
    M3_PLUS = "M3_PLUS"  # 90+ (displayed "M3+")


class CustomerType(StrEnum):
    NONE = "none"  # never delinquent in the look-back
    FIRST_TIME = "first_time"
    REPEAT = "repeat"
    WILFUL = "wilful"


class Channel(StrEnum):
    SMS = "sms"
    IVR = "ivr"
    AGENT_CALL = "agent_call"
    FIELD_VISIT = "field_visit"
    LEGAL_LETTER = "legal_letter"

    @property
    def topic_suffix(self) -> str:
        """The channel's part of ``collections.contact-due.<suffix>.v1``."""
        return self.value.replace("_", "-")

    @property
    def is_voice(self) -> bool:
        return self in (Channel.IVR, Channel.AGENT_CALL)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    RIGHT_PARTY = "right_party"
    WRONG_PARTY = "wrong_party"
    PROMISE_TO_PAY = "promise_to_pay"
    REFUSED = "refused"
    DISPUTE = "dispute"
    OPT_OUT = "opt_out"


class HardStop(StrEnum):
    DISPUTE = "dispute"
    COMPLAINT = "complaint"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    HARDSHIP_PAUSE = "hardship_pause"


class SuppressionReason(StrEnum):
    QUIET_HOURS = "quiet_hours"
    DAILY_CAP = "daily_cap"
    ATTEMPT_CAP = "attempt_cap"
    CONVERSATION_COOLDOWN = "conversation_cooldown"
    OPT_OUT = "opt_out"
    HARD_STOP = "hard_stop"
    PROMISE_PENDING = "promise_pending"
    CURED = "cured"


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


class PlanStatus(StrEnum):
    """State of a repayment plan on an account, as segment changes report it."""

    NONE = "none"  # no plan
    ACTIVE = "active"  # agreed, every instalment so far kept
    COMPLETED = "completed"  # every instalment kept
    BROKEN = "broken"  # an instalment was not paid within its grace period


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class AgingSnapshot:
    """Delinquency snapshot of one account (current accounts included)."""

    event_id: str
    occurred_at: datetime
    customer_id: str
    account_id: str
    as_of: date
    days_past_due: int
    overdue_amount: int
    outstanding_balance: int
    currency: str
    product: str


@dataclass(frozen=True, slots=True)
class Repayment:
    event_id: str
    occurred_at: datetime
    customer_id: str
    account_id: str
    amount: int
    currency: str
    paid_at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class Instalment:
    """One instalment of an agreed repayment plan."""

    due_on: date  # the customer's calendar date by which it is to be paid
    amount: int


@dataclass(frozen=True, slots=True)
class ContactOutcome:
    """A gateway's result for a contact, or a callback (key press, promise to pay).

    A promise to pay with ``instalments`` is an agreed repayment plan (the event id is the
    plan id); ``promise_amount`` and ``promise_date`` then name its first instalment, so a
    reader that predates plans still sees a promise for it.
    """

    event_id: str
    occurred_at: datetime
    customer_id: str
    channel: Channel
    outcome: Outcome
    contact_id: str | None = None
    account_id: str | None = None  # the account a promise is for; None = all overdue
    promise_amount: int | None = None
    promise_date: date | None = None
    currency: str | None = None
    instalments: tuple[Instalment, ...] = ()  # a repayment plan, in date order


@dataclass(frozen=True, slots=True)
class AccountProfile:
    """Latest profile of a customer (compacted topic): zone, consents, hard stops."""

    event_id: str
    occurred_at: datetime
    customer_id: str
    time_zone: str  # IANA name, e.g. "Asia/Shanghai"
    locale: str  # e.g. "zh-CN"
    opt_outs: frozenset[Channel] = frozenset()
    hard_stops: frozenset[HardStop] = frozenset()
    wilful_flag: bool = False  # flagged wilful/malicious upstream
    # PII, for the gateways' own personalisation: the worker does not keep it in its state
    display_name: str | None = None
    prior_delinquencies: int = 0  # credit history: earlier episodes in 12 months, lender-known
    disputes_resolved_at: datetime | None = None  # disputes reported up to then are resolved


InputEvent = AgingSnapshot | Repayment | ContactOutcome | AccountProfile


@dataclass(frozen=True, slots=True)
class ErasureRequest:
    """Forget a customer (right to erasure): every component purges what it keeps on them.

    Carries no personal data beyond the pseudonymous ``customer_id`` it must name; the
    ``event_id`` is what audit records keep, so an erasure can be proven without the id.
    """

    event_id: str
    occurred_at: datetime
    customer_id: str
    source: str  # the system or operator tool that asked, e.g. "crm", "collectctl"


# -------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class SegmentChanged:
    """Tier, M-bucket or customer type of an account changed (cure included)."""

    event_id: str  # deterministic: derived from the causing event and the account
    occurred_at: datetime
    customer_id: str
    account_id: str
    from_tier: Tier
    to_tier: Tier
    from_bucket: Bucket
    to_bucket: Bucket
    from_customer_type: CustomerType
    to_customer_type: CustomerType
    days_past_due: int
    overdue_amount: int
    currency: str
    reason: str
    strategy_variant: str
    plan_status: PlanStatus = PlanStatus.NONE


@dataclass(frozen=True, slots=True)
class CoveredAccount:
    account_id: str
    days_past_due: int
    amount_due: int


@dataclass(frozen=True, slots=True)
class ContactDue:
    """Tell a channel gateway to contact a customer. Gateways deduplicate on contact_id."""

    contact_id: str  # deterministic: hash of customer, channel and slot
    occurred_at: datetime
    customer_id: str
    channel: Channel
    accounts: tuple[CoveredAccount, ...]
    due_at: datetime
    expires_at: datetime
    tier: Tier  # the worst tier among the covered accounts
    days_past_due: int  # the worst DPD among them
    amount_due: int  # total over the covered accounts
    currency: str
    template: str  # or the legal stage for legal letters
    attempt: int  # 1-based attempt number on this channel in this episode
    strategy_variant: str
    locale: str
    review_required: bool = False  # legal letters: a lawyer approves the wording before it leaves

    @property
    def event_id(self) -> str:
        return self.contact_id


@dataclass(frozen=True, slots=True)
class ContactSuppressed:
    """Audit record: the compliance gate held back this contact for good."""

    event_id: str  # deterministic: derived from the contact id and the reason
    occurred_at: datetime
    contact: ContactDue
    reason: SuppressionReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LegalStage:
    """A legal letter that was delivered (evidence for a litigation referral)."""

    stage: str  # e.g. lawyer_letter, court_summons
    contact_id: str
    delivered_at: datetime


@dataclass(frozen=True, slots=True)
class LitigationReferral:
    """Hand a customer's overdue accounts to litigation, once every legal stage was delivered.

    Auditable: it lists the delivered stages it rests on; legal review decides before filing.
    """

    event_id: str  # deterministic: derived from the customer and the episode
    occurred_at: datetime
    customer_id: str
    accounts: tuple[CoveredAccount, ...]
    days_past_due: int  # the worst DPD among the accounts
    tier: Tier
    amount_due: int
    currency: str
    stages: tuple[LegalStage, ...]
    reason: str
    strategy_variant: str
    review_required: bool = True


@dataclass(frozen=True, slots=True)
class ContactDeferred:
    """The gate moved a contact to the next allowed time (not published; counted)."""

    contact_id: str
    channel: Channel
    reason: SuppressionReason
    deferred_to: datetime


@dataclass(frozen=True, slots=True)
class PromiseResolved:
    """A promise to pay was decided kept or broken at the end of its grace period."""

    customer_id: str
    account_id: str
    status: PromiseStatus
    promised_amount: int
    paid_amount: int
    currency: str
    occurred_at: datetime
    grace_ended_at: datetime  # the promise's own deadline: ids derived from it are stable


@dataclass(frozen=True, slots=True)
class InstalmentResolved:
    """An instalment of a repayment plan was decided kept or broken (not published; counted)."""

    customer_id: str
    plan_id: str
    number: int  # 1-based
    of: int  # instalments in the plan
    status: PromiseStatus
    amount: int  # due by this instalment (cumulative amounts decide, see plans.py)
    currency: str
    occurred_at: datetime
    plan_status: PlanStatus  # the plan after this decision


@dataclass(frozen=True, slots=True)
class ContactResult:
    """A contact was first reported connected or right-party (not published; counted)."""

    channel: Channel
    connected: bool  # newly connected (answered, delivered to a person, ...)
    right_party: bool  # newly a conversation with the customer
    strategy_variant: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An input the core refused (the agent publishes it to the DLQ with provenance)."""

    reason: str  # short, bounded vocabulary, e.g. "validation", "currency_mismatch"
    message: str


Output = (
    SegmentChanged
    | ContactDue
    | ContactSuppressed
    | ContactDeferred
    | PromiseResolved
    | InstalmentResolved
    | LitigationReferral
    | ContactResult
    | DeadLetter
)
