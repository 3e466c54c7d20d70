"""Test helpers that use only the .avsc files, fastavro and the avro package (not the codec)."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import avro.schema
from fastavro import parse_schema, schemaless_reader, schemaless_writer

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def avsc(name: str, folder: Path = SCHEMAS / "collections") -> Path:
    return folder / f"{name}.avsc"


PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def without_logical_types(node: Any) -> Any:
    """Replace ``{"type": "long", "logicalType": ...}`` by ``"long"``, as Java's
    SchemaNormalization (and fastavro) do; the avro package keeps ``{"type": "long"}``."""
    if isinstance(node, list):
        return [without_logical_types(item) for item in node]
    if isinstance(node, dict):
        if "logicalType" in node and isinstance(node["type"], str) and node["type"] in PRIMITIVES:
            return node["type"]
        return {key: without_logical_types(value) for key, value in node.items()}
    return node


def fingerprint(path: Path) -> bytes:
    """CRC-64-AVRO fingerprint computed by the avro package (independent of fastavro)."""
    schema = without_logical_types(json.loads(path.read_text()))
    fp: bytes = avro.schema.parse(json.dumps(schema)).fingerprint("CRC-64-AVRO")
    return fp


def single_object(path: Path, datum: dict[str, Any]) -> bytes:
    """Encode ``datum`` by hand: C3 01 + fingerprint + body, skipping the codec's checks."""
    out = BytesIO()
    schemaless_writer(out, parse_schema(json.loads(path.read_text())), datum)
    return b"\xc3\x01" + fingerprint(path) + out.getvalue()


def read_with_files_only(message: bytes) -> tuple[str, dict[str, Any]]:
    """Decode like another team would: fingerprint lookup over every .avsc file."""
    by_fingerprint = {fingerprint(p): p for p in SCHEMAS.rglob("*.avsc")}
    assert message[:2] == b"\xc3\x01"
    path = by_fingerprint[message[2:10]]
    schema = parse_schema(json.loads(path.read_text()))
    datum: dict[str, Any] = schemaless_reader(BytesIO(message[10:]), schema, None)
    return path.stem, datum
