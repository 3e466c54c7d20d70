"""Upstream rows (a CSV line or a JSON object) -> validated AgingSnapshot / Repayment.

Columns / keys:
- aging: ``event_id``? ``occurred_at`` ``customer_id`` ``account_id`` ``as_of``
  ``days_past_due`` ``overdue_amount`` ``outstanding_balance`` ``currency`` ``product``
- repayment: ``event_id``? ``occurred_at`` ``customer_id`` ``account_id`` ``amount``
  ``currency`` ``paid_at`` ``source``

Amounts are integers in minor units; date-times ISO 8601 with a zone; dates ISO. Without an
``event_id`` the row gets one derived from its validated content, so publishing the same
file twice produces the same events (downstream dedupes on event_id).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from typing import Literal

from connectors import fields
from connectors.base import UpstreamEvent
from streams.core.model import AgingSnapshot, Repayment

Kind = Literal["aging", "repayment"]
KINDS: tuple[Kind, ...] = ("aging", "repayment")
Row = Mapping[str, object]


def parse_aging(row: Row) -> AgingSnapshot:
    snapshot = AgingSnapshot(
        event_id=fields.optional_str(row, "event_id") or "",
        occurred_at=fields.iso_datetime(row, "occurred_at"),
        customer_id=fields.required_str(row, "customer_id"),
        account_id=fields.required_str(row, "account_id"),
        as_of=fields.iso_date(row, "as_of"),
        days_past_due=fields.non_negative_int(row, "days_past_due"),
        overdue_amount=fields.non_negative_int(row, "overdue_amount"),
        outstanding_balance=fields.non_negative_int(row, "outstanding_balance"),
        currency=fields.currency(row),
        product=fields.required_str(row, "product"),
    )
    if snapshot.event_id:
        return snapshot
    return replace(snapshot, event_id=content_event_id("aging", snapshot))


def parse_repayment(row: Row) -> Repayment:
    repayment = Repayment(
        event_id=fields.optional_str(row, "event_id") or "",
        occurred_at=fields.iso_datetime(row, "occurred_at"),
        customer_id=fields.required_str(row, "customer_id"),
        account_id=fields.required_str(row, "account_id"),
        amount=fields.non_negative_int(row, "amount"),
        currency=fields.currency(row),
        paid_at=fields.iso_datetime(row, "paid_at"),
        source=fields.required_str(row, "source"),
    )
    if repayment.event_id:
        return repayment
    return replace(repayment, event_id=content_event_id("repayment", repayment))


PARSERS: dict[Kind, Callable[[Row], UpstreamEvent]] = {
    "aging": parse_aging,
    "repayment": parse_repayment,
}


def content_event_id(kind: Kind, event: UpstreamEvent) -> str:
    """A stable id from the validated values (same data -> same id, CSV or JSONL)."""
    values = {k: v for k, v in asdict(event).items() if k != "event_id"}
    canonical = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return f"{kind}-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]
