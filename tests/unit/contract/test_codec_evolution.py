"""Messages written with an older released schema decode into today's records."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from streams.contract import codec
from streams.contract.examples import AGING
from streams.contract.schemas import load
from streams.core.model import AgingSnapshot
from tests.unit.contract.avro_files import avsc, single_object


@pytest.fixture
def v0_without_product(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An older AgingSnapshot schema without `product`, registered as a released version."""
    schema = json.loads(avsc("AgingSnapshot").read_text())
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "product"]
    path = tmp_path / "v0.avsc"
    path.write_text(json.dumps(schema))
    old = load(path)
    current = codec.CURRENT[AgingSnapshot].parsed
    monkeypatch.setitem(
        codec.WRITERS, old.fingerprint, codec.Writer(AgingSnapshot, old.parsed, current)
    )
    return path


def test_a_record_written_with_an_older_schema_gets_the_new_field_default(
    v0_without_product: Path,
) -> None:
    datum = {f.name: getattr(AGING, f.name) for f in dataclasses.fields(AGING)}
    del datum["product"]
    decoded = codec.decode(single_object(v0_without_product, datum), AgingSnapshot)
    assert decoded == dataclasses.replace(AGING, product="")


def test_the_older_schema_has_its_own_fingerprint(v0_without_product: Path) -> None:
    assert load(v0_without_product).fingerprint != codec.CURRENT[AgingSnapshot].fingerprint
