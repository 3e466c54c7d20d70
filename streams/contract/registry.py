"""The Confluent wire format through a schema registry: ``00``, 4-byte schema id, Avro body.

``use_registry(url)`` at start switches ``codec.encode`` to the wire format; ``codec.decode``
then reads both framings (single-object ``C3 01`` and wire format ``00``). Without a
registry (the local default) the codec writes single-object encoding and refuses wire-format
messages as ``unknown_schema``.

Why confluent-kafka's ``AvroSerializer``/``AvroDeserializer`` are not used: they work on
dicts and run a subject lookup, rule hooks and their own schema parsing per call, while
decoding must end in the model dataclasses through ``avro_map`` and the codec's validation,
with the schemas the codec has already parsed. So ``SchemaRegistryClient`` is used only for
ids: each current schema is registered (or looked up) once, at start, and each writer schema
met in a message is fetched by id once and cached here. Framing and the fastavro body are
the codec's own, so both framings cost the same per record and the hot path never waits on
HTTP except for the first message of a schema id registered by another producer.

Subjects follow RecordNameStrategy: the subject is the record's full name, e.g.
``collections.AgingSnapshot``. ``encode`` does not know the topic, and every topic carries
one record type; the five contact-due topics all carry ``ContactDue`` and so share one
subject and one compatibility history, which is what they are. Readers need no subject:
the id in the message is enough. Java producers using TopicNameStrategy get the same id
for the same schema (ids belong to schemas, not subjects).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, to_parsing_canonical_form

from streams.contract import codec
from streams.contract.codec import CURRENT, WIRE_MAGIC, WRITERS, Writer
from streams.contract.schemas import RECORD_TYPES

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

# confluent_kafka.schema_registry (httpx, authlib) takes ~0.4 s to import: it is imported
# inside the functions that need it, so that without a registry nothing loads it.

NOT_FOUND = 404
MAX_UNKNOWN_IDS = 1024  # unknown ids remembered, so garbage does not hammer the registry
_BY_NAME = {loaded.full_name: record_type for record_type, loaded in CURRENT.items()}


class RegistryError(RuntimeError):
    """The registry is unreachable or refused a schema: an outage, not a bad record."""


class SchemaRegistry:
    """The codec's view of a registry: a header per record type, writer schemas by id."""

    def __init__(self, client: SchemaRegistryClient, *, auto_register: bool = True) -> None:
        """Register (or, with ``auto_register=False``, look up) every current schema now."""
        self._client = client
        self._writers: dict[int, Writer] = {}
        self._unknown: set[int] = set()
        self.headers: dict[type[Any], bytes] = {
            record_type: self._header(record_type, auto_register) for record_type in RECORD_TYPES
        }

    def writer(self, schema_id: int) -> Writer | None:
        """The writer schema of ``schema_id`` (fetched once); None if not one of ours."""
        known = self._writers.get(schema_id)
        if known is not None or schema_id in self._unknown:
            return known
        writer = self._fetch(schema_id)
        if writer is None:
            if len(self._unknown) >= MAX_UNKNOWN_IDS:
                self._unknown.clear()
            self._unknown.add(schema_id)
        else:
            self._writers[schema_id] = writer
        return writer

    def _header(self, record_type: type[Any], auto_register: bool) -> bytes:
        from confluent_kafka.schema_registry import Schema

        loaded = CURRENT[record_type]
        schema = Schema(json.dumps(loaded.raw), "AVRO")
        try:
            if auto_register:
                schema_id: int | None = self._client.register_schema(loaded.full_name, schema)
            else:
                schema_id = self._client.lookup_schema(loaded.full_name, schema).schema_id
        except Exception as exc:  # SchemaRegistryError, or httpx on a network failure
            raise RegistryError(f"registering {loaded.full_name}: {exc}") from exc
        if schema_id is None:
            raise RegistryError(f"registering {loaded.full_name}: the registry sent no id")
        self._writers[schema_id] = WRITERS[loaded.fingerprint]
        return bytes([WIRE_MAGIC]) + schema_id.to_bytes(4, "big")

    def _fetch(self, schema_id: int) -> Writer | None:
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        try:
            schema = self._client.get_schema(schema_id)
        except SchemaRegistryError as exc:
            if exc.http_status_code == NOT_FOUND:
                return None
            raise RegistryError(f"schema id {schema_id}: {exc}") from exc
        except Exception as exc:  # httpx on a network failure
            raise RegistryError(f"schema id {schema_id}: {exc}") from exc
        if schema.schema_type not in (None, "AVRO") or schema.schema_str is None:
            return None
        return writer_of(schema.schema_str)


def writer_of(schema_text: str) -> Writer | None:
    """A ``Writer`` for an Avro schema of one of our records, resolving to the current one."""
    try:
        parsed: Any = parse_schema(json.loads(schema_text))
        canonical = to_parsing_canonical_form(parsed)
    except Exception:  # fastavro raises many types on a malformed schema
        return None
    known = WRITERS.get(bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")))
    if known is not None:
        return known
    record_type = _BY_NAME.get(parsed.get("name", "")) if isinstance(parsed, dict) else None
    if record_type is None:
        return None
    return Writer(record_type, parsed, CURRENT[record_type].parsed)


def use_registry(
    client_or_url: SchemaRegistryClient | str | Mapping[str, object] | None,
    *,
    auto_register: bool = True,
) -> SchemaRegistry | None:
    """Switch ``codec.encode`` to the wire format; None (or ``{}``) switches back.

    Call once at start with ``streams.kafka_clients.registry_config(settings)`` (URL, basic
    auth, TLS), a bare URL or a client. Raises ``RegistryError`` when the registry cannot be
    reached or refuses a schema, so a worker fails at start.
    """
    if client_or_url is None or (isinstance(client_or_url, Mapping) and not client_or_url):
        codec.use(None)
        return None
    if isinstance(client_or_url, str | Mapping):
        from confluent_kafka.schema_registry import SchemaRegistryClient

        config = {"url": client_or_url} if isinstance(client_or_url, str) else client_or_url
        client_or_url = SchemaRegistryClient(dict(config))
    registry = SchemaRegistry(client_or_url, auto_register=auto_register)
    codec.use(registry)
    return registry
