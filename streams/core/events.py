"""Apply one input event to a customer's state (no scheduling, no classification).

Each function returns the new state, the same state object when the event changes nothing,
or a ``DeadLetter`` when the input is refused (bad values, unknown account, currency).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from streams.core import legal, plans
from streams.core.config import Policy
from streams.core.gate import CONNECTED, CONVERSATION
from streams.core.local import local_date
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Bucket,
    Channel,
    ContactOutcome,
    DeadLetter,
    HardStop,
    InputEvent,
    Outcome,
    Repayment,
    Tier,
)
from streams.core.promises import credit, make_promise
from streams.core.state import AccountState, ChannelProgress, CustomerState, Episode, LedgerEntry
from streams.core.values import replace

Result = CustomerState | DeadLetter
RESPONSES = CONVERSATION  # a right-party response; an answered IVR or a wrong party is none
REACHED = CONNECTED | {Outcome.DELIVERED}  # the contact got through (connect rate)


def apply_event(state: CustomerState, event: InputEvent, now: datetime, policy: Policy) -> Result:
    if isinstance(event, AgingSnapshot):
        return apply_aging(state, event, now, policy)
    if isinstance(event, Repayment):
        return apply_repayment(state, event, now)
    if isinstance(event, ContactOutcome):
        return apply_outcome(state, event, now, policy)
    return apply_profile(state, event)


def apply_aging(state: CustomerState, e: AgingSnapshot, now: datetime, policy: Policy) -> Result:
    dpd = e.days_past_due
    if dpd < 0 or e.overdue_amount < 0 or e.outstanding_balance < 0:
        return DeadLetter("validation", f"{e.event_id}: negative days past due or amount")
    if dpd > 0 and e.overdue_amount == 0:
        return DeadLetter("validation", f"{e.event_id}: {dpd} days past due with nothing overdue")
    if not _currency_ok(e.currency):
        return DeadLetter("validation", f"{e.event_id}: bad currency {e.currency!r}")
    old = state.accounts.get(e.account_id)
    if old is not None and old.currency != e.currency:
        return DeadLetter("currency_mismatch", f"{e.event_id}: {e.currency} != {old.currency}")
    if old is not None and old.as_of is not None and e.as_of < old.as_of:
        return state  # older than the latest snapshot applied
    since = e.as_of - timedelta(days=dpd) if dpd > 0 else None
    overdue = e.overdue_amount if dpd > 0 else 0
    tier, bucket = policy.segmentation.tier(dpd), policy.segmentation.bucket(dpd)
    base = old or AccountState(e.account_id, e.currency, e.product)
    facts = (since, overdue, e.outstanding_balance, e.product, tier, bucket)
    if old is not None and facts == (
        old.overdue_since,
        old.overdue_amount,
        old.outstanding_balance,
        old.product,
        old.tier,
        old.bucket,
    ):
        return state  # only the date moved on: nothing to write (see state.py)
    episodes = _episodes(base, since, e.as_of, policy.history_limit)
    account = replace(
        base,
        days_past_due=dpd,
        overdue_amount=overdue,
        outstanding_balance=e.outstanding_balance,
        as_of=e.as_of,
        seen_at=now,
        overdue_since=since,
        tier=tier,
        bucket=bucket,
        episodes=episodes,
        product=e.product,
    )
    return replace(state, accounts={**state.accounts, e.account_id: account})


def apply_repayment(state: CustomerState, e: Repayment, now: datetime) -> Result:
    account = state.accounts.get(e.account_id)
    if account is None:
        return DeadLetter("unknown_account", f"{e.event_id}: repayment for unknown account")
    if e.currency != account.currency:
        return DeadLetter("currency_mismatch", f"{e.event_id}: {e.currency} != {account.currency}")
    if e.amount <= 0:
        return DeadLetter("validation", f"{e.event_id}: repayment amount must be positive")
    paid_on = local_date(state, e.paid_at)
    account = replace(
        credit(account, e.amount),
        overdue_amount=max(0, account.overdue_amount - e.amount),
        outstanding_balance=max(0, account.outstanding_balance - e.amount),
        last_payment_on=paid_on,
    )
    if account.delinquent and account.overdue_amount == 0:
        account = replace(
            account,
            days_past_due=0,
            overdue_since=None,
            tier=Tier.CURRENT,
            bucket=Bucket.M0,
            episodes=_episodes(account, None, paid_on, len(account.episodes) or 1),
        )
    progress = _responded(state.progress)
    accounts = {**state.accounts, e.account_id: account}
    state = plans.credit(state, e.account_id, e.amount)
    return replace(state, accounts=accounts, progress=progress, unreached_since=None)


def apply_outcome(state: CustomerState, e: ContactOutcome, now: datetime, policy: Policy) -> Result:
    if e.outcome is Outcome.PROMISE_TO_PAY:
        agreed = plans.agree if e.instalments else make_promise
        promised = agreed(state, e, now, policy)
        if isinstance(promised, DeadLetter):
            return promised
        state = promised
    ledger = _record(state.ledger, e)
    if ledger is not state.ledger:
        state = replace(state, ledger=ledger)
    state = legal.reported(state, e)
    if e.outcome in RESPONSES:
        if any(p.unanswered for p in state.progress.values()):
            state = replace(state, progress=_responded(state.progress))
        if state.unreached_since is not None:
            state = replace(state, unreached_since=None)
        state = legal.responded(state)
    if e.outcome in CONVERSATION:
        state = _touch_accounts(state, e, local_date(state, e.occurred_at), policy)
    if e.outcome is Outcome.DISPUTE:
        state = _dispute(state, e.occurred_at)
    if e.outcome is Outcome.OPT_OUT:
        state = replace(state, reported_opt_outs=state.reported_opt_outs | {e.channel})
    return state


def apply_profile(state: CustomerState, e: AccountProfile) -> Result:
    if state.profile_at is not None and e.occurred_at < state.profile_at:
        return state  # an older profile than the one applied (a re-send): nothing to change
    try:
        ZoneInfo(e.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return DeadLetter("validation", f"{e.event_id}: unknown time zone {e.time_zone!r}")
    new = replace(
        state,
        time_zone=e.time_zone,
        locale=e.locale,
        opt_outs=e.opt_outs,
        hard_stops=e.hard_stops,
        wilful_flag=e.wilful_flag,
        profile_at=e.occurred_at,
        prior_delinquencies=max(0, e.prior_delinquencies),
        disputes_resolved_at=_latest(e.disputes_resolved_at, state.disputes_resolved_at),
    )
    return _lift_resolved_dispute(new)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _dispute(state: CustomerState, at: datetime) -> CustomerState:
    """A gateway heard a dispute: contact stops until the lender resolves it (profile
    ``disputes_resolved_at``), unless it was already resolved when it reached us late."""
    if state.disputes_resolved_at is not None and at <= state.disputes_resolved_at:
        return state
    stops = state.reported_hard_stops | {HardStop.DISPUTE}
    latest = _latest(at, state.dispute_reported_at)
    return replace(state, reported_hard_stops=stops, dispute_reported_at=latest)


def _lift_resolved_dispute(state: CustomerState) -> CustomerState:
    """A reported dispute ends when the lender resolved disputes up to (or after) it.
    A dispute the profile lists itself ends when a later profile no longer lists it."""
    reported, resolved = state.dispute_reported_at, state.disputes_resolved_at
    if reported is None or resolved is None or reported > resolved:
        return state
    stops = state.reported_hard_stops - {HardStop.DISPUTE}
    return replace(state, reported_hard_stops=stops, dispute_reported_at=None)


def _episodes(
    account: AccountState, since: date | None, on: date, limit: int
) -> tuple[Episode, ...]:
    episodes = account.episodes
    if account.overdue_since is None and since is not None:
        episodes = (*episodes, Episode(since))
    elif account.overdue_since is not None and since is None and episodes:
        episodes = (*episodes[:-1], replace(episodes[-1], ended=on))
    return episodes[-limit:]


def _responded(progress: Mapping[Channel, ChannelProgress]) -> dict[Channel, ChannelProgress]:
    """The customer responded: unanswered attempts start counting from zero again."""
    return {c: p if p.unanswered == 0 else replace(p, unanswered=0) for c, p in progress.items()}


def _record(ledger: tuple[LedgerEntry, ...], e: ContactOutcome) -> tuple[LedgerEntry, ...]:
    for i, entry in enumerate(ledger):
        if e.contact_id is not None and entry.contact_id == e.contact_id:
            updated = replace(
                entry,
                outcome=e.outcome,
                connected=entry.connected or e.outcome in REACHED,
                right_party=entry.right_party or e.outcome in CONVERSATION,
            )
            return (*ledger[:i], updated, *ledger[i + 1 :])
    if e.channel.is_voice and e.outcome in CONNECTED:
        inbound = LedgerEntry(e.contact_id or e.event_id, e.channel, e.occurred_at, e.outcome, True)
        return (*ledger, inbound)
    return ledger


def _touch_accounts(
    state: CustomerState, e: ContactOutcome, day: date, policy: Policy
) -> CustomerState:
    refused = e.outcome is Outcome.REFUSED
    accounts = dict(state.accounts)
    for account in state.delinquent_accounts:
        refusals = (
            (*account.refusals, day)[-policy.history_limit :] if refused else account.refusals
        )
        accounts[account.account_id] = replace(account, last_contact_on=day, refusals=refusals)
    return replace(state, accounts=accounts, last_right_party_at=e.occurred_at)


def _currency_ok(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and code.isupper()
