"""The .avsc files map 1:1 onto the model and follow the conventions of the contract."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from streams.contract.fields import Kind, fields_of
from streams.contract.schemas import (
    RECORD_TYPES,
    SCHEMA_DIR,
    current_path,
    released_paths,
)


def named_types(node: Any, found: dict[str, list[dict[str, Any]]]) -> None:
    if isinstance(node, list):
        for item in node:
            named_types(item, found)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "enum"):
            found.setdefault(node["name"], []).append(node)
        for value in node.values():
            named_types(value, found)


def all_named_types() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for record_type in RECORD_TYPES:
        named_types(json.loads(current_path(record_type).read_text()), found)
    return found


def record_schema(name: str) -> dict[str, Any]:
    return all_named_types()[name][0]


def test_schema_folder_holds_one_record_file_per_record_type_and_nothing_else() -> None:
    files = sorted(p.name for p in (SCHEMA_DIR / "collections").glob("*.avsc"))
    assert files == sorted(f"{t.__name__}.avsc" for t in RECORD_TYPES)


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda t: t.__name__)
def test_schema_is_a_record_named_after_its_file_in_the_collections_namespace(
    record_type: type,
) -> None:
    raw = json.loads(current_path(record_type).read_text())
    assert (raw["type"], raw["namespace"], raw["name"]) == (
        "record",
        "collections",
        record_type.__name__,
    )


def test_every_record_and_enum_defined_in_several_files_is_defined_identically() -> None:
    for name, definitions in all_named_types().items():
        assert all(d == definitions[0] for d in definitions), name


def check_record_matches(cls: type, schema: dict[str, Any]) -> None:
    infos = fields_of(cls)
    assert [f["name"] for f in schema["fields"]] == [i.name for i in infos], cls.__name__
    by_name = {f["name"]: f for f in schema["fields"]}
    types = all_named_types()
    for info in infos:
        field = by_name[info.name]
        avro_type = field["type"]
        if info.optional:
            assert avro_type[0] == "null" and field["default"] is None, info.name
            avro_type = avro_type[1]
        if info.kind is Kind.DATETIME:
            assert avro_type == {"type": "long", "logicalType": "timestamp-millis"}, info.name
        if info.kind is Kind.DATE:
            assert avro_type == {"type": "int", "logicalType": "date"}, info.name
        if info.kind in (Kind.ENUM, Kind.ENUMSET):
            enum = types[info.target.__name__][0]
            assert enum["symbols"] == [m.value for m in info.target], info.name
        if info.kind is Kind.RECORD:
            check_record_matches(info.target, types[info.target.__name__][0])
        if info.kind is Kind.RECORDS:
            check_record_matches(info.target, types[info.target.__name__][0])


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda t: t.__name__)
def test_schema_fields_match_the_model_dataclass_one_to_one(record_type: type) -> None:
    check_record_matches(record_type, json.loads(current_path(record_type).read_text()))


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda t: t.__name__)
def test_every_event_carries_an_id_and_occurred_at(record_type: type) -> None:
    names = {f.name for f in dataclasses.fields(record_type)}
    assert "occurred_at" in names
    assert names & {"event_id", "contact_id"}


def test_money_fields_are_longs_in_records_that_carry_a_currency() -> None:
    money = {"overdue_amount", "outstanding_balance", "amount", "promise_amount", "amount_due"}
    for name, definitions in all_named_types().items():
        record = definitions[0]
        if record["type"] != "record":
            continue
        for field in record["fields"]:
            if field["name"] in money:
                kind = field["type"] if isinstance(field["type"], str) else field["type"][1]
                assert kind == "long", f"{name}.{field['name']}"


def test_only_the_display_name_is_marked_pii() -> None:
    marked = [
        f"{name}.{f['name']}"
        for name, definitions in all_named_types().items()
        if definitions[0]["type"] == "record"
        for f in definitions[0]["fields"]
        if f.get("pii")
    ]
    assert marked == ["AccountProfile.display_name"]


def test_only_hard_stop_has_a_default_symbol_and_it_fails_closed() -> None:
    defaults = {
        name: d[0].get("default") for name, d in all_named_types().items() if d[0]["type"] == "enum"
    }
    assert {name: value for name, value in defaults.items() if value} == {"HardStop": "complaint"}


def test_every_field_is_documented() -> None:
    for name, definitions in all_named_types().items():
        assert definitions[0]["doc"], name
        for field in definitions[0].get("fields", []):
            assert field["doc"], f"{name}.{field['name']}"


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda t: t.__name__)
def test_every_record_has_a_released_first_version(record_type: type) -> None:
    versions = [p.name for p in released_paths(record_type)]
    assert versions[0] == "v1.avsc"


def test_released_versions_are_numbered_without_gaps() -> None:
    for record_type in RECORD_TYPES:
        numbers = [int(Path(p).stem[1:]) for p in released_paths(record_type)]
        assert numbers == list(range(1, len(numbers) + 1)), record_type.__name__
