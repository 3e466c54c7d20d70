from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from streams.contract.codec import decode, encode
from streams.contract.examples import (
    ACCOUNT_PROFILE,
    AGING,
    CONTACT_DUE,
    CONTACT_OUTCOME,
    EXAMPLES,
)
from streams.contract.schemas import RECORD_TYPES
from streams.contract.validation import MAX_AMOUNT, MAX_DAYS
from streams.core.model import AccountProfile, AgingSnapshot, Channel, HardStop
from tests.unit.contract.avro_files import avsc, fingerprint, read_with_files_only


def test_every_example_record_survives_an_encode_decode_round_trip() -> None:
    for record in EXAMPLES.values():
        assert decode(encode(record), type(record)) == record


def test_every_record_type_has_an_example() -> None:
    assert {type(r) for r in EXAMPLES.values()} == set(RECORD_TYPES)


def test_message_starts_with_single_object_marker_and_the_schema_fingerprint() -> None:
    message = encode(AGING)
    assert message[:2] == b"\xc3\x01"
    assert message[2:10] == fingerprint(avsc("AgingSnapshot"))


def test_produced_messages_decode_with_fastavro_and_the_avsc_files_only() -> None:
    for record in EXAMPLES.values():
        name, datum = read_with_files_only(encode(record))
        assert name == type(record).__name__
        first_field = dataclasses.fields(record)[0].name
        assert datum[first_field] == getattr(record, first_field)
        assert datum["occurred_at"] == record.occurred_at


def test_files_only_reader_sees_enums_as_symbols_and_money_as_minor_units() -> None:
    _, datum = read_with_files_only(encode(CONTACT_DUE))
    assert datum["channel"] == "agent_call"
    assert datum["tier"] == "moderate"
    assert datum["amount_due"] == 179_500
    assert datum["accounts"][0] == {
        "account_id": "A-1001",
        "days_past_due": 12,
        "amount_due": 158_000,
    }


def test_optional_fields_left_empty_round_trip_as_none() -> None:
    bare = dataclasses.replace(
        CONTACT_OUTCOME,
        contact_id=None,
        account_id=None,
        promise_amount=None,
        promise_date=None,
        currency=None,
    )
    assert decode(encode(bare), type(bare)) == bare


def test_equal_profiles_encode_to_equal_bytes_whatever_the_set_order() -> None:
    one = dataclasses.replace(
        ACCOUNT_PROFILE, opt_outs=frozenset([Channel.SMS, Channel.IVR, Channel.LEGAL_LETTER])
    )
    other = dataclasses.replace(
        ACCOUNT_PROFILE, opt_outs=frozenset([Channel.LEGAL_LETTER, Channel.IVR, Channel.SMS])
    )
    assert encode(one) == encode(other)


def test_times_come_back_timezone_aware_in_utc() -> None:
    decoded = decode(encode(AGING), AgingSnapshot)
    assert decoded.occurred_at.tzinfo is not None
    assert decoded.occurred_at.utcoffset() == AGING.occurred_at.utcoffset()


ids = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
millis = st.integers(min_value=0, max_value=4_102_444_800_000)
instants = millis.map(lambda ms: datetime.fromtimestamp(ms / 1000, tz=UTC))


@given(
    event_id=ids,
    customer_id=ids,
    account_id=ids,
    occurred_at=instants,
    as_of=st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 1, 1)),
    dpd=st.integers(min_value=0, max_value=MAX_DAYS),
    overdue=st.integers(min_value=0, max_value=MAX_AMOUNT),
    balance=st.integers(min_value=0, max_value=MAX_AMOUNT),
    product=st.text(max_size=10),
)
def test_any_valid_aging_snapshot_round_trips(
    event_id: str,
    customer_id: str,
    account_id: str,
    occurred_at: datetime,
    as_of: date,
    dpd: int,
    overdue: int,
    balance: int,
    product: str,
) -> None:
    record = AgingSnapshot(
        event_id, occurred_at, customer_id, account_id, as_of, dpd, overdue, balance, "CNY", product
    )
    assert decode(encode(record), AgingSnapshot) == record


@given(
    opt_outs=st.frozensets(st.sampled_from(Channel)),
    hard_stops=st.frozensets(st.sampled_from(HardStop)),
    wilful=st.booleans(),
    name=st.none() | st.text(max_size=12),
)
def test_any_profile_flags_round_trip(
    opt_outs: frozenset[Channel], hard_stops: frozenset[HardStop], wilful: bool, name: str | None
) -> None:
    record = dataclasses.replace(
        ACCOUNT_PROFILE,
        opt_outs=opt_outs,
        hard_stops=hard_stops,
        wilful_flag=wilful,
        display_name=name,
    )
    assert decode(encode(record), AccountProfile) == record
