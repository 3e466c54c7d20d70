from pathlib import Path

from connectors.base import RowRejected
from connectors.sources import CsvSource, JsonLinesSource, open_source
from streams.core.model import AgingSnapshot

HEADER = (
    "customer_id,account_id,occurred_at,as_of,days_past_due,overdue_amount,"
    "outstanding_balance,currency,product\n"
)
GOOD = "cust-1,acc-1,2025-03-03T02:00:00Z,2025-03-02,5,12000,480000,CNY,cash_loan\n"
NEGATIVE = "cust-2,acc-2,2025-03-03T02:00:00Z,2025-03-02,-1,12000,480000,CNY,cash_loan\n"


def test_csv_rows_carry_their_file_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "aging.csv"
    path.write_text(HEADER + GOOD + "\n" + NEGATIVE)
    rows = list(CsvSource(path, "aging").rows())
    assert [line for line, _ in rows] == [2, 4]
    assert isinstance(rows[0][1], AgingSnapshot)
    rejected = rows[1][1]
    assert isinstance(rejected, RowRejected)
    assert "days_past_due" in rejected.reason
    names, cells = HEADER.strip().split(","), NEGATIVE.strip().split(",")
    assert rejected.raw == dict(zip(names, cells, strict=True))


def test_csv_rows_with_the_wrong_number_of_columns_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "aging.csv"
    path.write_text(HEADER + "cust-1,acc-1\n")
    [(line, item)] = list(CsvSource(path, "aging").rows())
    assert line == 2
    assert isinstance(item, RowRejected)
    assert item.reason == "expected 9 columns, got 2"


def test_jsonl_lines_that_are_not_json_objects_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "repayments.jsonl"
    path.write_text('{"customer_id": \n[1, 2]\n\n')
    rows = list(JsonLinesSource(path, "repayment").rows())
    assert [line for line, _ in rows] == [1, 2]
    reasons = [item.reason for _, item in rows if isinstance(item, RowRejected)]
    assert reasons[0].startswith("invalid JSON")
    assert reasons[1] == "expected a JSON object"


def test_the_file_suffix_picks_the_reader(tmp_path: Path) -> None:
    assert isinstance(open_source(tmp_path / "x.jsonl", "aging"), JsonLinesSource)
    assert isinstance(open_source(tmp_path / "x.csv", "aging"), CsvSource)
