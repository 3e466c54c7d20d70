"""The ``.avsc`` files: where they are, which record type each one maps to, fingerprints.

Every file holds one self-contained record schema (its enums and nested records inline), so
any Avro implementation can read messages with that one file. Current versions live in
``schemas/collections/<Record>.avsc``; released versions are kept, unchanged, in
``schemas/released/<Record>/v<N>.avsc``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, to_parsing_canonical_form

from streams.core.model import (
    AccountProfile,
    AgingSnapshot,
    ContactDue,
    ContactOutcome,
    ContactSuppressed,
    ErasureRequest,
    LitigationReferral,
    Repayment,
    SegmentChanged,
)

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
NAMESPACE = "collections"

Record = (
    AgingSnapshot
    | Repayment
    | ContactOutcome
    | AccountProfile
    | SegmentChanged
    | ContactDue
    | ContactSuppressed
    | ErasureRequest
    | LitigationReferral
)

RECORD_TYPES: tuple[type[Record], ...] = (
    AgingSnapshot,
    Repayment,
    ContactOutcome,
    AccountProfile,
    SegmentChanged,
    ContactDue,
    ContactSuppressed,
    ErasureRequest,
    LitigationReferral,
)


@dataclass(frozen=True, slots=True)
class LoadedSchema:
    """One parsed ``.avsc`` file."""

    path: Path
    full_name: str
    raw: dict[str, Any]  # the JSON as written
    parsed: dict[str, Any]  # fastavro's parsed form
    fingerprint: bytes  # CRC-64-AVRO of the Parsing Canonical Form, 8 bytes little-endian


def full_name(record_type: type[Record]) -> str:
    return f"{NAMESPACE}.{record_type.__name__}"


def current_path(record_type: type[Record], root: Path = SCHEMA_DIR) -> Path:
    return root / NAMESPACE / f"{record_type.__name__}.avsc"


def released_paths(record_type: type[Record], root: Path = SCHEMA_DIR) -> list[Path]:
    """Released versions of the record's schema, oldest first."""
    folder = root / "released" / record_type.__name__
    return sorted(folder.glob("v*.avsc"), key=lambda p: int(p.stem[1:]))


def load(path: Path) -> LoadedSchema:
    raw = json.loads(path.read_text(encoding="utf-8"))
    parsed = parse_schema(raw)
    canonical = to_parsing_canonical_form(parsed)
    return LoadedSchema(
        path=path,
        full_name=f"{raw.get('namespace', '')}.{raw['name']}".lstrip("."),
        raw=raw,
        parsed=parsed,
        fingerprint=bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")),
    )


def field_defaults(schema: Any, into: dict[str, dict[str, Any]]) -> None:
    """Collect the declared ``default`` of every field of every record in ``schema``.

    ``into`` maps a record's short name to ``{field name: default (JSON form)}``.
    """
    if isinstance(schema, list):
        for branch in schema:
            field_defaults(branch, into)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "array":
        field_defaults(schema["items"], into)
    if schema.get("type") == "record":
        defaults = into.setdefault(schema["name"], {})
        for f in schema["fields"]:
            if "default" in f:
                defaults[f["name"]] = f["default"]
            field_defaults(f["type"], into)
