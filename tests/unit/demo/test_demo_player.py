"""The demo's day player answers contacts in a fixed order, whatever order they arrive in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from streams.core.model import Channel, ContactDue, CoveredAccount, InputEvent, Tier
from streams.demo.player import DayPlayer, Reaction
from streams.sim import SimConfig, Simulator

AT = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)


def contact(customer: str, channel: Channel, minutes: int) -> ContactDue:
    due = AT + timedelta(minutes=minutes)
    return ContactDue(
        contact_id=f"{customer}-{channel.value}-{minutes}",
        occurred_at=due,
        customer_id=customer,
        channel=channel,
        accounts=(CoveredAccount("A00000000", 3, 1000),),
        due_at=due,
        expires_at=due + timedelta(hours=2),
        tier=Tier.MILD,
        days_past_due=3,
        amount_due=1000,
        currency="CNY",
        template="test",
        attempt=1,
        strategy_variant="test",
        locale="zh-CN",
    )


CONTACTS = [
    contact("C00000000", Channel.IVR, 30),
    contact("C00000000", Channel.SMS, 0),
    contact("C00000001", Channel.SMS, 0),
    contact("C00000000", Channel.SMS, 0),  # a replayed duplicate
]


class Reader:
    """Hands out prepared batches, as polls of the five contact topics would."""

    def __init__(self, batches: list[list[ContactDue]]) -> None:
        self.batches = batches
        self.read = 0

    def poll(self, timeout: float) -> list[ContactDue]:
        return self.batches.pop(0) if self.batches else []


class Publisher:
    def __init__(self) -> None:
        self.published: list[InputEvent] = []

    def publish(self, events: Iterable[InputEvent]) -> int:
        batch = list(events)
        self.published += batch
        return len(batch)


class RecordingSimulator(Simulator):
    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.asked: list[str] = []

    def respond(self, contact: ContactDue, now: datetime) -> list[Reaction]:
        self.asked.append(contact.contact_id)
        return super().respond(contact, now)


def answered(batches: list[list[ContactDue]]) -> list[str]:
    sim = RecordingSimulator(SimConfig(accounts=20, seed=3))
    player = DayPlayer(sim, Publisher(), Reader(batches))  # type: ignore[arg-type]
    while player.read_contacts(0.0):
        pass
    assert sim.asked == []  # reading alone answers nobody
    assert player.respond_to_read() == 3
    return sim.asked


def test_contacts_are_answered_by_due_time_then_id_whatever_the_arrival_order() -> None:
    expected = ["C00000000-sms-0", "C00000001-sms-0", "C00000000-ivr-30"]
    assert answered([CONTACTS[:2], CONTACTS[2:]]) == expected
    assert answered([[CONTACTS[2]], [CONTACTS[3], CONTACTS[0]], [CONTACTS[1]]]) == expected


def test_a_contact_read_twice_is_answered_once() -> None:
    assert answered([CONTACTS, CONTACTS]).count("C00000000-sms-0") == 1
