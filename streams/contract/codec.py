"""Translation between model records and Kafka message values (Avro binary, fastavro).

Framing is Avro single-object encoding from the Avro specification: ``C3 01``, the 8-byte
little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, then
the Avro binary body. A reader needs only the ``.avsc`` files. Messages written with a
released (older) version of a schema are resolved to the current one.

With a schema registry (``streams.contract.registry.use_registry``) ``encode`` writes the
Confluent wire format instead: ``00``, the 4-byte big-endian schema id, the same body.
``decode`` accepts both framings whichever one ``encode`` writes.

Schemas are parsed once, at import. Domain classes never import Avro; this module is the
one place that translates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Protocol, TypeVar

from fastavro import schemaless_reader, schemaless_writer

from streams.contract import avro_map, jsonform
from streams.contract.schemas import (
    RECORD_TYPES,
    LoadedSchema,
    Record,
    current_path,
    field_defaults,
    load,
    released_paths,
)
from streams.contract.validation import ValidationError, validate

T = TypeVar("T")

MAGIC = b"\xc3\x01"
HEADER_SIZE = len(MAGIC) + 8
WIRE_MAGIC = 0  # first byte of the Confluent wire format
WIRE_HEADER_SIZE = 5  # magic byte + 4-byte big-endian schema id
REASONS = ("undecodable", "unknown_schema", "wrong_record", "validation")


class DecodeError(Exception):
    """Bytes or JSON that are not a valid record; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class EncodeError(ValueError):
    """A record breaks the contract (see ``validation``) and is not encoded."""


@dataclass(frozen=True, slots=True)
class Writer:
    record_type: type[Any]
    schema: dict[str, Any]  # the writer's parsed schema
    reader: dict[str, Any] | None  # the current schema when it differs from the writer's


def _load_all() -> tuple[dict[type[Any], LoadedSchema], dict[bytes, Writer]]:
    current: dict[type[Any], LoadedSchema] = {}
    writers: dict[bytes, Writer] = {}
    for record_type in RECORD_TYPES:
        now = load(current_path(record_type))
        current[record_type] = now
        for path in released_paths(record_type):
            old = load(path)
            writers[old.fingerprint] = Writer(record_type, old.parsed, now.parsed)
        writers[now.fingerprint] = Writer(record_type, now.parsed, None)
    return current, writers


class Registry(Protocol):
    """What the codec needs from a schema registry (``streams.contract.registry``)."""

    @property
    def headers(self) -> Mapping[type[Any], bytes]:
        """The wire-format header of each record type."""
        ...

    def writer(self, schema_id: int) -> Writer | None:
        """The writer schema of ``schema_id``; None when the registry does not know it."""
        ...


CURRENT, WRITERS = _load_all()
SINGLE_OBJECT_HEADERS = {t: MAGIC + s.fingerprint for t, s in CURRENT.items()}
_headers: Mapping[type[Any], bytes] = SINGLE_OBJECT_HEADERS
_registry: Registry | None = None
_DEFAULTS: dict[str, dict[str, Any]] = {}
for _schema in CURRENT.values():
    field_defaults(_schema.raw, _DEFAULTS)


def use(registry: Registry | None) -> None:
    """Frame what ``encode`` writes with ``registry``'s headers; None: single-object again."""
    global _headers, _registry  # the one switch, set at start
    _registry = registry
    _headers = SINGLE_OBJECT_HEADERS if registry is None else registry.headers


def encode(record: Record) -> bytes:
    """Validate ``record`` and encode it (single-object or wire format, see ``use``).

    ``EncodeError`` if the record is invalid.
    """
    schema = CURRENT[type(record)]
    try:
        validate(record)
    except ValidationError as exc:
        raise EncodeError(str(exc)) from None
    out = BytesIO()
    out.write(_headers[type(record)])
    try:
        schemaless_writer(out, schema.parsed, avro_map.to_avro(record))
    except (TypeError, ValueError) as exc:
        raise EncodeError(f"{type(record).__name__}: {exc}") from exc
    return out.getvalue()


def decode(data: bytes, expected: type[T]) -> T:
    """Decode and validate one message value; ``DecodeError`` says why it is refused."""
    record = decode_any(data)
    if type(record) is not expected:
        name = type(record).__name__
        raise DecodeError("wrong_record", f"expected {expected.__name__}, got {name}")
    return record


def decode_any(data: bytes) -> Record:
    """Decode a message value of any record type of the contract."""
    record = decode_unvalidated(data)
    _check(record)
    return record


def decode_unvalidated(data: bytes) -> Record:
    """Decode without the contract's validation: only for reading what an invalid record
    says (the worker applies its protective facts, e.g. a hard stop, before refusing it)."""
    if not data:  # None or b"": a tombstone is not a record; handle it before decoding
        raise DecodeError("undecodable", "empty value")
    if data[:2] == MAGIC and len(data) >= HEADER_SIZE:
        writer = WRITERS.get(data[2:HEADER_SIZE])
        if writer is None:
            raise DecodeError("unknown_schema", f"unknown fingerprint {data[2:HEADER_SIZE].hex()}")
        start = HEADER_SIZE
    elif data[0] == WIRE_MAGIC and len(data) >= WIRE_HEADER_SIZE:
        writer = _wire_writer(int.from_bytes(data[1:WIRE_HEADER_SIZE], "big"))
        start = WIRE_HEADER_SIZE
    else:
        raise DecodeError("undecodable", "neither single-object (C3 01) nor wire format (00)")
    body = BytesIO(data[start:])
    try:
        datum = schemaless_reader(body, writer.schema, writer.reader)
    except Exception as exc:  # fastavro raises many types on garbage
        raise DecodeError("undecodable", f"{type(exc).__name__}: {exc}") from exc
    if body.tell() != len(data) - start:
        raise DecodeError("undecodable", "trailing bytes after the record")
    try:
        record: Record = avro_map.from_avro(datum, writer.record_type)
    except Exception as exc:  # a value Avro accepts but the model cannot hold
        raise DecodeError("undecodable", f"{type(exc).__name__}: {exc}") from exc
    return record


def _wire_writer(schema_id: int) -> Writer:
    if _registry is None:
        raise DecodeError("unknown_schema", f"schema id {schema_id}: no schema registry in use")
    writer = _registry.writer(schema_id)
    if writer is None:
        raise DecodeError("unknown_schema", f"schema id {schema_id} unknown to the registry")
    return writer


def record_to_json(record: Record) -> dict[str, object]:
    """A JSON-friendly dict: ISO 8601 UTC times (milliseconds), dates, enum strings."""
    return jsonform.to_json(record)


def record_from_json(data: Mapping[str, object], expected: type[T]) -> T:
    """Inverse of ``record_to_json``; ``DecodeError("validation", ...)`` on bad input."""
    try:
        record: T = jsonform.from_json(data, expected, _DEFAULTS)
    except jsonform.JsonFormError as exc:
        raise DecodeError("validation", str(exc)) from None
    _check(record)
    return record


def _check(record: Any) -> None:
    try:
        validate(record)
    except ValidationError as exc:
        raise DecodeError("validation", str(exc)) from None
