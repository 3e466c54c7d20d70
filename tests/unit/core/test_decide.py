from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from streams.core import decide, due, load_policy, next_wakeup
from streams.core.model import (
    Channel,
    ContactDue,
    ContactSuppressed,
    DeadLetter,
    HardStop,
    InputEvent,
    Outcome,
    SegmentChanged,
    SuppressionReason,
    Tier,
)
from tests.unit.core.walk_support import START, Driver, aging, at, outcome, profile, repayment

POLICY = load_policy()
DAY1, DAY2 = START + timedelta(days=1), START + timedelta(days=2)


def started(*events: object) -> Driver:
    driver = Driver(POLICY)
    for event in events:
        driver.send(event)  # type: ignore[arg-type]
    return driver


def test_first_overdue_snapshot_reports_the_segment_and_schedules_but_emits_no_contact() -> None:
    decision = decide(None, aging("a1", DAY1, 1, 5000), at(DAY1, 1), POLICY)
    (segment,) = decision.outputs
    assert isinstance(segment, SegmentChanged)
    assert (segment.from_tier, segment.to_tier) == (Tier.CURRENT, Tier.MILD)
    assert decision.changed
    assert next_wakeup(decision.state) == at(DAY1, 10)


def test_contacts_are_emitted_only_once_due() -> None:
    state = decide(None, aging("a1", DAY1, 1, 5000), at(DAY1, 1), POLICY).state
    assert due(state, at(DAY1, 9, 59), POLICY).outputs == ()
    (contact,) = due(state, at(DAY1, 10), POLICY).outputs
    assert isinstance(contact, ContactDue)
    assert (contact.channel, contact.amount_due, contact.days_past_due) == (Channel.SMS, 5000, 1)
    assert contact.expires_at == at(DAY1, 22)


def test_a_daily_snapshot_that_only_moves_the_date_changes_nothing() -> None:
    current = decide(None, aging("a1", START, 0, 0), at(START, 1), POLICY).state
    later = decide(current, aging("a1", DAY2, 0, 0), at(DAY2, 1), POLICY)
    assert (later.changed, later.outputs) == (False, ())


def test_a_delinquent_account_aging_within_its_tier_needs_no_write() -> None:
    driver = started(aging("a1", DAY1, 1, 5000))
    driver.run_until(at(DAY2, 0))
    assert driver.state is not None
    decision = decide(driver.state, aging("a1", DAY2, 2, 5000), at(DAY2, 1), POLICY)
    assert not decision.changed
    assert decision.state.accounts["a1"].dpd_on(DAY2) == 2


def test_crossing_a_tier_boundary_is_a_change_with_a_segment_event() -> None:
    state = decide(None, aging("a1", DAY1, 7, 5000), at(DAY1, 1), POLICY).state
    decision = decide(state, aging("a1", DAY2, 8, 5000), at(DAY2, 1), POLICY)
    segments = [o for o in decision.outputs if isinstance(o, SegmentChanged)]
    assert [(s.from_tier, s.to_tier) for s in segments] == [(Tier.MILD, Tier.MODERATE)]
    assert decision.changed


def test_an_older_snapshot_is_ignored() -> None:
    state = decide(None, aging("a1", DAY2, 5, 5000), at(DAY2, 1), POLICY).state
    stale = decide(state, aging("a1", DAY1, 0, 0), at(DAY2, 2), POLICY)
    assert (stale.changed, stale.outputs) == (False, ())


def test_replaying_an_applied_event_is_a_no_op() -> None:
    driver = started(aging("a1", DAY1, 3, 5000))
    pay = repayment("a1", 1000, at(DAY1, 12))
    driver.send(pay)
    assert driver.state is not None
    replay = decide(driver.state, pay, at(DAY1, 13), POLICY)
    assert (replay.changed, replay.outputs) == (False, ())
    assert replay.state.accounts["a1"].overdue_amount == 4000


def test_segment_event_ids_are_deterministic() -> None:
    first = decide(None, aging("a1", DAY1, 1, 5000), at(DAY1, 1), POLICY).outputs
    second = decide(None, aging("a1", DAY1, 1, 5000), at(DAY1, 1), POLICY).outputs
    assert first == second
    assert isinstance(first[0], SegmentChanged)
    assert len(first[0].event_id) == 32


def test_a_cure_cancels_every_scheduled_contact_with_an_audit_record() -> None:
    driver = started(aging("a1", DAY1, 3, 5000))
    driver.run_until(at(DAY1, 10, 30))  # SMS sent, IVR scheduled for 16:30
    assert driver.state is not None
    scheduled = set(driver.state.slots)
    outputs = driver.send(repayment("a1", 5000, at(DAY1, 12)))
    cancelled = [o for o in outputs if isinstance(o, ContactSuppressed)]
    assert {c.contact.channel for c in cancelled} == scheduled != set()
    assert {c.reason for c in cancelled} == {SuppressionReason.CURED}
    assert next_wakeup(driver.state) is None


def test_a_partial_repayment_updates_the_amount_of_the_next_contact() -> None:
    driver = started(aging("a1", DAY1, 1, 5000))
    driver.send(repayment("a1", 1200, at(DAY1, 9)))
    driver.run_until(at(DAY1, 11))
    assert driver.last_contact(Channel.SMS).amount_due == 3800


