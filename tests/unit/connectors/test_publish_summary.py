import pytest

from connectors.publisher import PublishSummary


@pytest.mark.parametrize(
    ("rejected", "failed", "code"),
    [(0, 0, 0), (3, 0, 2), (0, 1, 1), (3, 1, 1)],
)
def test_exit_code_is_1_on_delivery_failure_else_2_on_rejects_else_0(
    rejected: int, failed: int, code: int
) -> None:
    summary = PublishSummary(
        "aging", "a.csv", "collections.aging.v1", rejected=rejected, failed=failed
    )
    assert summary.exit_code == code


def test_the_summary_names_the_reject_file_when_rows_were_rejected() -> None:
    summary = PublishSummary(
        "aging",
        "a.csv",
        "collections.aging.v1",
        rows=10,
        published=9,
        rejected=1,
        seconds=2.0,
        reject_path="a.csv.rejects.jsonl",
    )
    text = summary.describe()
    assert "10 rows, 9 published, 1 rejected, 0 failed" in text
    assert "a.csv.rejects.jsonl" in text
