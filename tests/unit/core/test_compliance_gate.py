from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from streams.core import ConfigError, load_policy
from streams.core.config import COMPLIANCE_DIR
from streams.core.gate import check
from streams.core.model import Channel, HardStop, Outcome, SuppressionReason
from streams.core.state import REMINDER, AccountState, CustomerState, LedgerEntry, Promise, Slot
from tests.unit.core.walk_support import START, at

CHINA = load_policy().compliance
REG_F = load_policy(compliance_preset="us_reg_f").compliance
NEW_YORK = ZoneInfo("America/New_York")


def overdue_customer(**fields: object) -> CustomerState:
    account = AccountState("acc", "CNY", days_past_due=5, overdue_amount=100, overdue_since=START)
    return CustomerState("c1", accounts={"acc": account}, **fields)  # type: ignore[arg-type]


def slot(channel: Channel, purpose: str = "collect") -> Slot:
    return Slot(channel, 1, at(START, 0), purpose)


@pytest.mark.parametrize(
    ("channel", "hh", "mm", "allowed", "deferred_to"),
    [
        (Channel.SMS, 7, 59, False, (8, 0)),
        (Channel.SMS, 8, 0, True, None),
        (Channel.SMS, 12, 30, True, None),
        (Channel.SMS, 20, 59, True, None),
        (Channel.SMS, 21, 1, False, (8, 0)),  # less than an hour of the window left
        (Channel.SMS, 22, 0, False, (8, 0)),
        (Channel.IVR, 12, 0, False, (13, 30)),
        (Channel.IVR, 13, 29, False, (13, 30)),
        (Channel.IVR, 13, 30, True, None),
        (Channel.AGENT_CALL, 18, 45, False, (19, 30)),
        (Channel.AGENT_CALL, 19, 30, True, None),
        (Channel.FIELD_VISIT, 12, 15, True, None),
    ],
)
def test_china_contact_hours_and_voice_meal_times(
    channel: Channel, hh: int, mm: int, allowed: bool, deferred_to: tuple[int, int] | None
) -> None:
    verdict = check(overdue_customer(), slot(channel), at(START, hh, mm), CHINA)
    assert verdict.send is allowed
    if deferred_to is not None:
        assert verdict.reason is SuppressionReason.QUIET_HOURS
        assert verdict.until is not None
        local = verdict.until.astimezone(ZoneInfo("Asia/Shanghai"))
        assert (local.hour, local.minute) == deferred_to
        assert local.date() == (START + timedelta(days=1) if hh >= 21 else START)


def test_late_evening_is_deferred_to_next_morning() -> None:
    verdict = check(overdue_customer(), slot(Channel.SMS), at(START, 23), CHINA)
    assert verdict.until == at(START + timedelta(days=1), 8)


def test_windows_are_in_the_customers_own_zone() -> None:
    customer = overdue_customer(time_zone="America/New_York")
    nine_am_new_york = datetime(2026, 3, 2, 9, tzinfo=NEW_YORK).astimezone(UTC)
    assert check(customer, slot(Channel.SMS), nine_am_new_york, CHINA).send
    assert not check(overdue_customer(), slot(Channel.SMS), nine_am_new_york, CHINA).send


@pytest.mark.parametrize(
    ("fields", "channel", "reason"),
    [
        (
            {"hard_stops": frozenset({HardStop.BANKRUPTCY})},
            Channel.SMS,
            SuppressionReason.HARD_STOP,
        ),
        ({"hard_stops": frozenset({HardStop.DECEASED})}, Channel.IVR, SuppressionReason.HARD_STOP),
        (
            {"reported_hard_stops": frozenset({HardStop.DISPUTE})},
            Channel.SMS,
            SuppressionReason.HARD_STOP,
        ),
        ({"opt_outs": frozenset({Channel.SMS})}, Channel.SMS, SuppressionReason.OPT_OUT),
        ({"reported_opt_outs": frozenset({Channel.IVR})}, Channel.IVR, SuppressionReason.OPT_OUT),
    ],
)
def test_hard_stops_and_opt_outs_suppress_for_good(
    fields: dict[str, object], channel: Channel, reason: SuppressionReason
) -> None:
    verdict = check(overdue_customer(**fields), slot(channel), at(START, 10), CHINA)
    assert (verdict.reason, verdict.until) == (reason, None)


