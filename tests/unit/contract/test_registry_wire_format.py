"""Records through the Confluent wire format: framing and round trips.

Unit tests run without services, so `FakeSchemaRegistry` stands in; the same paths against
the real registry are in tests/integration/test_schema_registry.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from streams.contract.codec import DecodeError, EncodeError, decode, encode
from streams.contract.examples import AGING, EXAMPLES, REPAYMENT
from streams.contract.registry import SchemaRegistry, use_registry
from streams.core.model import AgingSnapshot, ContactDue
from tests.unit.contract.avro_files import avsc
from tests.unit.contract.fake_schema_registry import FakeSchemaRegistry


@pytest.fixture
def fake() -> Iterator[FakeSchemaRegistry]:
    with FakeSchemaRegistry() as registry:
        yield registry


@pytest.fixture
def wire(fake: FakeSchemaRegistry) -> Iterator[SchemaRegistry]:
    registry = use_registry(fake.client())
    assert registry is not None
    yield registry
    use_registry(None)


def schema_id_of(message: bytes) -> int:
    return int.from_bytes(message[1:5], "big")


@pytest.mark.usefixtures("wire")
def test_every_example_record_survives_a_wire_format_round_trip() -> None:
    for record in EXAMPLES.values():
        message = encode(record)
        assert message[0] == 0
        assert decode(message, type(record)) == record


@pytest.mark.usefixtures("wire")
def test_the_id_is_the_one_the_registry_gave_the_schema_under_the_record_name(
    fake: FakeSchemaRegistry,
) -> None:
    registered = fake.add("collections.AgingSnapshot", avsc("AgingSnapshot").read_text())
    assert encode(AGING)[:5] == b"\x00" + registered.to_bytes(4, "big")


def test_single_object_messages_still_decode_while_a_registry_is_in_use(
    fake: FakeSchemaRegistry,
) -> None:
    before = {type(record): encode(record) for record in EXAMPLES.values()}
    use_registry(fake.client())
    try:
        for record_type, message in before.items():
            assert message[:2] == b"\xc3\x01"
            assert decode(message, record_type) == EXAMPLES[f"collections.{record_type.__name__}"]
    finally:
        use_registry(None)


def test_both_framings_carry_the_same_avro_body(fake: FakeSchemaRegistry) -> None:
    single = encode(REPAYMENT)
    use_registry(fake.client())
    try:
        assert encode(REPAYMENT)[5:] == single[10:]
    finally:
        use_registry(None)


def test_switching_the_registry_off_writes_single_object_encoding_again(
    fake: FakeSchemaRegistry,
) -> None:
    use_registry(fake.client())
    use_registry(None)
    assert encode(AGING)[:2] == b"\xc3\x01"


@pytest.mark.usefixtures("wire")
def test_an_invalid_record_is_refused_in_the_wire_format_too() -> None:
    with pytest.raises(EncodeError):
        encode(dataclasses.replace(AGING, days_past_due=-1))


@pytest.mark.usefixtures("wire")
def test_a_wire_message_of_another_record_type_is_the_wrong_record() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(encode(AGING), ContactDue)
    assert caught.value.reason == "wrong_record"


@pytest.mark.usefixtures("wire")
def test_a_wire_message_cut_short_is_undecodable() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(encode(AGING)[:-3], AgingSnapshot)
    assert caught.value.reason == "undecodable"
