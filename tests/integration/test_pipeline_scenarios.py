"""The live pipeline on the real broker: typical accounts through tiers, channels and rules.

The worker runs with the event-time clock, so these scenarios replay weeks in seconds and
each customer's contacts fall due exactly when a punctual timer would have fired them live.
Inputs of different topics are published in phases (each phase awaited) because Kafka does
not order messages across topics.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from streams.contract.catalogue import Catalogue
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Bucket,
    Channel,
    ContactDue,
    ContactOutcome,
    ContactSuppressed,
    HardStop,
    InputEvent,
    Outcome,
    Repayment,
    SegmentChanged,
    SuppressionReason,
    Tier,
)
from streams.settings import Settings
from streams.worker import Pipeline
from tests.integration.pipeline_harness import (
    Reader,
    pipeline_settings,
    publish_and_wait,
    running,
    topics_for,
)

pytestmark = pytest.mark.kafka

DAY0 = date(2026, 3, 1)
NIGHTLY = 15  # the aging batch lands at 15:00 UTC, 23:00 in Shanghai


def at(day: int, hour: int = NIGHTLY) -> datetime:
    d = DAY0 + timedelta(days=day)
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def aging(
    customer: str, day: int, dpd: int, overdue: int, balance: int = 2_000_000
) -> AgingSnapshot:
    return AgingSnapshot(
        f"{customer}-aging-{day}",
        at(day),
        customer,
        f"{customer}-loan",
        DAY0 + timedelta(days=day),
        dpd,
        overdue if dpd else 0,
        balance,
        "CNY",
        "consumer-loan",
    )


class Scenario:
    def __init__(self, settings: Settings, cat: Catalogue, pipeline: Pipeline) -> None:
        self.settings, self.cat, self.pipeline = settings, cat, pipeline
        self.reader = Reader(
            settings.kafka_bootstrap,
            [cat.segment_changes.name, cat.contact_suppressed.name]
            + [t.name for t in cat.contact_due_topics],
        )

    async def phase(self, events: Sequence[InputEvent]) -> None:
        """Publish and wait until the worker has committed all of it."""
        await publish_and_wait(self.settings, self.cat, events)

    async def outputs(self) -> list[object]:
        await asyncio.to_thread(self.reader.drain)
        return [r[2] for r in self.reader.records]

    def contacts(self, customer: str) -> list[ContactDue]:
        return [c for c in self.reader.of_type(ContactDue) if c.customer_id == customer]

    def suppressed(self, customer: str) -> list[ContactSuppressed]:
        return [
            s for s in self.reader.of_type(ContactSuppressed) if s.contact.customer_id == customer
        ]

    def changes(self, customer: str) -> list[SegmentChanged]:
        return [s for s in self.reader.of_type(SegmentChanged) if s.customer_id == customer]


@pytest.fixture
async def scenario(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> AsyncIterator[Scenario]:
    settings = pipeline_settings(kafka_bootstrap, unique_name(), tmp_path)
    cat = topics_for(settings)
    async with running(settings) as pipeline:
        s = Scenario(settings, cat, pipeline)
        yield s
        s.reader.close()


async def test_an_account_aging_to_91_dpd_walks_the_tiers_and_escalates_channels(
    scenario: Scenario,
) -> None:
    await scenario.phase([aging("walker", day, day, 80_000) for day in range(1, 96)])
    await scenario.reader.until(
        lambda rs: any(isinstance(r, SegmentChanged) and r.to_bucket is Bucket.M3_PLUS for r in rs),
        "the account to reach M3+",
    )
    await scenario.outputs()

    tiers = [
        (c.from_tier, c.to_tier) for c in scenario.changes("walker") if c.from_tier != c.to_tier
    ]
    assert tiers == [
        (Tier.CURRENT, Tier.MILD),
        (Tier.MILD, Tier.MODERATE),
        (Tier.MODERATE, Tier.HEAVY),
        (Tier.HEAVY, Tier.SEVERE),
    ]
    buckets = [c.to_bucket for c in scenario.changes("walker") if c.from_bucket != c.to_bucket]
    assert buckets == [Bucket.M1, Bucket.M2, Bucket.M3, Bucket.M3_PLUS]

    by_channel: dict[Channel, list[int]] = {}
    for contact in scenario.contacts("walker"):
        by_channel.setdefault(contact.channel, []).append(contact.days_past_due)
    assert set(by_channel) == set(Channel)
    assert max(by_channel[Channel.SMS]) <= 30  # reminders, then follow-ups of calls (moderate)
    assert max(by_channel[Channel.IVR]) <= 15
    assert min(by_channel[Channel.AGENT_CALL]) >= 16
    assert min(by_channel[Channel.FIELD_VISIT]) >= 31
    # silence alone never makes a customer wilful: the legal path starts in the severe tier
    wilful = [c for c in scenario.changes("walker") if c.to_customer_type.value == "wilful"]
    assert wilful == []
    assert min(by_channel[Channel.LEGAL_LETTER]) >= 61


async def test_a_repayment_that_cures_stops_contacts_at_once(scenario: Scenario) -> None:
    await scenario.phase([aging("payer", day, day, 30_000) for day in range(1, 6)])
    paid_at = at(5, 20)  # day 6, 04:00 in Shanghai: before any daytime contact that day
    await scenario.phase(
        [Repayment("payer-pay-1", paid_at, "payer", "payer-loan", 30_000, "CNY", paid_at, "app")]
    )
    await scenario.phase([aging("payer", day, 0, 0) for day in range(6, 12)])
    await scenario.outputs()

    contacts = scenario.contacts("payer")
    assert contacts, "the overdue days should have made contacts"
    assert all(c.due_at < paid_at for c in contacts)
    cured = [s for s in scenario.suppressed("payer") if s.reason is SuppressionReason.CURED]
    assert cured, "the contacts pending at the cure are audited as cancelled"
    assert scenario.changes("payer")[-1].to_tier is Tier.CURRENT


async def test_a_promise_pauses_contacts_and_a_broken_one_escalates(scenario: Scenario) -> None:
    await scenario.phase([aging("promiser", day, day + 9, 50_000) for day in range(1, 4)])
    made = at(3, 12)
    promise_day = DAY0 + timedelta(days=6)
    await scenario.phase(
        [
            ContactOutcome(
                "promiser-ptp",
                made,
                "promiser",
                Channel.IVR,
                Outcome.PROMISE_TO_PAY,
                None,
                "promiser-loan",
                50_000,
                promise_day,
                "CNY",
            )
        ]
    )
    await scenario.phase([aging("promiser", day, day + 9, 50_000) for day in range(4, 13)])
    await scenario.outputs()

    contacts = scenario.contacts("promiser")
    grace_end = datetime(2026, 3, 9, tzinfo=ZoneInfo("Asia/Shanghai"))  # 2 grace days
    during = [c for c in contacts if made < c.due_at < grace_end]
    assert all("reminder" in c.template for c in during), [c.template for c in during]
    before = [c for c in contacts if c.due_at < made]
    after = [c for c in contacts if c.due_at >= grace_end]
    assert before and after
    # first seen at DPD 10: the ladder starts at SMS (the brief's example); after the broken
    # promise it has climbed to agent calls, with the moderate tier's SMS follow-ups
    assert {c.channel for c in before} == {Channel.SMS}
    assert {c.channel for c in after} == {Channel.AGENT_CALL, Channel.SMS}


async def test_quiet_hours_defer_a_contact_to_the_next_window_in_the_customers_zone(
    scenario: Scenario,
) -> None:
    zone = "Pacific/Auckland"  # 15:00 UTC is 04:00 there: deep inside quiet hours
    profile = AccountProfile("kiwi-profile", at(0, 1), "kiwi", zone, "en-NZ")
    await scenario.phase([profile])
    await scenario.phase([aging("kiwi", day, day, 10_000) for day in range(1, 4)])
    await scenario.outputs()

    contacts = scenario.contacts("kiwi")
    assert contacts
    for contact in contacts:
        local = contact.due_at.astimezone(ZoneInfo(zone))
        assert 8 <= local.hour < 22, (contact.channel, local)
    # the first contact fell due at 04:00 local: held back, then sent the same local morning
    first = min(contacts, key=lambda c: c.due_at)
    arrived = at(1).astimezone(ZoneInfo(zone))
    assert first.due_at.astimezone(ZoneInfo(zone)).date() == arrived.date()
    assert first.due_at > at(1)  # not at 04:00 when it arrived


async def test_a_dispute_suppresses_every_later_contact_with_an_audit_record(
    scenario: Scenario,
) -> None:
    await scenario.phase([aging("disputer", day, day, 10_000) for day in range(1, 4)])
    raised = at(3, 12)
    await scenario.phase(
        [ContactOutcome("disputer-dispute", raised, "disputer", Channel.IVR, Outcome.DISPUTE)]
    )
    await scenario.phase([aging("disputer", day, day, 10_000) for day in range(4, 9)])
    await scenario.outputs()

    assert all(c.due_at < raised for c in scenario.contacts("disputer"))
    audit = [s for s in scenario.suppressed("disputer") if s.reason is SuppressionReason.HARD_STOP]
    assert audit
    assert all(s.contact.customer_id == "disputer" for s in audit)


async def test_a_hard_stop_in_the_profile_means_no_contact_at_all(scenario: Scenario) -> None:
    profile = AccountProfile(
        "gone-profile",
        at(0, 1),
        "gone",
        "Asia/Shanghai",
        "zh-CN",
        hard_stops=frozenset({HardStop.DECEASED}),
    )
    await scenario.phase([profile])
    await scenario.phase([aging("gone", day, day, 10_000) for day in range(1, 6)])
    await scenario.outputs()
    assert scenario.contacts("gone") == []
    assert scenario.changes("gone"), "segmentation still runs for reporting"


async def test_an_sms_opt_out_suppresses_the_pending_sms_with_an_audit_record(
    scenario: Scenario,
) -> None:
    await scenario.phase([aging("quiet", 1, 1, 10_000)])
    said = at(1, 14)  # 22:00 in Shanghai, before the first SMS goes out the next morning
    await scenario.phase(
        [ContactOutcome("quiet-optout", said, "quiet", Channel.SMS, Outcome.OPT_OUT)]
    )
    await scenario.phase([aging("quiet", day, day, 10_000) for day in range(2, 6)])
    await scenario.outputs()

    assert [c for c in scenario.contacts("quiet") if c.channel is Channel.SMS] == []
    audit = [s for s in scenario.suppressed("quiet") if s.reason is SuppressionReason.OPT_OUT]
    assert [s.contact.channel for s in audit] == [Channel.SMS]
    assert any(c.channel is Channel.IVR for c in scenario.contacts("quiet"))  # others go on
