from __future__ import annotations

import json
from datetime import timedelta

from streams.core import customer_from_dict, customer_to_dict
from streams.core.model import (
    Channel,
    CustomerType,
    HardStop,
    Instalment,
    LegalStage,
    Outcome,
    PlanStatus,
    Tier,
)
from streams.core.state import (
    AccountState,
    ChannelProgress,
    CustomerState,
    Episode,
    LedgerEntry,
    LegalProgress,
    Promise,
    RepaymentPlan,
    SeenEvent,
    Slot,
)
from tests.unit.core.walk_support import START, at


def rich_state() -> CustomerState:
    account = AccountState(
        "a1",
        "CNY",
        "cash_loan",
        12,
        5000,
        90000,
        START,
        START - timedelta(days=12),
        Tier.MODERATE,
        customer_type=CustomerType.REPEAT,
        episodes=(
            Episode(START - timedelta(days=90), START - timedelta(days=80)),
            Episode(START - timedelta(days=12)),
        ),
        broken_promises=(START,),
        last_payment_on=START,
        promise=Promise(4000, START + timedelta(days=2), at(START, 0), at(START, 1), 100),
        seen_at=at(START, 1),
        plan_status=PlanStatus.ACTIVE,
    )
    plan = RepaymentPlan(
        "plan-1",
        ("a1",),
        "CNY",
        (Instalment(START + timedelta(days=3), 2000), Instalment(START + timedelta(days=17), 3000)),
        at(START, 11),
        at(START + timedelta(days=7), 0),
        paid=2000,
        kept=1,
    )
    legal = LegalProgress(
        stage=1,
        tries=2,
        letters=("l2", "l3"),
        sent_stage="court_summons",
        sent_at=at(START, 10),
        delivered=(LegalStage("lawyer_letter", "l1", at(START, 9)),),
    )
    return CustomerState(
        "c1",
        opt_outs=frozenset({Channel.SMS, Channel.IVR}),
        reported_hard_stops=frozenset({HardStop.DISPUTE}),
        prior_delinquencies=1,
        customer_type=CustomerType.REPEAT,
        customer_type_reason="2 episodes",
        dispute_reported_at=at(START, 8),
        accounts={"a1": account},
        strategy_variant="champion",
        episode_started=START,
        progress={Channel.IVR: ChannelProgress(2, at(START, 10), 1, 1)},
        slots={
            Channel.AGENT_CALL: Slot(Channel.AGENT_CALL, 1, at(START, 11), not_before=at(START, 11))
        },
        ledger=(
            LedgerEntry("k1", Channel.IVR, at(START, 10), Outcome.NO_ANSWER, False),
            LedgerEntry("k2", Channel.IVR, at(START, 11), Outcome.RIGHT_PARTY, False, True, True),
        ),
        last_right_party_at=at(START, 9),
        unreached_since=at(START, 10),
        legal=legal,
        repayment_plan=plan,
        seen_events=(SeenEvent("e1", at(START, 0)), SeenEvent("e2", at(START, 1))),
    )


def test_customer_state_round_trips_through_json() -> None:
    state = rich_state()
    plain = customer_to_dict(state)
    assert customer_from_dict(json.loads(json.dumps(plain))) == state


def test_the_stored_form_is_plain_and_readable() -> None:
    plain = customer_to_dict(rich_state())
    assert plain["opt_outs"] == ["ivr", "sms"]
    assert plain["accounts"]["a1"]["tier"] == "moderate"  # type: ignore[index]
    assert plain["slots"]["agent_call"]["due_at"] == "2026-03-01T03:00:00+00:00"  # type: ignore[index]


def test_unknown_stored_keys_are_ignored_so_old_workers_read_newer_state() -> None:
    plain = customer_to_dict(CustomerState("c1"))
    plain["added_later"] = 1
    assert customer_from_dict(plain) == CustomerState("c1")


def test_a_profiles_display_name_is_not_kept_in_the_state() -> None:
    from dataclasses import fields

    from streams.core import decide, load_policy
    from tests.unit.core.walk_support import profile

    state = decide(None, profile(at(START, 1), display_name="张三"), at(START, 1), load_policy())
    assert "display_name" not in {f.name for f in fields(state.state)}
    assert "张三" not in json.dumps(customer_to_dict(state.state), ensure_ascii=False)
