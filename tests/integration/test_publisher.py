"""The upstream publisher against a real broker: valid rows produced, bad rows rejected."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.publisher import publish_file
from streams.contract.catalogue import Catalogue, catalogue
from streams.contract.codec import decode
from streams.core.model import AgingSnapshot, Repayment
from tests.integration.kafka_tools import consume, create_topics

HEADER = (
    "event_id,occurred_at,customer_id,account_id,as_of,days_past_due,overdue_amount,"
    "outstanding_balance,currency,product\n"
)
AGING_ROWS = [
    ",2025-03-03T02:00:00+08:00,cust-1,acc-1,2025-03-02,5,12000,480000,CNY,cash_loan\n",
    ",2025-03-03T02:00:00+08:00,cust-2,acc-2,2025-03-02,-4,12000,480000,CNY,cash_loan\n",
    "ag-3,2025-03-03T02:00:00+08:00,cust-3,acc-3,2025-03-02,40,9000,90000,CNY,card\n",
    ",2025-03-03T02:00:00+08:00,cust-4,acc-4,2025-03-02,12,10.5,90000,CNY,card\n",
]


def make_topics(bootstrap: str, prefix: str) -> Catalogue:
    cat = catalogue(prefix, partitions=3)
    create_topics(bootstrap, [t.name for t in cat.all()], partitions=3)
    return cat


def read(bootstrap: str, topic: str, count: int) -> list[tuple[bytes, bytes]]:
    messages = consume(bootstrap, [topic], until=lambda got: len(got) >= count)
    return [(m.key(), m.value()) for m in messages]


@pytest.mark.kafka
def test_an_aging_csv_publishes_valid_rows_and_rejects_bad_ones_with_line_numbers(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    source = tmp_path / "aging-2025-03-02.csv"
    source.write_text(HEADER + "".join(AGING_ROWS))
    progress = io.StringIO()
    summary = publish_file(
        source, "aging", {"bootstrap.servers": kafka_bootstrap}, cat, progress=progress
    )
    assert (summary.rows, summary.published, summary.rejected, summary.failed) == (4, 2, 2, 0)
    assert summary.exit_code == 2
    assert "4 rows" in progress.getvalue() and "rows/s" in progress.getvalue()
    rejects = [json.loads(line) for line in Path(summary.reject_path).read_text().splitlines()]
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (3, "days_past_due"),
        (5, "overdue_amount"),
    ]
    assert rejects[0]["raw"]["customer_id"] == "cust-2"
    records = read(kafka_bootstrap, cat.aging.name, 2)
    snapshots = {key: decode(value, AgingSnapshot) for key, value in records}
    assert set(snapshots) == {b"cust-1", b"cust-3"}
    assert snapshots[b"cust-3"].event_id == "ag-3"
    assert snapshots[b"cust-1"].days_past_due == 5


@pytest.mark.kafka
def test_republishing_a_repayment_file_repeats_the_same_event_ids(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    source = tmp_path / "repayments.jsonl"
    rows = [
        {
            "occurred_at": "2025-03-03T10:00:00Z",
            "customer_id": f"cust-{i}",
            "account_id": f"acc-{i}",
            "amount": 1000 * i,
            "currency": "CNY",
            "paid_at": "2025-03-03T09:59:00Z",
            "source": "bank_transfer",
        }
        for i in range(1, 4)
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = {"bootstrap.servers": kafka_bootstrap}
    first = publish_file(source, "repayment", config, cat, progress=None)
    second = publish_file(source, "repayment", config, cat, progress=None)
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert Path(first.reject_path).read_text() == ""
    records = read(kafka_bootstrap, cat.repayments.name, 6)
    ids = [decode(value, Repayment).event_id for _, value in records]
    assert sorted(Counter(ids).values()) == [2, 2, 2]  # each row twice, same id both times


def test_an_unreachable_broker_makes_the_publish_fail_with_exit_code_1(tmp_path: Path) -> None:
    source = tmp_path / "aging.csv"
    source.write_text(HEADER + AGING_ROWS[0])
    config = {"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": 500}
    summary = publish_file(source, "aging", config, catalogue("x-"), progress=None)
    assert (summary.published, summary.failed) == (0, 1)
    assert summary.exit_code == 1
    assert summary.failures
