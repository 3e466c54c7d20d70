"""The Confluent wire format against a real schema registry (Apicurio Registry, started by
deploy/local/registry.sh, serving the Confluent-compatible API) and a real broker.

Subjects of our records (``collections.<Record>``) are shared by every test of the session
(registration is idempotent); tests that change compatibility or register variants use a
subject of their own.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext
from fastavro import parse_schema
from fastavro.schema import to_parsing_canonical_form

from streams.contract.avro_map import to_avro
from streams.contract.codec import CURRENT, DecodeError, decode, decode_any, encode
from streams.contract.compat import full_transitive_problems
from streams.contract.examples import AGING, EXAMPLES
from streams.contract.registry import RegistryError, SchemaRegistry, use_registry
from streams.contract.schemas import RECORD_TYPES
from streams.core.model import AgingSnapshot
from tests.integration.kafka_tools import consume, create_topics, produce
from tests.schema_registry import Registry, start_registry

pytestmark = pytest.mark.kafka

CONFLICT = 409


def client_of(url: str) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": url, "max.retries": 0})


@pytest.fixture
def client(schema_registry: Registry) -> SchemaRegistryClient:
    return client_of(schema_registry.url)


@pytest.fixture
def wire(schema_registry: Registry) -> Iterator[SchemaRegistry]:
    registry = use_registry(client_of(schema_registry.url))
    assert registry is not None
    yield registry
    use_registry(None)


def canonical(schema_text: str) -> str:
    return str(to_parsing_canonical_form(parse_schema(json.loads(schema_text))))


def aging_schema() -> dict[str, Any]:
    return copy.deepcopy(CURRENT[AgingSnapshot].raw)


def with_field(schema: dict[str, Any], field: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "fields": [*schema["fields"], field]}


def without_field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {**schema, "fields": [f for f in schema["fields"] if f["name"] != name]}


def with_default(schema: dict[str, Any], name: str, default: object) -> dict[str, Any]:
    fields = [{**f, "default": default} if f["name"] == name else f for f in schema["fields"]]
    return {**schema, "fields": fields}


def avro(schema: dict[str, Any]) -> Schema:
    return Schema(json.dumps(schema), "AVRO")


def serializer(client: SchemaRegistryClient, schema: dict[str, Any]) -> AvroSerializer:
    """confluent-kafka's own serializer, as a Java or Python producer of another team uses it
    (default TopicNameStrategy: subject ``<topic>-value``; registers its schema itself)."""
    return AvroSerializer(client, json.dumps(schema), conf={"auto.register.schemas": True})


# --- registration through the API --------------------------------------------------------


def test_every_schema_of_the_contract_is_registered_under_its_record_name(
    wire: SchemaRegistry, client: SchemaRegistryClient
) -> None:
    subjects = set(client.get_subjects())
    for record_type in RECORD_TYPES:
        loaded = CURRENT[record_type]
        assert loaded.full_name in subjects
        latest = client.get_latest_version(loaded.full_name)
        assert latest.schema_id == int.from_bytes(wire.headers[record_type][1:], "big")
        assert canonical(latest.schema.schema_str) == canonical(json.dumps(loaded.raw))


def test_without_auto_registration_the_registered_ids_are_looked_up(
    wire: SchemaRegistry, schema_registry: Registry
) -> None:
    looked_up = SchemaRegistry(client_of(schema_registry.url), auto_register=False)
    assert looked_up.headers == wire.headers


def test_a_message_framed_by_the_codec_carries_an_id_the_registry_serves(
    wire: SchemaRegistry, client: SchemaRegistryClient
) -> None:
    for record in EXAMPLES.values():
        message = encode(record)
        served = client.get_schema(int.from_bytes(message[1:5], "big"))
        assert canonical(served.schema_str) == canonical(json.dumps(CURRENT[type(record)].raw))


# --- compatibility, enforced by the registry --------------------------------------------


def test_full_transitive_is_set_per_subject(
    client: SchemaRegistryClient, unique_name: Callable[[], str]
) -> None:
    subject = f"{unique_name()}-value"
    client.register_schema(subject, avro(aging_schema()))
    client.set_compatibility(subject, "FULL_TRANSITIVE")
    assert client.get_compatibility(subject) == "FULL_TRANSITIVE"


def test_the_registry_accepts_a_compatible_change_and_refuses_a_new_field_without_default(
    client: SchemaRegistryClient, unique_name: Callable[[], str]
) -> None:
    subject = f"{unique_name()}-value"
    v1 = aging_schema()
    client.register_schema(subject, avro(v1))
    client.set_compatibility(subject, "FULL_TRANSITIVE")
    compatible = with_field(v1, {"name": "branch", "type": "string", "default": ""})
    breaking = with_field(v1, {"name": "region", "type": "string"})
    client.register_schema(subject, avro(compatible))
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(subject, avro(breaking))
    assert refused.value.http_status_code == CONFLICT
    assert list(client.get_versions(subject)) == [1, 2]


def test_a_change_that_breaks_an_older_version_only_is_caught_by_our_own_gate(
    client: SchemaRegistryClient, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    """v1 requires `product`; v2 gives it a default; v3 drops it. v3 swaps data with v2 but
    not with v1 (a v1 reader needs `product`), so FULL_TRANSITIVE must refuse it. Apicurio
    2.0.2 checks each version against the one before it only and takes v3: the project's
    evolution gate (`streams.contract.compat`, a unit test over every released version) is
    what refuses it. When the registry starts refusing v3 too, update docs/contract."""
    subject = f"{unique_name()}-value"
    v1 = with_field(without_field(aging_schema(), "product"), {"name": "product", "type": "string"})
    v2 = with_default(v1, "product", "")
    v3 = without_field(v1, "product")
    client.register_schema(subject, avro(v1))
    client.set_compatibility(subject, "FULL_TRANSITIVE")
    client.register_schema(subject, avro(v2))
    assert client.test_compatibility(subject, avro(v3), version=1) is False
    client.register_schema(subject, avro(v3))  # the registry's transitive gap
    paths = {}
    for name, schema in {"v1": v1, "v2": v2, "current": v3}.items():
        paths[name] = tmp_path / f"{name}.avsc"
        paths[name].write_text(json.dumps(schema))
    problems = full_transitive_problems(paths["current"], [paths["v1"], paths["v2"]])
    assert problems and all("v1.avsc" in p and "product" in p for p in problems)


# --- records from confluent-kafka's own serializer, on a real topic ----------------------


def test_records_from_the_confluent_avro_serializer_decode_into_the_same_records(
    wire: SchemaRegistry,
    client: SchemaRegistryClient,
    kafka_bootstrap: str,
    unique_name: Callable[[], str],
) -> None:
    topic = f"{unique_name()}.from-serializer"
    create_topics(kafka_bootstrap, [topic], partitions=1)
    context = SerializationContext(topic, MessageField.VALUE)
    records = list(EXAMPLES.values())
    values = [
        serializer(client, CURRENT[type(record)].raw)(to_avro(record), context)
        for record in records
    ]
    produce(kafka_bootstrap, topic, [(b"C-1", value, None) for value in values])
    got = consume(kafka_bootstrap, [topic], until=lambda ms: len(ms) >= len(values))
    assert all((m.value() or b"")[:1] == b"\x00" for m in got)
    assert [decode_any(m.value() or b"") for m in got] == records


def test_a_version_another_producer_registered_resolves_into_the_current_record(
    wire: SchemaRegistry,
    client: SchemaRegistryClient,
    kafka_bootstrap: str,
    unique_name: Callable[[], str],
) -> None:
    topic = f"{unique_name()}.other-team"
    create_topics(kafka_bootstrap, [topic], partitions=1)
    theirs = with_field(
        without_field(aging_schema(), "product"),
        {"name": "branch", "type": "string", "default": ""},
    )
    datum = {k: v for k, v in to_avro(AGING).items() if k != "product"} | {"branch": "Shenzhen"}
    value = serializer(client, theirs)(datum, SerializationContext(topic, MessageField.VALUE))
    produce(kafka_bootstrap, topic, [(b"C-1001", value, None)])
    [message] = consume(kafka_bootstrap, [topic], until=lambda ms: len(ms) >= 1)
    assert decode(message.value() or b"", AgingSnapshot) == dataclasses.replace(AGING, product="")


def test_the_confluent_avro_deserializer_reads_what_the_codec_writes(
    wire: SchemaRegistry, client: SchemaRegistryClient
) -> None:
    context = SerializationContext("collections.aging.v1", MessageField.VALUE)
    datum = AvroDeserializer(client)(encode(AGING), context)
    assert datum is not None
    assert (datum["event_id"], datum["days_past_due"]) == (AGING.event_id, AGING.days_past_due)


def test_a_topic_carrying_both_framings_decodes_every_message(
    schema_registry: Registry, kafka_bootstrap: str, unique_name: Callable[[], str]
) -> None:
    """Producers switch to the registry one at a time: both framings on one topic."""
    topic = f"{unique_name()}.mixed"
    create_topics(kafka_bootstrap, [topic], partitions=1)
    records = list(EXAMPLES.values())
    single = [encode(record) for record in records]
    use_registry(client_of(schema_registry.url))
    try:
        wire = [encode(record) for record in records]
        sent = [*single, *wire]
        produce(kafka_bootstrap, topic, [(b"C-1", value, None) for value in sent])
        got = consume(kafka_bootstrap, [topic], until=lambda ms: len(ms) >= len(sent))
        decoded = [decode_any(m.value() or b"") for m in got]
    finally:
        use_registry(None)
    assert {(m.value() or b"")[:1] for m in got} == {b"\xc3", b"\x00"}
    assert decoded == [*records, *records]


# --- what the registry does not know, and when it is down --------------------------------


def test_an_id_the_registry_does_not_know_is_an_unknown_schema(wire: SchemaRegistry) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(b"\x00\x7f\xff\xff\xf0" + encode(AGING)[5:], AgingSnapshot)
    assert caught.value.reason == "unknown_schema"


def test_a_schema_of_a_record_outside_the_contract_is_an_unknown_schema(
    wire: SchemaRegistry, client: SchemaRegistryClient, unique_name: Callable[[], str]
) -> None:
    schema = {"type": "record", "name": "Thing", "namespace": unique_name(), "fields": []}
    schema_id = client.register_schema(f"{unique_name()}-value", avro(schema))
    with pytest.raises(DecodeError) as caught:
        decode(b"\x00" + schema_id.to_bytes(4, "big"), AgingSnapshot)
    assert caught.value.reason == "unknown_schema"


@pytest.fixture
def outage_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A second local registry of its own (stopping the session's would break other tests)."""
    registry = start_registry(tmp_path_factory.mktemp("registry-outage"), port_offset=1)
    try:
        yield registry
    finally:
        registry.stop()


def test_a_registry_outage_while_meeting_a_new_id_is_an_outage_not_a_bad_record(
    outage_registry: Registry, unique_name: Callable[[], str]
) -> None:
    client = client_of(outage_registry.url)
    use_registry(client)
    try:
        theirs = with_field(aging_schema(), {"name": "branch", "type": "string", "default": ""})
        context = SerializationContext(unique_name(), MessageField.VALUE)
        datum = to_avro(AGING) | {"branch": "Shenzhen"}
        message = serializer(client_of(outage_registry.url), theirs)(datum, context)
        assert message is not None
        outage_registry.stop()
        with pytest.raises(RegistryError):
            decode(message, AgingSnapshot)
    finally:
        use_registry(None)
