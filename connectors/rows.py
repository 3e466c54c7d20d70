"""Upstream rows (a CSV line or a JSON object) -> validated AgingSnapshot / Repayment.

Columns / keys:
- aging: ``event_id``? ``occurred_at`` ``customer_id`` ``account_id`` ``as_of``
  ``days_past_due`` ``overdue_amount`` ``outstanding_balance`` ``currency`` ``product``
- repayment: ``event_id``? ``occurred_at`` ``customer_id`` ``account_id`` ``amount``
  ``currency`` ``paid_at`` ``source``

Amounts are integers in minor units; date-times ISO 8601 with a zone; dates ISO. Without an
``event_id`` the row gets one derived from its validated content, so publishing the same
file twice produces the same events (downstream dedupes on event_id). A bad row is refused
with every problem it has (``InvalidRowError``), not only the first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from typing import Literal, TypeVar, cast

from connectors import fields
from connectors.base import UpstreamEvent
from streams.core.model import AgingSnapshot, Repayment

Kind = Literal["aging", "repayment"]
KINDS: tuple[Kind, ...] = ("aging", "repayment")
Row = Mapping[str, object]
T = TypeVar("T")


class InvalidRowError(ValueError):
    """A row with one or more bad fields; ``problems`` names every one, in column order."""

    def __init__(self, problems: list[fields.FieldError]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems

    @property
    def fields(self) -> list[str]:
        return [p.field for p in self.problems]


class _Fields:
    """Parses the fields of one row, collecting every problem instead of stopping at the
    first, so a rejected row tells the upstream team all it has to fix at once."""

    def __init__(self, row: Row) -> None:
        self._row = row
        self.problems: list[fields.FieldError] = []

    def __call__(self, parse: Callable[[Row, str], T], field: str) -> T:
        try:
            return parse(self._row, field)
        except fields.FieldError as exc:
            self.problems.append(exc)
            return cast(T, None)  # never used: check() raises first

    def check(self) -> None:
        if self.problems:
            raise InvalidRowError(self.problems)


def parse_aging(row: Row) -> AgingSnapshot:
    """An AgingSnapshot from ``row``; ``InvalidRowError`` lists every bad field."""
    f = _Fields(row)
    event_id = f(fields.optional_str, "event_id")
    occurred_at = f(fields.iso_datetime, "occurred_at")
    customer_id = f(fields.required_str, "customer_id")
    account_id = f(fields.required_str, "account_id")
    as_of = f(fields.iso_date, "as_of")
    days_past_due = f(fields.non_negative_int, "days_past_due")
    overdue_amount = f(fields.non_negative_int, "overdue_amount")
    outstanding_balance = f(fields.non_negative_int, "outstanding_balance")
    currency = f(fields.currency, "currency")
    product = f(fields.required_str, "product")
    f.check()
    snapshot = AgingSnapshot(
        event_id=event_id or "",
        occurred_at=occurred_at,
        customer_id=customer_id,
        account_id=account_id,
        as_of=as_of,
        days_past_due=days_past_due,
        overdue_amount=overdue_amount,
        outstanding_balance=outstanding_balance,
        currency=currency,
        product=product,
    )
    if snapshot.event_id:
        return snapshot
    return replace(snapshot, event_id=content_event_id("aging", snapshot))


def parse_repayment(row: Row) -> Repayment:
    """A Repayment from ``row``; ``InvalidRowError`` lists every bad field."""
    f = _Fields(row)
    event_id = f(fields.optional_str, "event_id")
    occurred_at = f(fields.iso_datetime, "occurred_at")
    customer_id = f(fields.required_str, "customer_id")
    account_id = f(fields.required_str, "account_id")
    amount = f(fields.non_negative_int, "amount")
    currency = f(fields.currency, "currency")
    paid_at = f(fields.iso_datetime, "paid_at")
    source = f(fields.required_str, "source")
    f.check()
    repayment = Repayment(
        event_id=event_id or "",
        occurred_at=occurred_at,
        customer_id=customer_id,
        account_id=account_id,
        amount=amount,
        currency=currency,
        paid_at=paid_at,
        source=source,
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
