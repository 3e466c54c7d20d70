"""Test helpers: build input events and drive a customer through decide/due like the agent."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from streams.core.config import Policy
from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    Channel,
    ContactDue,
    ContactOutcome,
    InputEvent,
    Outcome,
    Output,
    Repayment,
)
from streams.core.policy import decide, due, next_wakeup
from streams.core.state import CustomerState

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2026, 3, 1)


def without_quiet_days(policy: Policy) -> Policy:
    """``policy`` with no holidays in its calendar: day-by-day cadence tests stay readable
    (the calendar has its own tests)."""
    windows = {
        c: replace(w, quiet_dates=frozenset(), quiet_weekdays=frozenset())
        for c, w in policy.compliance.windows.items()
    }
    return replace(policy, compliance=replace(policy.compliance, windows=windows))


def at(day: date, hh: int, mm: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    """UTC instant of a local wall-clock time."""
    return datetime.combine(day, time(hh, mm), tzinfo=zone).astimezone(UTC)


def aging(
    account: str,
    as_of: date,
    dpd: int,
    overdue: int,
    customer: str = "c1",
    outstanding: int = 1_000_000,
    currency: str = "CNY",
) -> AgingSnapshot:
    return AgingSnapshot(
        event_id=f"aging-{account}-{as_of}",
        occurred_at=at(as_of, 1),
        customer_id=customer,
        account_id=account,
        as_of=as_of,
        days_past_due=dpd,
        overdue_amount=overdue,
        outstanding_balance=outstanding,
        currency=currency,
        product="cash_loan",
    )


def repayment(
    account: str, amount: int, when: datetime, customer: str = "c1", currency: str = "CNY"
) -> Repayment:
    return Repayment(
        event_id=f"pay-{account}-{when.isoformat()}",
        occurred_at=when,
        customer_id=customer,
        account_id=account,
        amount=amount,
        currency=currency,
        paid_at=when,
        source="bank_transfer",
    )


def outcome(
    channel: Channel,
    kind: Outcome,
    when: datetime,
    contact_id: str | None = None,
    customer: str = "c1",
    **promise: object,
) -> ContactOutcome:
    return ContactOutcome(
        event_id=f"outcome-{channel}-{kind}-{when.isoformat()}",
        occurred_at=when,
        customer_id=customer,
        channel=channel,
        outcome=kind,
        contact_id=contact_id,
        **promise,  # type: ignore[arg-type]
    )


def profile(when: datetime, customer: str = "c1", **fields: object) -> AccountProfile:
    values: dict[str, object] = {"time_zone": "Asia/Shanghai", "locale": "zh-CN", **fields}
    return AccountProfile(f"profile-{when.isoformat()}", when, customer, **values)  # type: ignore[arg-type]


@dataclass
class Driver:
    """Feeds events in time order and calls ``due`` at every wake-up, as the agent does."""

    policy: Policy
    state: CustomerState | None = None
    now: datetime = field(default_factory=lambda: at(START, 0))
    log: list[tuple[datetime, Output]] = field(default_factory=list)

    def run_until(self, until: datetime) -> None:
        calls_at_now = 0
        while self.state is not None:
            wake = next_wakeup(self.state)
            if wake is None or wake > until:
                break
            calls_at_now = calls_at_now + 1 if wake <= self.now else 0
            assert calls_at_now < 3, f"due() left work due at {self.now}: {self.state.slots}"
            self.now = max(self.now, wake)
            decision = due(self.state, self.now, self.policy)
            self.state = decision.state
            self.log.extend((self.now, o) for o in decision.outputs)
        self.now = max(self.now, until)

    def send(self, event: InputEvent, when: datetime | None = None) -> tuple[Output, ...]:
        self.run_until(when or event.occurred_at)
        decision = decide(self.state, event, self.now, self.policy)
        self.state = decision.state
        self.log.extend((self.now, o) for o in decision.outputs)
        return decision.outputs

    def contacts(self) -> list[ContactDue]:
        return [o for _, o in self.log if isinstance(o, ContactDue)]

    def last_contact(self, channel: Channel) -> ContactDue:
        return [c for c in self.contacts() if c.channel is channel][-1]


def age_daily(
    driver: Driver,
    account: str,
    missed: date,
    days: range,
    overdue: int,
    customer: str = "c1",
) -> None:
    """One aging snapshot per day (01:00 local) for an account whose due date was ``missed``."""
    for offset in days:
        as_of = START + timedelta(days=offset)
        driver.send(aging(account, as_of, max(0, (as_of - missed).days), overdue, customer))


def timeline(contacts: list[ContactDue], zone: ZoneInfo = SHANGHAI) -> list[str]:
    """``"DPD 3 03-04 10:30 ivr ivr.educational"`` per contact, for readable comparisons."""
    return [
        f"DPD {c.days_past_due} {c.occurred_at.astimezone(zone):%m-%d %H:%M} "
        f"{c.channel} {c.template}"
        for c in contacts
    ]


def report_letters(driver: Driver, outcome_kind: Outcome, after: timedelta) -> int:
    """The legal-letter service reports ``outcome_kind`` for every letter not reported yet,
    ``after`` it was sent (once the driver's clock has got there). Returns how many."""
    reported: set[str] = driver.__dict__.setdefault("_letters_reported", set())
    count = 0
    for letter in [c for c in driver.contacts() if c.channel is Channel.LEGAL_LETTER]:
        when = letter.occurred_at + after
        if letter.contact_id in reported or when > driver.now:
            continue
        reported.add(letter.contact_id)
        driver.send(
            outcome(Channel.LEGAL_LETTER, outcome_kind, when, letter.contact_id), driver.now
        )
        count += 1
    return count
