from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.contract.codec import DecodeError, record_from_json, record_to_json
from streams.contract.examples import AGING, CONTACT_SUPPRESSED, EXAMPLES
from streams.core.model import AccountProfile, AgingSnapshot, ContactSuppressed


def test_every_example_survives_a_json_round_trip() -> None:
    for record in EXAMPLES.values():
        assert record_from_json(record_to_json(record), type(record)) == record


def test_json_form_uses_iso_utc_times_and_enum_symbols() -> None:
    data = record_to_json(CONTACT_SUPPRESSED)
    assert data["occurred_at"] == "2025-03-14T02:00:00.000Z"
    assert data["reason"] == "hard_stop"
    assert data["contact"]["channel"] == "agent_call"  # type: ignore[index]


def test_a_missing_field_takes_the_default_declared_in_the_schema() -> None:
    data = record_to_json(AGING)
    del data["product"]
    assert record_from_json(data, AgingSnapshot).product == ""


def test_a_missing_field_without_a_default_is_refused_by_name() -> None:
    data = record_to_json(AGING)
    del data["customer_id"]
    with pytest.raises(DecodeError, match=r"AgingSnapshot\.customer_id is missing"):
        record_from_json(data, AgingSnapshot)


def test_an_unknown_enum_symbol_is_a_validation_error() -> None:
    data = record_to_json(EXAMPLES["collections.AccountProfile"])
    data["opt_outs"] = ["sms", "carrier_pigeon"]
    with pytest.raises(DecodeError, match="carrier_pigeon") as caught:
        record_from_json(data, AccountProfile)
    assert caught.value.reason == "validation"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(DecodeError, match="unknown fields"):
        record_from_json({**record_to_json(AGING), "colour": "red"}, AgingSnapshot)


def test_a_time_without_an_offset_is_refused() -> None:
    data = {**record_to_json(AGING), "occurred_at": "2025-03-14T01:30:00"}
    with pytest.raises(DecodeError, match="occurred_at"):
        record_from_json(data, AgingSnapshot)


def test_a_time_with_an_offset_is_converted_to_utc() -> None:
    data = {**record_to_json(AGING), "occurred_at": "2025-03-14T09:30:00+08:00"}
    assert record_from_json(data, AgingSnapshot).occurred_at == datetime(
        2025, 3, 14, 1, 30, tzinfo=UTC
    )


def test_a_boolean_is_not_accepted_as_a_number() -> None:
    with pytest.raises(DecodeError, match="days_past_due"):
        record_from_json({**record_to_json(AGING), "days_past_due": True}, AgingSnapshot)


def test_json_that_breaks_a_rule_fails_validation() -> None:
    with pytest.raises(DecodeError, match="days_past_due must not be negative"):
        record_from_json({**record_to_json(AGING), "days_past_due": -1}, AgingSnapshot)


def test_a_nested_record_error_names_the_path() -> None:
    data = record_to_json(CONTACT_SUPPRESSED)
    data["contact"]["accounts"][0]["amount_due"] = "lots"  # type: ignore[index]
    with pytest.raises(DecodeError, match=r"contact -> .*accounts -> .*amount_due"):
        record_from_json(data, ContactSuppressed)


def test_an_unknown_time_zone_fails_validation() -> None:
    data = {**record_to_json(EXAMPLES["collections.AccountProfile"]), "time_zone": "Mars/Base"}
    with pytest.raises(DecodeError, match="time_zone"):
        record_from_json(data, AccountProfile)
