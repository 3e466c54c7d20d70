from datetime import UTC, date, datetime

import pytest

from connectors.rows import InvalidRowError, parse_aging, parse_repayment

AGING = {
    "occurred_at": "2025-03-03T02:00:00+08:00",
    "customer_id": "cust-1",
    "account_id": "acc-1",
    "as_of": "2025-03-02",
    "days_past_due": "5",
    "overdue_amount": "12000",
    "outstanding_balance": "480000",
    "currency": "CNY",
    "product": "cash_loan",
}
REPAYMENT = {
    "occurred_at": "2025-03-03T10:00:00Z",
    "customer_id": "cust-1",
    "account_id": "acc-1",
    "amount": 5000,
    "currency": "CNY",
    "paid_at": "2025-03-03T09:58:00Z",
    "source": "bank_transfer",
}


def test_a_csv_style_aging_row_becomes_a_snapshot_in_utc() -> None:
    snapshot = parse_aging(AGING)
    assert snapshot.occurred_at == datetime(2025, 3, 2, 18, 0, tzinfo=UTC)
    assert snapshot.as_of == date(2025, 3, 2)
    assert (snapshot.days_past_due, snapshot.overdue_amount) == (5, 12000)


def test_a_json_repayment_with_integer_amount_becomes_a_repayment() -> None:
    repayment = parse_repayment(REPAYMENT)
    assert repayment.amount == 5000
    assert repayment.paid_at == datetime(2025, 3, 3, 9, 58, tzinfo=UTC)


def test_a_given_event_id_is_kept() -> None:
    assert parse_aging({**AGING, "event_id": "ledger-77"}).event_id == "ledger-77"


def test_the_derived_event_id_is_the_same_for_the_same_content_from_csv_or_json() -> None:
    from_csv = parse_aging(AGING)
    from_json = parse_aging({**AGING, "days_past_due": 5, "overdue_amount": 12000})
    assert from_csv.event_id == from_json.event_id
    assert from_csv.event_id.startswith("aging-")


def test_the_derived_event_id_changes_when_the_content_changes() -> None:
    assert parse_aging(AGING).event_id != parse_aging({**AGING, "days_past_due": "6"}).event_id


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("days_past_due", "-3", "must not be negative"),
        ("overdue_amount", "120.50", "expected an integer"),
        ("overdue_amount", True, "boolean"),
        ("customer_id", "", "required"),
        ("account_id", None, "required"),
        ("as_of", "02/03/2025", "ISO date"),
        ("occurred_at", "2025-03-03T02:00:00", "time zone"),
        ("occurred_at", "yesterday", "ISO 8601"),
        ("currency", "yuan", "3-letter"),
    ],
)
def test_bad_aging_fields_are_refused_with_the_field_and_problem(
    field: str, value: object, problem: str
) -> None:
    with pytest.raises(InvalidRowError, match=problem) as caught:
        parse_aging({**AGING, field: value})
    assert caught.value.fields == [field]


def test_a_missing_repayment_column_is_refused() -> None:
    row = {k: v for k, v in REPAYMENT.items() if k != "paid_at"}
    with pytest.raises(InvalidRowError, match="paid_at: required"):
        parse_repayment(row)


def test_a_row_with_several_bad_fields_names_every_one_in_column_order() -> None:
    row = {**AGING, "customer_id": "", "days_past_due": "-3", "currency": "yuan"}
    with pytest.raises(InvalidRowError) as caught:
        parse_aging(row)
    assert caught.value.fields == ["customer_id", "days_past_due", "currency"]
    assert str(caught.value) == (
        "customer_id: required; days_past_due: must not be negative, got -3; "
        "currency: expected a 3-letter ISO 4217 code like CNY, got 'yuan'"
    )


def test_a_repayment_with_two_bad_fields_names_both() -> None:
    row = {**REPAYMENT, "amount": "12.50", "paid_at": "yesterday"}
    with pytest.raises(InvalidRowError) as caught:
        parse_repayment(row)
    assert caught.value.fields == ["amount", "paid_at"]