def test_an_opt_out_of_one_channel_leaves_the_others_open() -> None:
    customer = overdue_customer(opt_outs=frozenset({Channel.SMS}))
    assert check(customer, slot(Channel.IVR), at(START, 10), CHINA).send


def test_a_cured_customer_is_never_contacted() -> None:
    customer = CustomerState("c1", accounts={"acc": AccountState("acc", "CNY")})
    verdict = check(customer, slot(Channel.SMS), at(START, 10), CHINA)
    assert verdict.reason is SuppressionReason.CURED


def test_a_pending_promise_holds_collection_but_not_the_reminder() -> None:
    customer = overdue_customer()
    promise = Promise(100, START + timedelta(days=3), at(START, 0), at(START, 0))
    account = replace(customer.accounts["acc"], promise=promise)
    customer = replace(customer, accounts={"acc": account})
    collect = check(customer, slot(Channel.IVR), at(START, 10), CHINA)
    assert collect.reason is SuppressionReason.PROMISE_PENDING
    assert check(customer, slot(Channel.SMS, REMINDER), at(START, 10), CHINA).send


def ledger(*entries: tuple[int, Outcome | None]) -> tuple[LedgerEntry, ...]:
    """Voice attempts at START 08:00 + n hours with the given outcomes."""
    return tuple(
        LedgerEntry(f"k{i}", Channel.IVR, at(START, 8) + timedelta(hours=h), o)
        for i, (h, o) in enumerate(entries)
    )


def test_a_fourth_connected_voice_contact_in_a_day_is_deferred_a_rolling_day() -> None:
    customer = overdue_customer(
        ledger=ledger((0, Outcome.ANSWERED), (1, Outcome.RIGHT_PARTY), (2, Outcome.REFUSED))
    )
    verdict = check(customer, slot(Channel.AGENT_CALL), at(START, 15), CHINA)
    assert verdict.reason is SuppressionReason.DAILY_CAP
    assert verdict.until == at(START + timedelta(days=1), 8)


def test_unknown_outcomes_count_as_possibly_connected() -> None:
    customer = overdue_customer(ledger=ledger((0, None), (1, Outcome.ANSWERED), (2, None)))
    verdict = check(customer, slot(Channel.IVR), at(START, 15), CHINA)
    assert verdict.reason is SuppressionReason.DAILY_CAP


def test_a_seventh_unanswered_dial_in_a_day_is_deferred() -> None:
    customer = overdue_customer(ledger=ledger(*((h, Outcome.NO_ANSWER) for h in range(6))))
    verdict = check(customer, slot(Channel.IVR), at(START, 15), CHINA)
    assert verdict.reason is SuppressionReason.ATTEMPT_CAP
    assert verdict.until == at(START + timedelta(days=1), 8)


def test_sms_is_not_counted_by_voice_caps() -> None:
    customer = overdue_customer(ledger=ledger(*((h, Outcome.NO_ANSWER) for h in range(6))))
    assert check(customer, slot(Channel.SMS), at(START, 15), CHINA).send


def test_attempts_older_than_the_rolling_window_no_longer_count() -> None:
    customer = overdue_customer(ledger=ledger(*((h, Outcome.NO_ANSWER) for h in range(6))))
    next_day = at(START + timedelta(days=1), 8, 30)
    assert check(customer, slot(Channel.IVR), next_day, CHINA).send


def test_reg_f_allows_seven_call_attempts_in_seven_days_then_defers() -> None:
    entries = tuple(
        LedgerEntry(f"k{i}", Channel.IVR, at(START + timedelta(days=i), 10), Outcome.NO_ANSWER)
        for i in range(7)
    )
    customer = overdue_customer(time_zone="Asia/Shanghai", ledger=entries)
    verdict = check(customer, slot(Channel.AGENT_CALL), at(START + timedelta(days=6), 15), REG_F)
    assert verdict.reason is SuppressionReason.ATTEMPT_CAP
    assert verdict.until == at(START + timedelta(days=7), 10)
    assert check(customer, slot(Channel.SMS), at(START + timedelta(days=6), 15), REG_F).send


