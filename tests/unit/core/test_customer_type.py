from __future__ import annotations

from datetime import date, timedelta

import pytest

from streams.core.config import CustomerTypeRules
from streams.core.customer_type import classify
from streams.core.model import CustomerType
from streams.core.state import AccountState, Episode

TODAY = date(2026, 6, 1)
RULES = CustomerTypeRules()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def account(**fields: object) -> AccountState:
    return AccountState("acc", "CNY", **fields)  # type: ignore[arg-type]


OVERDUE_10 = {"overdue_since": days_ago(10), "episodes": (Episode(days_ago(10)),)}


@pytest.mark.parametrize(
    ("fields", "flag", "expected", "reason"),
    [
        ({}, False, CustomerType.NONE, "no delinquency"),
        (OVERDUE_10, False, CustomerType.FIRST_TIME, "first delinquency episode"),
        (
            {"episodes": (Episode(days_ago(400), days_ago(390)),), **OVERDUE_10},
            False,
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
        (
            {"episodes": (Episode(days_ago(90), days_ago(80)), Episode(days_ago(10)))},
            False,
            CustomerType.REPEAT,
            "2 delinquency episodes",
        ),
        (OVERDUE_10, True, CustomerType.WILFUL, "flagged wilful upstream"),
        (
            {"broken_promises": (days_ago(30), days_ago(5)), **OVERDUE_10},
            False,
            CustomerType.WILFUL,
            "2 broken promises",
        ),
        (
            {"broken_promises": (days_ago(500), days_ago(5)), **OVERDUE_10},
            False,
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
        (
            {"refusals": (days_ago(3), days_ago(1)), **OVERDUE_10},
            False,
            CustomerType.WILFUL,
            "2 refusals",
        ),
        (
            {"overdue_since": days_ago(50), "episodes": (Episode(days_ago(50)),)},
            False,
            CustomerType.WILFUL,
            "no payment or right-party contact",
        ),
        (
            {
                "overdue_since": days_ago(50),
                "episodes": (Episode(days_ago(50)),),
                "last_contact_on": days_ago(20),
            },
            False,
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
        (
            {"overdue_since": days_ago(30), "episodes": (Episode(days_ago(30)),)},
            False,
            CustomerType.FIRST_TIME,
            "first delinquency episode",
        ),
    ],
)
def test_customer_type_rules_with_their_reasons(
    fields: dict[str, object], flag: bool, expected: CustomerType, reason: str
) -> None:
    kind, why = classify(account(**fields), flag, TODAY, RULES)
    assert kind is expected
    assert reason in why


def test_the_silence_reason_does_not_change_from_one_day_to_the_next() -> None:
    silent = account(overdue_since=days_ago(60), episodes=(Episode(days_ago(60)),))
    today = classify(silent, False, TODAY, RULES)
    tomorrow = classify(silent, False, TODAY + timedelta(days=1), RULES)
    assert today == tomorrow
    assert today[0] is CustomerType.WILFUL
