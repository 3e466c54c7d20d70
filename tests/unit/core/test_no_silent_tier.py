"""Business invariant, checked on the running core: *no silent tier*.

Every delinquent customer with nothing holding contact back (no hard stop, opt-out or
dispute, no pending promise or plan being kept) has a next scheduled contact within the
strategy's ``max_gap_days``, at every DPD up to write-off, whatever their type, variant,
balance and history of answers, promises and plans. The strategy loader checks the same
promise on the file (``strategy.py``); this checks the cadence, ladder, legal path and
plans that serve it. (China preset without its holiday calendar: a 9-day Spring Festival
quiet period is a deliberate pause of voice contact, tested on its own.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.core import load_policy
from streams.core.model import Channel, InputEvent, Instalment, Outcome, Output
from tests.unit.core.walk_support import (
    START,
    Driver,
    aging,
    at,
    outcome,
    profile,
    repayment,
    without_quiet_days,
)

POLICY = without_quiet_days(load_policy())
WRITE_OFF = 180  # DPD: the lender charges the account off and hands it over
GAP = timedelta(days=POLICY.strategy.max_gap_days)
OUTCOMES = [
    Outcome.ANSWERED,
    Outcome.NO_ANSWER,
    Outcome.RIGHT_PARTY,
    Outcome.WRONG_PARTY,
    Outcome.REFUSED,
    Outcome.FAILED,
]


class CheckedDriver(Driver):
    """Checks the invariant after every step the core takes."""

    def run_until(self, until: datetime) -> None:
        while True:
            before = len(self.log)
            start = self.now
            super().run_until(min(until, self.now + timedelta(hours=6)))
            self.check()
            if self.now >= until or (self.now == start and len(self.log) == before):
                break

    def send(self, event: InputEvent, when: datetime | None = None) -> tuple[Output, ...]:
        outputs = super().send(event, when)
        self.check()
        return outputs

    def check(self) -> None:
        s = self.state
        if s is None or not s.delinquent_accounts:
            return
        if s.all_hard_stops or s.all_opt_outs or s.commitment is not None:
            return
        upcoming = min((slot.due_at for slot in s.slots.values()), default=None)
        assert upcoming is not None, f"nothing scheduled at {self.now}: {s.customer_type}"
        assert upcoming - self.now <= GAP, f"next contact {upcoming} is too far from {self.now}"


@dataclass(frozen=True)
class Day:
    action: str  # "none", "outcome", "promise", "plan", "pay"
    outcome: Outcome = Outcome.NO_ANSWER
    keep: bool = False
    size: int = 1


days = st.lists(
    st.one_of(
        st.just(Day("none")),
        st.builds(Day, st.just("outcome"), st.sampled_from(OUTCOMES)),
        st.builds(Day, st.just("promise"), keep=st.booleans(), size=st.integers(1, 20)),
        st.builds(Day, st.just("plan"), keep=st.booleans(), size=st.integers(2, 4)),
        st.builds(Day, st.just("pay")),
    ),
    max_size=60,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first_dpd=st.integers(1, 150),
    overdue=st.sampled_from([30_000, 300_000, 900_000]),
    prior=st.integers(0, 2),
    wilful=st.booleans(),
    customer=st.sampled_from(["c1", "c2", "c3", "c4", "c5", "c6"]),
    history=days,
)
def test_every_delinquent_customer_has_a_next_contact_within_the_maximum_gap(
    first_dpd: int, overdue: int, prior: int, wilful: bool, customer: str, history: list[Day]
) -> None:
    driver = CheckedDriver(POLICY)
    driver.send(profile(at(START, 0), customer, prior_delinquencies=prior, wilful_flag=wilful))
    owed = overdue
    paying: dict[date, int] = {}
    for n in range(WRITE_OFF - first_dpd + 1):
        today = START + timedelta(days=n)
        owed -= min(owed - 100, paying.pop(today, 0)) if owed > 100 else 0
        driver.send(aging("loan", today, first_dpd + n, owed, customer))
        driver.run_until(at(today, 20))
        if n < len(history):
            owed = act(driver, history[n], today, owed, paying, customer)
    driver.run_until(at(START + timedelta(days=WRITE_OFF - first_dpd + 1), 0))


def act(
    driver: Driver, day: Day, today: date, owed: int, paying: dict[date, int], customer: str
) -> int:
    """Apply one day's reaction; returns the overdue amount left. Payments never cure: the
    invariant is about customers still delinquent."""
    now = at(today, 20, 30)
    latest = [c for c in driver.contacts() if c.occurred_at.date() >= today - timedelta(days=1)]
    if day.action == "outcome" and latest:
        contact = latest[-1]
        driver.send(outcome(contact.channel, day.outcome, now, contact.contact_id, customer))
    elif day.action == "promise":
        promised = today + timedelta(days=day.size)
        driver.send(
            outcome(
                Channel.AGENT_CALL,
                Outcome.PROMISE_TO_PAY,
                now,
                customer=customer,
                promise_amount=owed // 2,
                promise_date=promised,
            )
        )
        if day.keep:
            paying[promised] = owed // 2
    elif day.action == "plan":
        part = owed // (2 * day.size)
        parts = tuple(Instalment(today + timedelta(days=3 + 14 * k), part) for k in range(day.size))
        driver.send(
            outcome(
                Channel.AGENT_CALL,
                Outcome.PROMISE_TO_PAY,
                now,
                customer=customer,
                instalments=parts,
            )
        )
        if day.keep:
            for i in parts:
                paying[i.due_on] = i.amount
    elif day.action == "pay" and owed > 1_000:
        driver.send(repayment("loan", owed // 10, now, customer))
        return owed - owed // 10
    return owed
