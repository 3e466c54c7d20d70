import json
from pathlib import Path

import pytest

from connectors.base import DeliveryStatus
from connectors.filesink import FileSinkGateway
from tests.unit.connectors.factories import contact_due


async def test_each_contact_is_appended_as_one_json_line(tmp_path: Path) -> None:
    path = tmp_path / "out" / "sms.jsonl"
    sink = FileSinkGateway(path)
    results = [await sink.deliver(contact_due(cid)) for cid in ("c-1", "c-2")]
    await sink.close()
    assert {r.status for r in results} == {DeliveryStatus.DELIVERED}
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["contact_id"] for line in lines] == ["c-1", "c-2"]
    assert lines[0]["amount_due"] == 12_000


async def test_a_dash_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    sink = FileSinkGateway("-")
    await sink.deliver(contact_due("c-9"))
    await sink.close()
    out = capsys.readouterr().out
    assert json.loads(out)["contact_id"] == "c-9"