def test_one_contact_per_channel_covers_every_overdue_account_of_the_customer() -> None:
    driver = started(aging("a1", DAY1, 2, 5000), aging("a2", DAY1, 9, 7000))
    driver.run_until(at(DAY1, 23))
    contacts = driver.contacts()
    # first seen at DPD 9: the ladder starts with one SMS (12:30, the moderate tier's time)
    assert [(c.channel, c.attempt) for c in contacts] == [(Channel.SMS, 1)]
    contact = contacts[0]
    assert {(a.account_id, a.amount_due) for a in contact.accounts} == {("a1", 5000), ("a2", 7000)}
    assert (contact.amount_due, contact.days_past_due, contact.tier) == (12000, 9, Tier.MODERATE)


def test_a_hard_stop_from_the_profile_cancels_scheduled_contacts() -> None:
    driver = started(aging("a1", DAY1, 3, 5000))
    stop = profile(at(DAY1, 2), hard_stops=frozenset({HardStop.HARDSHIP_PAUSE}))
    outputs = driver.send(stop)
    assert {o.reason for o in outputs if isinstance(o, ContactSuppressed)} == {
        SuppressionReason.HARD_STOP
    }
    driver.run_until(at(DAY1 + timedelta(days=10), 0))
    assert driver.contacts() == []


def test_an_opt_out_reported_by_a_gateway_stops_that_channel_only() -> None:
    driver = started(aging("a1", DAY1, 3, 5000))
    driver.run_until(at(DAY1, 11))
    sms = driver.last_contact(Channel.SMS)
    driver.send(outcome(Channel.SMS, Outcome.OPT_OUT, at(DAY1, 11, 5), sms.contact_id))
    driver.run_until(at(DAY1 + timedelta(days=6), 0))
    assert [c.channel for c in driver.contacts() if c.occurred_at > sms.occurred_at]
    assert all(c.channel is not Channel.SMS for c in driver.contacts()[1:])


def test_a_dispute_outcome_is_a_hard_stop() -> None:
    driver = started(aging("a1", DAY1, 3, 5000))
    driver.run_until(at(DAY1, 11))
    driver.send(outcome(Channel.SMS, Outcome.DISPUTE, at(DAY1, 11, 5)))
    before = len(driver.contacts())
    driver.run_until(at(DAY1 + timedelta(days=6), 0))
    assert len(driver.contacts()) == before


def test_bad_business_input_becomes_a_dead_letter() -> None:
    state = decide(None, aging("a1", DAY1, 3, 5000), at(DAY1, 1), POLICY).state
    cases: list[tuple[InputEvent, str]] = [
        (repayment("nope", 100, at(DAY1, 2)), "unknown_account"),
        (repayment("a1", 100, at(DAY1, 2), currency="USD"), "currency_mismatch"),
        (aging("a1", DAY2, 4, 5000, currency="USD"), "currency_mismatch"),
        (aging("a1", DAY2, -1, 5000), "validation"),
        (aging("a1", DAY2, 4, 0), "validation"),
        (profile(at(DAY1, 2), time_zone="Mars/Base"), "validation"),
        (outcome(Channel.AGENT_CALL, Outcome.PROMISE_TO_PAY, at(DAY1, 2)), "validation"),
    ]
    for event, reason in cases:
        decision = decide(state, event, at(DAY1, 3), POLICY)
        assert not decision.changed
        assert [type(o) for o in decision.outputs] == [DeadLetter]
        (dead,) = decision.outputs
        assert isinstance(dead, DeadLetter)
        assert dead.reason == reason


def test_an_event_for_another_customer_is_refused() -> None:
    state = decide(None, aging("a1", DAY1, 3, 5000), at(DAY1, 1), POLICY).state
    other = aging("a9", DAY1, 3, 5000, customer="someone-else")
    assert isinstance(decide(state, other, at(DAY1, 2), POLICY).outputs[0], DeadLetter)


def test_the_strategy_variant_travels_on_every_output() -> None:
    driver = started(aging("a1", DAY1, 3, 5000))
    driver.run_until(at(DAY1, 23))
    assert driver.state is not None
    variant = driver.state.strategy_variant
    assert variant in {v.name for v in POLICY.strategy.variants}
    carried = [o for _, o in driver.log if isinstance(o, ContactDue | SegmentChanged)]
    assert {o.strategy_variant for o in carried} == {variant}


def test_a_customer_whose_variant_was_removed_is_reassigned() -> None:
    state = decide(None, aging("a1", DAY1, 3, 5000), at(DAY1, 1), POLICY).state
    orphan = replace(state, strategy_variant="retired")
    decision = decide(orphan, aging("a1", DAY2, 4, 5000), at(DAY2, 1), POLICY)
    assert decision.state.strategy_variant in POLICY.strategy.by_name


def test_a_first_contact_late_in_the_evening_waits_for_the_next_morning() -> None:
    driver = Driver(POLICY)
    driver.send(replace(aging("a1", DAY1, 3, 5000), occurred_at=at(DAY1, 21, 50)))
    driver.run_until(at(DAY2, 12))
    # not at 21:50 with ten minutes to live: the next morning, at the SMS's configured time
    assert [c.occurred_at for c in driver.contacts()][:1] == [at(DAY2, 10)]
