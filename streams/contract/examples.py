"""One realistic example record per value schema (used by the contract docs and tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from streams.contract.schemas import Record
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Bucket,
    Channel,
    ContactDue,
    ContactOutcome,
    ContactSuppressed,
    CoveredAccount,
    CustomerType,
    ErasureRequest,
    HardStop,
    LegalStage,
    LitigationReferral,
    Outcome,
    Repayment,
    SegmentChanged,
    SuppressionReason,
    Tier,
)

AT = datetime(2025, 3, 14, 1, 30, tzinfo=UTC)

AGING = AgingSnapshot(
    event_id="aging-20250314-A-1001",
    occurred_at=AT,
    customer_id="C-1001",
    account_id="A-1001",
    as_of=date(2025, 3, 14),
    days_past_due=12,
    overdue_amount=158_000,
    outstanding_balance=1_200_000,
    currency="CNY",
    product="cash_loan",
)

REPAYMENT = Repayment(
    event_id="pay-88317",
    occurred_at=datetime(2025, 3, 14, 6, 5, 12, 345_000, tzinfo=UTC),
    customer_id="C-1001",
    account_id="A-1001",
    amount=60_000,
    currency="CNY",
    paid_at=datetime(2025, 3, 14, 6, 4, 58, tzinfo=UTC),
    source="app",
)

CONTACT_DUE = ContactDue(
    contact_id="cd-5f1c2a9e0b7d4e13",
    occurred_at=AT,
    customer_id="C-1001",
    channel=Channel.AGENT_CALL,
    accounts=(
        CoveredAccount(account_id="A-1001", days_past_due=12, amount_due=158_000),
        CoveredAccount(account_id="A-1002", days_past_due=3, amount_due=21_500),
    ),
    due_at=datetime(2025, 3, 14, 2, 0, tzinfo=UTC),
    expires_at=datetime(2025, 3, 14, 12, 0, tzinfo=UTC),
    tier=Tier.MODERATE,
    days_past_due=12,
    amount_due=179_500,
    currency="CNY",
    template="moderate_call_v2",
    attempt=2,
    strategy_variant="A",
    locale="zh-CN",
)

CONTACT_OUTCOME = ContactOutcome(
    event_id="gw-agent-771204",
    occurred_at=datetime(2025, 3, 14, 2, 17, tzinfo=UTC),
    customer_id="C-1001",
    channel=Channel.AGENT_CALL,
    outcome=Outcome.PROMISE_TO_PAY,
    contact_id=CONTACT_DUE.contact_id,
    account_id="A-1001",
    promise_amount=158_000,
    promise_date=date(2025, 3, 17),
    currency="CNY",
)

ACCOUNT_PROFILE = AccountProfile(
    event_id="profile-C-1001-42",
    occurred_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
    customer_id="C-1001",
    time_zone="Asia/Shanghai",
    locale="zh-CN",
    opt_outs=frozenset({Channel.FIELD_VISIT}),
    hard_stops=frozenset(),
    wilful_flag=False,
    display_name="Li Wei",
)

SEGMENT_CHANGED = SegmentChanged(
    event_id="seg-aging-20250314-A-1001",
    occurred_at=AT,
    customer_id="C-1001",
    account_id="A-1001",
    from_tier=Tier.MILD,
    to_tier=Tier.MODERATE,
    from_bucket=Bucket.M1,
    to_bucket=Bucket.M1,
    from_customer_type=CustomerType.FIRST_TIME,
    to_customer_type=CustomerType.FIRST_TIME,
    days_past_due=12,
    overdue_amount=158_000,
    currency="CNY",
    reason="aging",
    strategy_variant="A",
)

CONTACT_SUPPRESSED = ContactSuppressed(
    event_id="sup-cd-5f1c2a9e0b7d4e13-hard_stop",
    occurred_at=datetime(2025, 3, 14, 2, 0, tzinfo=UTC),
    contact=CONTACT_DUE,
    reason=SuppressionReason.HARD_STOP,
    detail=HardStop.DISPUTE.value,
)

ERASURE_REQUEST = ErasureRequest(
    event_id="erase-7f3a91c2",
    occurred_at=datetime(2025, 3, 20, 9, 0, tzinfo=UTC),
    customer_id="C-1001",
    source="crm",
)

LITIGATION_REFERRAL = LitigationReferral(
    event_id="lit-3b9e1f0c2d4a5e67",
    occurred_at=datetime(2025, 6, 20, 2, 0, tzinfo=UTC),
    customer_id="C-1001",
    accounts=(CoveredAccount(account_id="A-1001", days_past_due=110, amount_due=632_000),),
    days_past_due=110,
    tier=Tier.SEVERE,
    amount_due=632_000,
    currency="CNY",
    stages=(
        LegalStage("lawyer_letter", "cd-0a1b2c3d4e5f6071", datetime(2025, 5, 6, 7, 0, tzinfo=UTC)),
        LegalStage("court_summons", "cd-8192a3b4c5d6e7f8", datetime(2025, 6, 5, 6, 30, tzinfo=UTC)),
    ),
    reason="court_summons delivered 14 days ago; no payment or plan since",
    strategy_variant="A",
)

EXAMPLES: dict[str, Record] = {
    f"collections.{type(r).__name__}": r
    for r in (
        AGING,
        REPAYMENT,
        CONTACT_OUTCOME,
        ACCOUNT_PROFILE,
        SEGMENT_CHANGED,
        CONTACT_DUE,
        CONTACT_SUPPRESSED,
        ERASURE_REQUEST,
        LITIGATION_REFERRAL,
    )
}