def test_reg_f_waits_seven_days_after_a_conversation() -> None:
    talk = LedgerEntry("k", Channel.AGENT_CALL, at(START, 10), Outcome.RIGHT_PARTY)
    customer = overdue_customer(ledger=(talk,))
    verdict = check(customer, slot(Channel.IVR), at(START + timedelta(days=3), 10), REG_F)
    assert verdict.reason is SuppressionReason.CONVERSATION_COOLDOWN
    assert verdict.until == at(START + timedelta(days=7), 10)


def test_reg_f_hours_are_eight_to_nine_at_the_consumers_location() -> None:
    customer = overdue_customer(time_zone="America/New_York")
    nine_pm = datetime(2026, 3, 2, 21, tzinfo=NEW_YORK).astimezone(UTC)
    eight_am = datetime(2026, 3, 2, 8, tzinfo=NEW_YORK).astimezone(UTC)
    before = datetime(2026, 3, 2, 7, 59, tzinfo=NEW_YORK).astimezone(UTC)
    assert not check(customer, slot(Channel.SMS), nine_pm, REG_F).send
    assert not check(customer, slot(Channel.SMS), before, REG_F).send
    assert check(customer, slot(Channel.SMS), eight_am, REG_F).send


def test_reg_f_waits_for_the_outcome_of_the_last_call_before_calling_again() -> None:
    pending = LedgerEntry("k", Channel.IVR, at(START, 10), None)
    customer = overdue_customer(ledger=(pending,))
    verdict = check(customer, slot(Channel.AGENT_CALL), at(START, 10, 7), REG_F)
    assert verdict.reason is SuppressionReason.CONVERSATION_COOLDOWN
    assert verdict.until == at(START, 11, 7)  # asks again in an hour
    answered = replace(pending, outcome=Outcome.NO_ANSWER)
    later = replace(customer, ledger=(answered,))
    assert check(later, slot(Channel.AGENT_CALL), at(START, 11, 7), REG_F).send


def test_a_contact_with_too_little_window_left_waits_for_the_next_window() -> None:
    verdict = check(overdue_customer(), slot(Channel.SMS), at(START, 21, 50), CHINA)
    assert (verdict.reason, verdict.until) == (
        SuppressionReason.QUIET_HOURS,
        at(START + timedelta(days=1), 8),
    )
    assert "too little" in verdict.detail
    before_lunch = check(overdue_customer(), slot(Channel.IVR), at(START, 11, 20), CHINA)
    assert before_lunch.until == at(START, 13, 30)  # voice: after the lunch break
    assert check(overdue_customer(), slot(Channel.IVR), at(START, 11), CHINA).send


def test_voice_is_quiet_on_a_public_holiday_and_resumes_the_day_after() -> None:
    may_day = date(2026, 5, 1)  # 1-5 May 2026 in the China preset's calendar
    verdict = check(overdue_customer(), slot(Channel.AGENT_CALL), at(may_day, 10), CHINA)
    assert (verdict.reason, verdict.until) == (
        SuppressionReason.QUIET_HOURS,
        at(date(2026, 5, 6), 8),
    )
    assert check(overdue_customer(), slot(Channel.SMS), at(may_day, 10), CHINA).send


def test_a_weekly_rest_day_and_a_bad_calendar(tmp_path: Path) -> None:
    preset = tmp_path / "rest.yaml"
    body = (COMPLIANCE_DIR / "china.yaml").read_text().split("quiet_days:")[0]
    preset.write_text(body + "quiet_days: {channels: [ivr], weekdays: [sunday]}\n")
    windows = load_policy(compliance_preset=str(preset)).compliance
    sunday = date(2026, 3, 1)
    assert not check(overdue_customer(), slot(Channel.IVR), at(sunday, 10), windows).send
    assert check(overdue_customer(), slot(Channel.AGENT_CALL), at(sunday, 10), windows).send
    every = "[monday, tuesday, wednesday, thursday, friday, saturday, sunday]"
    preset.write_text(body + f"quiet_days: {{channels: [ivr], weekdays: {every}}}\n")
    with pytest.raises(ConfigError, match=r"quiet_days\.weekdays: every weekday is quiet"):
        load_policy(compliance_preset=str(preset))
