"""Customer type per person: over all accounts, remembering earlier episodes, credit history
from the lender, and wilful only on evidence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from streams.core import load_policy
from streams.core.config import CustomerTypeRules
from streams.core.customer_type import classify, episodes_since, evidence
from streams.core.model import Channel, CustomerType, Outcome
from streams.core.state import AccountState, CustomerState, Episode
from tests.unit.core.walk_support import START, Driver, aging, at, outcome, profile, repayment

TODAY = date(2026, 6, 1)
RULES = CustomerTypeRules()
POLICY = load_policy()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def account(name: str = "acc", /, **fields: object) -> AccountState:
    return AccountState(name, "CNY", **fields)  # type: ignore[arg-type]


def customer(*accounts: AccountState, **fields: object) -> CustomerState:
    return CustomerState("c1", accounts={a.account_id: a for a in accounts}, **fields)  # type: ignore[arg-type]


OVERDUE_10 = {"overdue_since": days_ago(10), "episodes": (Episode(days_ago(10)),)}


@pytest.mark.parametrize(
    ("accounts", "fields", "expected", "reason"),
    [
        ([account()], {}, CustomerType.NONE, "no delinquency"),
        ([account(**OVERDUE_10)], {}, CustomerType.FIRST_TIME, "first delinquency episode"),
        (
            [
                account(episodes=(Episode(days_ago(400), days_ago(390)), Episode(days_ago(10)))),
            ],
            {},
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
        (
            [account(episodes=(Episode(days_ago(90), days_ago(80)), Episode(days_ago(10))))],
            {},
            CustomerType.REPEAT,
            "2 delinquency episodes",
        ),
        (  # late on loan A in winter, on loan B now: the person is a repeat customer
            [
                account("A", episodes=(Episode(days_ago(120), days_ago(100)),)),
                account("B", **OVERDUE_10),
            ],
            {},
            CustomerType.REPEAT,
            "2 delinquency episodes",
        ),
        (  # two loans missed the same month: one episode of the person
            [
                account("A", overdue_since=days_ago(12), episodes=(Episode(days_ago(12)),)),
                account("B", **OVERDUE_10),
            ],
            {},
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
        (  # the lender knows of an earlier episode this pipeline never saw
            [account(**OVERDUE_10)],
            {"prior_delinquencies": 1},
            CustomerType.REPEAT,
            "2 delinquency episodes in 365 days (credit history)",
        ),
        ([account(**OVERDUE_10)], {"wilful_flag": True}, CustomerType.WILFUL, "flagged wilful"),
        (
            [account(broken_promises=(days_ago(30), days_ago(5)), **OVERDUE_10)],
            {},
            CustomerType.WILFUL,
            "2 broken promises",
        ),
        (  # one broken promise on each of two loans, different days: two broken promises
            [
                account("A", broken_promises=(days_ago(30),), **OVERDUE_10),
                account("B", broken_promises=(days_ago(5),), **OVERDUE_10),
            ],
            {},
            CustomerType.WILFUL,
            "2 broken promises",
        ),
        (
            [account(broken_promises=(days_ago(500), days_ago(5)), **OVERDUE_10)],
            {},
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
        (
            [account(refusals=(days_ago(3), days_ago(1)), **OVERDUE_10)],
            {},
            CustomerType.WILFUL,
            "2 refusals",
        ),
        (  # one refusal is recorded on every overdue account: still one refusal
            [
                account("A", refusals=(days_ago(3),), **OVERDUE_10),
                account("B", refusals=(days_ago(3),), **OVERDUE_10),
            ],
            {},
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
        (  # silence is not evidence: 200 days unreachable is not wilful
            [account(overdue_since=days_ago(200), episodes=(Episode(days_ago(200)),))],
            {},
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
    ],
)
def test_customer_type_rules_with_their_reasons(
    accounts: list[AccountState], fields: dict[str, object], expected: CustomerType, reason: str
) -> None:
    kind, why = classify(customer(*accounts, **fields), TODAY, RULES)
    assert kind is expected
    assert reason in why


def test_overlapping_account_episodes_are_one_episode_of_the_person() -> None:
    a = account("A", episodes=(Episode(days_ago(50), days_ago(20)),))
    b = account("B", episodes=(Episode(days_ago(30), days_ago(10)), Episode(days_ago(5))))
    assert episodes_since([a, b], days_ago(365)) == 2
    assert episodes_since([a, b], days_ago(15)) == 2  # the first one ended 10 days ago
    assert episodes_since([a], days_ago(15)) == 0


def test_evidence_counts_each_day_as_often_as_one_account_recorded_it() -> None:
    day = days_ago(2)
    assert evidence([(day, day), (day,)], days_ago(30)) == 2
    assert evidence([(day,), (days_ago(3),)], days_ago(30)) == 2
    assert evidence([(days_ago(40),)], days_ago(30)) == 0


def test_a_customer_migrated_in_at_ninety_days_past_due_is_not_wilful() -> None:
    driver = Driver(POLICY)
    driver.send(aging("loan", START, 90, 500_000))
    assert driver.state is not None
    assert driver.state.customer_type is CustomerType.FIRST_TIME


def test_a_customer_paused_by_a_promise_for_weeks_never_turns_wilful_or_repeat() -> None:
    driver = Driver(POLICY)
    driver.send(aging("loan", START, 40, 500_000))
    promise = outcome(
        Channel.AGENT_CALL,
        Outcome.PROMISE_TO_PAY,
        at(START, 11),
        promise_amount=500_000,
        promise_date=START + timedelta(days=14),
    )
    driver.send(promise)
    for n in range(1, 60):
        driver.send(aging("loan", START + timedelta(days=n), 40 + n, 500_000))
    assert driver.state is not None
    assert driver.state.customer_type is CustomerType.FIRST_TIME


def test_type_remembers_an_earlier_loan_across_episodes() -> None:
    driver = Driver(POLICY)
    driver.send(aging("loan-A", START, 5, 100_000))
    driver.send(repayment("loan-A", 100_000, at(START, 15)))
    later = START + timedelta(days=60)
    driver.send(aging("loan-B", later, 3, 80_000))
    assert driver.state is not None
    assert driver.state.customer_type is CustomerType.REPEAT
    assert {a.customer_type for a in driver.state.accounts.values()} == {CustomerType.REPEAT}


def test_credit_history_from_the_profile_makes_a_first_episode_repeat() -> None:
    driver = Driver(POLICY)
    driver.send(profile(at(START, 0), prior_delinquencies=2))
    driver.send(aging("loan", START, 3, 100_000))
    assert driver.state is not None
    assert driver.state.customer_type is CustomerType.REPEAT
    assert "credit history" in driver.state.customer_type_reason
