"""Repayment plans (还款计划): agreed instalments, tracked like promises.

A plan arrives as a promise to pay with ``instalments`` (``ContactOutcome``); the event id is
the plan id. It covers one account, or every overdue account in its currency, replaces any
promise on them and pauses collection while it is kept: only a reminder SMS before each
instalment goes out. When an instalment's grace period ends it is decided kept or broken on
the *cumulative* amounts: paid since the plan was agreed >= ``kept_percent`` of the
instalments due so far. The last instalment kept completes the plan; a broken instalment
ends it: collection resumes one ladder step up, and it counts as a broken promise (evidence
toward wilful). Accounts carry the plan's status, so segment changes report it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from streams.core.config import Policy
from streams.core.local import local_date, midnight_after, zone_of
from streams.core.model import (
    ContactOutcome,
    DeadLetter,
    InstalmentResolved,
    PlanStatus,
    PromiseStatus,
)
from streams.core.state import AccountState, CustomerState, RepaymentPlan
from streams.core.values import replace


def agree(
    state: CustomerState, e: ContactOutcome, now: datetime, policy: Policy
) -> CustomerState | DeadLetter:
    """Record the plan of ``e`` (a promise to pay with instalments)."""
    rules, parts = policy.plans, e.instalments
    today = local_date(state, now)
    dates = [i.due_on for i in parts]
    if dates != sorted(set(dates)) or any(i.amount <= 0 for i in parts):
        return DeadLetter("validation", f"{e.event_id}: instalments need rising dates, amounts > 0")
    if dates[0] < today or len(parts) > rules.max_instalments:
        return DeadLetter(
            "validation",
            f"{e.event_id}: a plan starts today or later, at most {rules.max_instalments} parts",
        )
    if dates[-1] > today + timedelta(days=rules.max_days):
        return DeadLetter("validation", f"{e.event_id}: plan longer than {rules.max_days} days")
    first = (e.promise_amount, e.promise_date)
    if first != (None, None) and first != (parts[0].amount, parts[0].due_on):
        return DeadLetter("validation", f"{e.event_id}: promise fields differ from instalment 1")
    targets = state.delinquent_accounts
    if e.account_id is not None:
        targets = [a for a in targets if a.account_id == e.account_id]
    currency = e.currency or (targets[0].currency if targets else "")
    targets = [a for a in targets if a.currency == currency]
    if not targets:
        if e.account_id is not None and e.account_id not in state.accounts:
            return DeadLetter("unknown_account", f"{e.event_id}: plan for an unknown account")
        return state  # nothing overdue any more: moot
    plan = RepaymentPlan(
        e.event_id, tuple(a.account_id for a in targets), currency, parts, now, None
    )
    plan = replace(plan, decide_at=grace_end(state, plan, policy))
    accounts = dict(state.accounts)
    for a in targets:
        accounts[a.account_id] = replace(a, promise=None, plan_status=PlanStatus.ACTIVE)
    return replace(state, accounts=accounts, repayment_plan=plan)


def credit(state: CustomerState, account_id: str, amount: int) -> CustomerState:
    plan = state.repayment_plan
    if plan is None or account_id not in plan.accounts:
        return state
    return replace(state, repayment_plan=replace(plan, paid=plan.paid + amount))


def grace_end(state: CustomerState, plan: RepaymentPlan, policy: Policy) -> datetime | None:
    """When the next instalment is decided (None: nothing left to decide)."""
    if plan.kept >= len(plan.instalments):
        return None
    due_on = plan.instalments[plan.kept].due_on
    return midnight_after(due_on + timedelta(days=policy.plans.grace_days), zone_of(state))


def resolve(
    state: CustomerState, now: datetime, policy: Policy
) -> tuple[CustomerState, list[InstalmentResolved]]:
    """Decide every instalment whose grace period has ended by ``now``."""
    plan = state.repayment_plan
    out: list[InstalmentResolved] = []
    while plan is not None and plan.decide_at is not None and plan.decide_at <= now:
        number = plan.kept + 1
        due = sum(i.amount for i in plan.instalments[:number])
        settled = not any(state.accounts[a].delinquent for a in plan.accounts)
        kept = settled or plan.paid * 100 >= due * policy.plans.kept_percent
        status = PlanStatus.ACTIVE
        if not kept:
            status = PlanStatus.BROKEN
        elif settled or number == len(plan.instalments):
            status = PlanStatus.COMPLETED
        out.append(
            InstalmentResolved(
                state.customer_id,
                plan.plan_id,
                number,
                len(plan.instalments),
                PromiseStatus.KEPT if kept else PromiseStatus.BROKEN,
                plan.instalments[number - 1].amount,
                plan.currency,
                now,
                status,
            )
        )
        if status is PlanStatus.ACTIVE:
            plan = replace(plan, kept=number)
            plan = replace(plan, decide_at=grace_end(state, plan, policy))
            state = replace(state, repayment_plan=plan)
            continue
        state = _end(state, plan, status, now, policy)
        plan = None
    return state, out


def _end(
    state: CustomerState,
    plan: RepaymentPlan,
    status: PlanStatus,
    now: datetime,
    policy: Policy,
) -> CustomerState:
    accounts = dict(state.accounts)
    for account_id in plan.accounts:
        account: AccountState = accounts[account_id]
        broken = account.broken_promises
        if status is PlanStatus.BROKEN:
            broken = (*broken, plan.instalments[plan.kept].due_on)[-policy.history_limit :]
        accounts[account_id] = replace(account, plan_status=status, broken_promises=broken)
    new = replace(state, accounts=accounts, repayment_plan=None)
    if status is PlanStatus.BROKEN:
        new = replace(new, last_broken_promise_at=now)
    return new
