"""One simulated day: repayments during the day, then every account's nightly snapshot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from streams.core.model import AgingSnapshot, Repayment
from streams.sim import SimConfig, Simulator

START = date(2026, 1, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
Days = list[list[AgingSnapshot | Repayment]]


@pytest.fixture(scope="module")
def two_days() -> Days:
    sim = Simulator(SimConfig(accounts=3000, start=START))
    return [sim.day(START), sim.day(START + timedelta(days=1))]


def _snapshots(events: list[AgingSnapshot | Repayment]) -> dict[str, AgingSnapshot]:
    return {e.account_id: e for e in events if isinstance(e, AgingSnapshot)}


def test_each_day_ends_with_a_snapshot_of_every_account(two_days: Days) -> None:
    for events in two_days:
        snaps = _snapshots(events)
        assert len(snaps) == 3000
        assert all(isinstance(e, AgingSnapshot) for e in events[-3000:])
        assert sum(1 for s in snaps.values() if s.days_past_due == 0) > 2000


def test_events_of_a_day_are_in_time_order_with_repayments_first(two_days: Days) -> None:
    for events in two_days:
        times = [e.occurred_at for e in events]
        assert times == sorted(times)
        assert any(isinstance(e, Repayment) for e in events)


def test_all_times_are_utc_aware_and_inside_the_lenders_day(two_days: Days) -> None:
    for d, events in zip((START, START + timedelta(days=1)), two_days, strict=True):
        for e in events:
            times = [e.occurred_at] + ([e.paid_at] if isinstance(e, Repayment) else [])
            for t in times:
                assert t.utcoffset() == timedelta(0)
                assert t.astimezone(SHANGHAI).date() == d


def test_the_nightly_snapshot_is_taken_at_eleven_pm_shanghai(two_days: Days) -> None:
    snap = two_days[0][-1]
    assert isinstance(snap, AgingSnapshot)
    assert snap.occurred_at == datetime(2026, 1, 1, 15, 0, tzinfo=UTC)
    assert snap.as_of == START


def test_overdue_accounts_that_do_not_pay_age_by_one_day(two_days: Days) -> None:
    first, second = (_snapshots(events) for events in two_days)
    paid = {e.account_id for e in two_days[1] if isinstance(e, Repayment)}
    for account, snap in first.items():
        if snap.days_past_due > 0 and account not in paid:
            assert second[account].days_past_due == snap.days_past_due + 1


def test_a_repayment_of_the_whole_overdue_amount_shows_the_account_current(
    two_days: Days,
) -> None:
    first, second = (_snapshots(events) for events in two_days)
    cures = [
        e
        for e in two_days[1]
        if isinstance(e, Repayment) and e.amount == first[e.account_id].overdue_amount
    ]
    assert cures
    assert all(second[e.account_id].days_past_due == 0 for e in cures)


def test_some_current_accounts_miss_a_due_date_each_day(two_days: Days) -> None:
    first, second = (_snapshots(events) for events in two_days)
    missed = [a for a, s in first.items() if s.days_past_due == 0 and second[a].days_past_due == 1]
    assert 0 < len(missed) < 300


def test_event_ids_are_unique_across_days(two_days: Days) -> None:
    ids = [e.event_id for events in two_days for e in events]
    assert len(ids) == len(set(ids))


def test_days_must_be_played_in_order() -> None:
    sim = Simulator(SimConfig(accounts=10, start=START))
    with pytest.raises(ValueError, match="in order"):
        sim.day(START + timedelta(days=1))


def test_days_plays_consecutive_days_from_the_start() -> None:
    sim = Simulator(SimConfig(accounts=10, start=START))
    played = [d for d, _ in sim.days(3)]
    assert played == [START + timedelta(days=k) for k in range(3)]
    assert sim.next_day == START + timedelta(days=3)


def test_profiles_place_most_customers_in_shanghai_and_a_few_elsewhere() -> None:
    profiles = Simulator(SimConfig(accounts=5000)).profiles()
    zones = [p.time_zone for p in profiles]
    elsewhere = sum(1 for z in zones if z != "Asia/Shanghai") / len(zones)
    assert 0.01 < elsewhere < 0.08
    assert all(p.customer_id.startswith("C") and p.locale for p in profiles)
    assert len({p.customer_id for p in profiles}) == len(profiles)
