"""The upstream publisher against a real broker: valid rows produced, bad rows rejected."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.publisher import (
    FLUSH_TIMEOUT_SECONDS,
    PublishError,
    default_reject_path,
    publish_file,
)
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


def test_an_unreachable_broker_is_reported_before_the_file_is_read(tmp_path: Path) -> None:
    source = tmp_path / "aging.csv"
    source.write_text(HEADER + AGING_ROWS[0])
    config = {"bootstrap.servers": "127.0.0.1:1"}
    with pytest.raises(PublishError, match=r"no answer from the Kafka broker at 127\.0\.0\.1:1"):
        publish_file(source, "aging", config, catalogue("x-"), progress=None, metadata_timeout=1)
    assert not default_reject_path(source).exists()


@pytest.mark.kafka
def test_a_missing_topic_fails_at_once_and_points_at_topics_create(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    source = tmp_path / "aging.csv"
    source.write_text(HEADER + AGING_ROWS[0])
    cat = catalogue(unique_name() + "-", partitions=3)  # topics never created
    started = time.monotonic()
    with pytest.raises(PublishError, match="collectctl topics create") as caught:
        publish_file(source, "aging", {"bootstrap.servers": kafka_bootstrap}, cat, progress=None)
    assert cat.aging.name in str(caught.value)
    assert time.monotonic() - started < FLUSH_TIMEOUT_SECONDS / 2  # not a delivery timeout


@pytest.mark.kafka
def test_a_rejected_row_lists_every_problem_in_the_reject_file(
    kafka_bootstrap: str, unique_name: Callable[[], str], tmp_path: Path
) -> None:
    cat = make_topics(kafka_bootstrap, unique_name() + "-")
    source = tmp_path / "aging.csv"
    source.write_text(HEADER + ",2025-03-03T02:00:00,,acc-9,2025-03-02,-4,12000,480000,yuan,card\n")
    summary = publish_file(
        source, "aging", {"bootstrap.servers": kafka_bootstrap}, cat, progress=None
    )
    [reject] = [json.loads(line) for line in Path(summary.reject_path).read_text().splitlines()]
    assert [p.split(":")[0] for p in reject["problems"]] == [
        "occurred_at",
        "customer_id",
        "days_past_due",
        "currency",
    ]
    assert reject["reason"] == "; ".join(reject["problems"])
