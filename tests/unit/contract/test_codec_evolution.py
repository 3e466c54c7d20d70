"""Messages written with an older released schema decode into today's records."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from fastavro import schemaless_reader

from streams.contract import codec
from streams.contract.examples import ACCOUNT_PROFILE, AGING, CONTACT_OUTCOME
from streams.contract.schemas import load, released_paths
from streams.core.model import AccountProfile, AgingSnapshot, ContactOutcome, Instalment
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


def test_a_v1_profile_decodes_with_no_credit_history_and_no_resolved_disputes() -> None:
    v1 = released_paths(AccountProfile)[0]
    datum = {
        f["name"]: getattr(ACCOUNT_PROFILE, f["name"]) for f in json.loads(v1.read_text())["fields"]
    }
    datum["opt_outs"] = sorted(datum["opt_outs"])
    datum["hard_stops"] = sorted(datum["hard_stops"])
    decoded = codec.decode(single_object(v1, datum), AccountProfile)
    assert (decoded.prior_delinquencies, decoded.disputes_resolved_at) == (0, None)
    assert decoded.display_name == ACCOUNT_PROFILE.display_name


def test_a_repayment_plan_round_trips_and_reads_as_a_promise_with_the_v1_schema() -> None:
    plan = dataclasses.replace(
        CONTACT_OUTCOME,
        promise_amount=50_000,
        promise_date=date(2025, 3, 20),
        instalments=(
            Instalment(date(2025, 3, 20), 50_000),
            Instalment(date(2025, 4, 20), 54_000),
            Instalment(date(2025, 5, 20), 54_000),
        ),
    )
    data = codec.encode(plan)
    assert codec.decode(data, ContactOutcome) == plan
    old_reader = load(released_paths(ContactOutcome)[0]).parsed
    seen_by_v1 = schemaless_reader(
        BytesIO(data[codec.HEADER_SIZE :]), codec.CURRENT[ContactOutcome].parsed, old_reader
    )
    assert "instalments" not in seen_by_v1
    assert (seen_by_v1["outcome"], seen_by_v1["promise_amount"]) == ("promise_to_pay", 50_000)
