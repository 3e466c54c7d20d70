"""Schema ids: registered once, fetched once, an unreachable registry fails at start.

`FakeSchemaRegistry` stands in where the real one cannot reach: it counts the requests it
serves (caching) and can be emptied or stopped at will. Unknown ids, other producers'
versions, lookups and outages against the real registry are in
tests/integration/test_schema_registry.py."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer

from streams.contract.codec import DecodeError, decode, encode
from streams.contract.examples import AGING, EXAMPLES
from streams.contract.registry import RegistryError, SchemaRegistry, use_registry
from streams.contract.schemas import RECORD_TYPES
from streams.core.model import AgingSnapshot
from tests.unit.contract.avro_files import avsc
from tests.unit.contract.fake_schema_registry import FakeSchemaRegistry

SUBJECTS = [f"collections.{t.__name__}" for t in RECORD_TYPES]


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


def framed(schema_id: int, schema: dict[str, Any], datum: dict[str, Any]) -> bytes:
    """A wire-format message written by hand, as another producer would."""
    out = BytesIO()
    schemaless_writer(out, parse_schema(schema), datum)
    return b"\x00" + schema_id.to_bytes(4, "big") + out.getvalue()


def other_teams_aging() -> tuple[dict[str, Any], dict[str, Any]]:
    """Another version of AgingSnapshot: no `product`, an extra `branch` with a default."""
    schema = json.loads(avsc("AgingSnapshot").read_text())
    fields = [f for f in schema["fields"] if f["name"] != "product"]
    schema["fields"] = [*fields, {"name": "branch", "type": "string", "default": ""}]
    datum = {f.name: getattr(AGING, f.name) for f in dataclasses.fields(AGING)}
    del datum["product"]
    return schema, {**datum, "branch": "Shenzhen"}


def reason_of(message: bytes) -> str:
    with pytest.raises(DecodeError) as caught:
        decode(message, AgingSnapshot)
    return caught.value.reason


def test_a_wire_message_without_a_registry_in_use_is_an_unknown_schema(
    fake: FakeSchemaRegistry,
) -> None:
    use_registry(fake.client())
    message = encode(AGING)
    use_registry(None)
    assert reason_of(message) == "unknown_schema"


def test_the_registry_is_asked_once_per_schema(fake: FakeSchemaRegistry) -> None:
    schema, datum = other_teams_aging()
    other_id = fake.add("collections.AgingSnapshot", json.dumps(schema))
    use_registry(fake.client())
    try:
        for _ in range(3):
            for record in EXAMPLES.values():
                decode(encode(record), type(record))
            decode(framed(other_id, schema, datum), AgingSnapshot)
            reason_of(b"\x00\x00\x00\x00\x07\x00")
    finally:
        use_registry(None)
    expected = Counter({("register", subject): 1 for subject in SUBJECTS})
    expected.update([("schema", str(other_id)), ("schema", "7")])
    assert fake.calls == expected


def test_an_unreachable_registry_fails_at_start_and_leaves_single_object_encoding(
    fake: FakeSchemaRegistry,
) -> None:
    client = fake.client()
    fake.stop()
    with pytest.raises(RegistryError):
        use_registry(client)
    assert encode(AGING)[:2] == b"\xc3\x01"


def test_without_auto_registration_a_schema_missing_from_the_registry_fails_at_start(
    fake: FakeSchemaRegistry,
) -> None:
    with pytest.raises(RegistryError, match=r"collections\.AgingSnapshot"):
        use_registry(fake.client(), auto_register=False)


@pytest.mark.usefixtures("wire")
def test_a_message_of_a_zero_byte_and_too_short_for_an_id_is_undecodable() -> None:
    assert reason_of(b"\x00\x00\x01") == "undecodable"
