"""Every kind of bad input is refused with a DecodeError whose reason the DLQ can count."""

from __future__ import annotations

import dataclasses
import json
from io import BytesIO
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer
from hypothesis import given
from hypothesis import strategies as st

from streams.contract.codec import REASONS, DecodeError, EncodeError, decode, encode
from streams.contract.examples import AGING, CONTACT_DUE, REPAYMENT
from streams.core.model import AgingSnapshot, ContactDue, CoveredAccount, Repayment
from tests.unit.contract.avro_files import avsc, single_object


def reason_of(data: bytes, expected: type = AgingSnapshot) -> str:
    with pytest.raises(DecodeError) as caught:
        decode(data, expected)
    assert caught.value.reason in REASONS
    return caught.value.reason


def aging_datum(**changes: Any) -> dict[str, Any]:
    datum = {f.name: getattr(AGING, f.name) for f in dataclasses.fields(AGING)}
    return {**datum, **changes}


def test_bytes_without_the_single_object_marker_are_undecodable() -> None:
    assert reason_of(b'{"customer_id": "C-1"}') == "undecodable"


def test_an_empty_value_is_undecodable() -> None:
    assert reason_of(b"") == "undecodable"


def test_a_truncated_body_is_undecodable() -> None:
    assert reason_of(encode(AGING)[:-5]) == "undecodable"


def test_trailing_bytes_after_the_record_are_undecodable() -> None:
    assert reason_of(encode(AGING) + b"\x00") == "undecodable"


def test_an_unknown_fingerprint_is_an_unknown_schema() -> None:
    message = encode(AGING)
    assert reason_of(message[:2] + b"\x00" * 8 + message[10:]) == "unknown_schema"


def test_a_record_of_another_type_is_the_wrong_record() -> None:
    assert reason_of(encode(REPAYMENT), AgingSnapshot) == "wrong_record"


def test_a_negative_amount_fails_validation_naming_the_field() -> None:
    message = single_object(avsc("AgingSnapshot"), aging_datum(overdue_amount=-1))
    with pytest.raises(DecodeError, match="overdue_amount") as caught:
        decode(message, AgingSnapshot)
    assert caught.value.reason == "validation"


def test_days_past_due_below_zero_fails_validation() -> None:
    message = single_object(avsc("AgingSnapshot"), aging_datum(days_past_due=-3))
    assert reason_of(message) == "validation"


@pytest.mark.parametrize("field", ["customer_id", "account_id", "event_id"])
def test_a_missing_id_fails_validation(field: str) -> None:
    message = single_object(avsc("AgingSnapshot"), aging_datum(**{field: ""}))
    assert reason_of(message) == "validation"


def test_a_malformed_currency_fails_validation() -> None:
    message = single_object(avsc("AgingSnapshot"), aging_datum(currency="yuan"))
    assert reason_of(message) == "validation"


def test_an_enum_index_beyond_the_symbols_is_undecodable() -> None:
    # an Avro enum is written as its symbol's index: write index 63 into the channel field
    schema = json.loads(avsc("ContactDue").read_text())
    channel = next(f for f in schema["fields"] if f["name"] == "channel")
    channel["type"] = "int"
    datum = {f.name: getattr(CONTACT_DUE, f.name) for f in dataclasses.fields(CONTACT_DUE)}
    datum["accounts"] = [dataclasses.asdict(a) for a in CONTACT_DUE.accounts]
    out = BytesIO()
    schemaless_writer(out, parse_schema(schema), {**datum, "channel": 63})
    header = encode(CONTACT_DUE)[:10]
    assert reason_of(header + out.getvalue(), ContactDue) == "undecodable"


def test_a_contact_due_covering_no_account_fails_validation() -> None:
    datum = {f.name: getattr(CONTACT_DUE, f.name) for f in dataclasses.fields(CONTACT_DUE)}
    message = single_object(avsc("ContactDue"), {**datum, "accounts": [], "tier": "moderate"})
    assert reason_of(message, ContactDue) == "validation"


def test_encode_refuses_a_negative_repayment_naming_the_field() -> None:
    with pytest.raises(EncodeError, match=r"Repayment\.amount"):
        encode(dataclasses.replace(REPAYMENT, amount=-100))


def test_encode_refuses_a_naive_datetime() -> None:
    naive = REPAYMENT.paid_at.replace(tzinfo=None)
    with pytest.raises(EncodeError, match="paid_at"):
        encode(dataclasses.replace(REPAYMENT, paid_at=naive))


def test_encode_names_the_nested_account_that_breaks_a_rule() -> None:
    bad = dataclasses.replace(
        CONTACT_DUE, accounts=(CoveredAccount(account_id="A-1", days_past_due=-1, amount_due=5),)
    )
    with pytest.raises(EncodeError, match=r"accounts \[0\].*CoveredAccount\.days_past_due"):
        encode(bad)


def test_encode_refuses_a_contact_that_expires_before_it_is_due() -> None:
    bad = dataclasses.replace(CONTACT_DUE, expires_at=CONTACT_DUE.due_at.replace(year=2024))
    with pytest.raises(EncodeError, match="expires_at"):
        encode(bad)


def test_encode_refuses_a_value_of_the_wrong_type() -> None:
    with pytest.raises(EncodeError, match="Repayment"):
        # deliberately the wrong type: encode must refuse it
        encode(dataclasses.replace(REPAYMENT, source=42))  # type: ignore[arg-type]


@given(st.binary(max_size=64))
def test_arbitrary_bytes_never_raise_anything_but_a_decode_error(data: bytes) -> None:
    try:
        decode(data, Repayment)
    except DecodeError as exc:
        assert exc.reason in REASONS


@given(st.binary(min_size=1, max_size=40))
def test_random_bodies_behind_a_known_fingerprint_raise_only_decode_errors(body: bytes) -> None:
    header = encode(REPAYMENT)[:10]
    try:
        decode(header + body, Repayment)
    except DecodeError as exc:
        assert exc.reason in REASONS


def test_a_tombstone_is_undecodable_rather_than_a_crash() -> None:
    # deliberately not bytes: a tombstone's value is None
    assert reason_of(None) == "undecodable"  # type: ignore[arg-type]


def test_an_id_longer_than_the_limit_fails_validation() -> None:
    message = single_object(avsc("AgingSnapshot"), aging_datum(customer_id="C" * 129))
    with pytest.raises(DecodeError, match="customer_id is longer than 128") as caught:
        decode(message, AgingSnapshot)
    assert caught.value.reason == "validation"


def test_a_text_field_longer_than_the_limit_fails_validation() -> None:
    message = single_object(avsc("AgingSnapshot"), aging_datum(product="p" * 257))
    with pytest.raises(DecodeError, match="product is longer than 256"):
        decode(message, AgingSnapshot)


def test_an_amount_beyond_2_to_the_53_fails_validation() -> None:
    message = single_object(avsc("AgingSnapshot"), aging_datum(overdue_amount=2**53))
    with pytest.raises(DecodeError, match="overdue_amount must be below 2\\^53"):
        decode(message, AgingSnapshot)
