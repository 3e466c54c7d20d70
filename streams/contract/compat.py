"""The schema evolution gate: FULL_TRANSITIVE compatibility with every released version.

A current schema must read data written with each released version (backward) and each
released version must read data written with the current schema (forward). The checks are
``avro.compatibility``'s; this module turns its JSON-pointer locations into field names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from avro.schema import parse

from streams.contract.schemas import RECORD_TYPES, SCHEMA_DIR, current_path, released_paths


def problems(reader_path: Path, writer_path: Path) -> list[str]:
    """Why ``reader_path``'s schema cannot read data written with ``writer_path``'s."""
    reader_text = reader_path.read_text(encoding="utf-8")
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        parse(reader_text), parse(writer_path.read_text(encoding="utf-8"))
    )
    if result.compatibility is not SchemaCompatibilityType.incompatible:
        return []
    reader_json = json.loads(reader_text)
    fields = sorted({_field_path(reader_json, loc) for loc in result.locations} - {""})
    kinds = sorted(i.value for i in result.incompatibilities)
    return [
        f"{reader_path.name} cannot read {writer_path}: {', '.join(kinds)} "
        f"at field(s) {', '.join(fields) or '(root)'}: {'; '.join(sorted(result.messages))}"
    ]


def full_transitive_problems(current: Path, released: list[Path]) -> list[str]:
    """Backward and forward problems of ``current`` against every released version."""
    found: list[str] = []
    for old in released:
        found += [f"backward: {p}" for p in problems(current, old)]
        found += [f"forward: {p}" for p in problems(old, current)]
    return found


def check_all(root: Path = SCHEMA_DIR) -> list[str]:
    """Every compatibility problem of the shipped schemas (empty when the gate passes)."""
    found: list[str] = []
    for record_type in RECORD_TYPES:
        found += full_transitive_problems(
            current_path(record_type, root), released_paths(record_type, root)
        )
    return found


def _field_path(schema: Any, location: str) -> str:
    """Turn ``/fields/4/type/items/fields/1/type`` into ``accounts.days_past_due``."""
    names: list[str] = []
    node, previous = schema, ""
    for key in (p for p in location.split("/") if p):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict):
            node = node.get(key)
        else:
            break
        if previous == "fields" and isinstance(node, dict):
            names.append(str(node.get("name")))
        previous = key
    return ".".join(names)
