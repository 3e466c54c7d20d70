"""The shortcuts the re-plan takes for speed give the answers of the long way round."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from streams.core import load_policy
from streams.core.cadence import customer_dpd
from streams.core.gate import Holds, hold_reason
from streams.core.model import Channel, HardStop
from streams.core.schedule import reconcile
from streams.core.state import (
    COLLECT,
    FOLLOW_UP,
    REMINDER,
    AccountState,
    CustomerState,
    Promise,
    Slot,
)
from tests.unit.core.walk_support import START, at

POLICY = load_policy()
PURPOSES = (COLLECT, REMINDER, FOLLOW_UP)

overdue_days = st.lists(st.one_of(st.none(), st.integers(1, 400)), min_size=1, max_size=4)


def customer(
    days_overdue: list[int | None],
    promised: bool = False,
    opt_outs: frozenset[Channel] = frozenset(),
    hard_stops: frozenset[HardStop] = frozenset(),
) -> CustomerState:
    promise = Promise(100, START, at(START, 0), at(START, 0)) if promised else None
    seg = POLICY.segmentation
    accounts = {
        f"a{i}": AccountState(
            f"a{i}",
            "CNY",
            overdue_amount=100 if days else 0,
            overdue_since=START - timedelta(days=days) if days else None,
            tier=seg.tier(days or 0),
            bucket=seg.bucket(days or 0),
            promise=promise,
        )
        for i, days in enumerate(days_overdue)
    }
    return CustomerState("c1", accounts=accounts, opt_outs=opt_outs, hard_stops=hard_stops)


@given(
    overdue_days,
    st.booleans(),
    st.frozensets(st.sampled_from(list(Channel)), max_size=2),
    st.frozensets(st.sampled_from(list(HardStop)), max_size=1),
)
def test_holds_read_once_give_the_reason_the_gate_gives_for_every_slot(
    days: list[int | None],
    promised: bool,
    opt_outs: frozenset[Channel],
    hard_stops: frozenset[HardStop],
) -> None:
    state = customer(days, promised, opt_outs, hard_stops)
    holds = Holds.of(state, state.delinquent_accounts, state.commitment)
    for channel in Channel:
        for purpose in PURPOSES:
            slot = Slot(channel, 1, at(START, 10), purpose)
            assert holds.reason(slot) == hold_reason(state, slot)
            if holds.blocks_channel(channel):
                assert hold_reason(state, slot) is not None


@given(overdue_days, st.integers(0, 30))
def test_the_customer_dpd_is_the_highest_dpd_of_any_overdue_account(
    days: list[int | None], later: int
) -> None:
    state = customer(days)
    today = START + timedelta(days=later)
    expected = max((a.dpd_on(today) for a in state.accounts.values()), default=0)
    # no snapshot anchor in these states: the local date counts, held inside the tier
    worst = max(state.accounts.values(), key=lambda a: a.dpd_on(today))
    expected = POLICY.segmentation.clamp(expected, worst.tier, worst.bucket) if expected else 0
    assert customer_dpd(state, at(today, 12), POLICY) == expected


def test_replanning_at_the_same_instant_changes_nothing() -> None:
    state, _ = reconcile(customer([12]), at(START, 9), POLICY)
    assert state.slots  # something was planned
    again, outputs = reconcile(state, at(START, 9), POLICY)
    assert (again, outputs) == (state, [])
