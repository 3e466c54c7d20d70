"""docs/privacy.md states the retention of every topic as the catalogue sets it."""

from __future__ import annotations

import pytest

from streams.contract.catalogue import TopicSpec, catalogue
from tests.unit.test_docker_compose import ROOT

DOC = (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")


def retention(spec: TopicSpec) -> str:
    return "compacted" if spec.compacted else f"{spec.retention_ms // 86_400_000} days"


@pytest.mark.parametrize("spec", catalogue().all(), ids=lambda s: s.name)
def test_every_topic_is_in_the_inventory_with_its_catalogue_retention(spec: TopicSpec) -> None:
    [row] = [line for line in DOC.splitlines() if line.startswith(f"| `{spec.name}` |")]
    assert row.split("|")[3].strip() == retention(spec)
