"""The evolution gate: FULL_TRANSITIVE against every released schema version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.contract.compat import check_all, full_transitive_problems
from streams.contract.schemas import RECORD_TYPES, current_path, released_paths
from streams.core.model import AccountProfile, AgingSnapshot

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "contract"


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda t: t.__name__)
def test_current_schema_is_fully_compatible_with_every_released_version(
    record_type: type,
) -> None:
    problems = full_transitive_problems(current_path(record_type), released_paths(record_type))
    assert problems == [], "\n".join(problems)


def test_the_gate_passes_for_the_shipped_schemas() -> None:
    assert check_all() == []


def test_the_gate_fails_on_the_incompatible_fixture_naming_the_fields() -> None:
    released = released_paths(AgingSnapshot)
    problems = full_transitive_problems(FIXTURE / "AgingSnapshot.incompatible.avsc", released)
    backward = [p for p in problems if p.startswith("backward")]
    forward = [p for p in problems if p.startswith("forward")]
    assert backward and "days_past_due" in backward[0] and "branch_code" in backward[0]
    assert forward and "days_past_due" in forward[0]


def variant(tmp_path: Path, name: str, change: Any) -> Path:
    schema = json.loads(current_path(AgingSnapshot).read_text())
    change(schema)
    path = tmp_path / f"{name}.avsc"
    path.write_text(json.dumps(schema))
    return path


def test_adding_a_field_with_a_default_is_compatible(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "added",
        lambda s: s["fields"].append({"name": "branch", "type": "string", "default": ""}),
    )
    assert full_transitive_problems(path, released_paths(AgingSnapshot)) == []


def test_removing_a_field_without_a_default_is_refused_by_name(tmp_path: Path) -> None:
    def drop(schema: dict[str, Any]) -> None:
        schema["fields"] = [f for f in schema["fields"] if f["name"] != "overdue_amount"]

    problems = full_transitive_problems(
        variant(tmp_path, "dropped", drop), released_paths(AgingSnapshot)
    )
    assert len(problems) == 1
    assert problems[0].startswith("forward") and "overdue_amount" in problems[0]


def profile_with_new_symbol(tmp_path: Path, enum_name: str) -> Path:
    schema = json.loads(current_path(AccountProfile).read_text())

    def add_symbol(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "enum" and node["name"] == enum_name:
                node["symbols"].append("something_new")
            for value in node.values():
                add_symbol(value)
        elif isinstance(node, list):
            for item in node:
                add_symbol(item)

    add_symbol(schema)
    path = tmp_path / f"{enum_name}.avsc"
    path.write_text(json.dumps(schema))
    return path


def test_a_new_hard_stop_is_compatible_thanks_to_the_fail_closed_default(tmp_path: Path) -> None:
    path = profile_with_new_symbol(tmp_path, "HardStop")
    assert full_transitive_problems(path, released_paths(AccountProfile)) == []


def test_a_new_channel_is_a_breaking_change(tmp_path: Path) -> None:
    path = profile_with_new_symbol(tmp_path, "Channel")
    problems = full_transitive_problems(path, released_paths(AccountProfile))
    assert problems and problems[0].startswith("forward") and "opt_outs" in problems[0]
