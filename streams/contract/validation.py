"""Checks every record must pass beyond its Avro types, run on encode and on decode.

Rules go by field name, so they hold in every record that has the field: ids are not empty,
amounts and days past due are not negative, currencies are ISO 4217 shaped, datetimes are
timezone-aware, time zones are IANA names. A few records add cross-field rules.

Sizes are bounded at this door too: ids at ``MAX_ID_CHARS``, every other string at
``MAX_TEXT_CHARS``, arrays of records at ``MAX_ITEMS``, money below 2^53 (exact in JSON and
in every client), so no input can grow a customer's state or an output without bound.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from streams.contract.fields import Kind, fields_of, per_type
from streams.core.model import ContactDue

Check = Callable[[Any], str | None]  # returns the complaint, or None when the value is fine

ID_FIELDS = frozenset({"event_id", "customer_id", "account_id", "contact_id"})
NON_NEGATIVE = frozenset(
    {
        "days_past_due",
        "overdue_amount",
        "outstanding_balance",
        "amount",
        "promise_amount",
        "amount_due",
        "prior_delinquencies",
    }
)
CURRENCY = re.compile(r"[A-Z]{3}")
MAX_ID_CHARS = 128
MAX_TEXT_CHARS = 256
MAX_ITEMS = 100
MAX_AMOUNT = 2**53 - 1  # minor units; far above any real balance, exact as a JSON number
MAX_DAYS = 100_000


class ValidationError(ValueError):
    """A record breaks a rule of the contract; the message names the record and field."""


def validate(record: Any) -> None:
    """Raise ``ValidationError`` naming the first field of ``record`` that breaks a rule."""
    cls = type(record)
    for name, check in _checks(cls):
        value = getattr(record, name)
        if value is None:
            continue
        problem = check(value)
        if problem is not None:
            raise ValidationError(f"{cls.__name__}.{name} {problem}")
    if isinstance(record, ContactDue) and record.expires_at < record.due_at:
        raise ValidationError("ContactDue.expires_at must not be before due_at")


@per_type
def _checks(cls: type[Any]) -> tuple[tuple[str, Check], ...]:
    checks: list[tuple[str, Check]] = []
    optional_lists = {f.name for f in dataclasses.fields(cls) if f.default == ()}
    for f in fields_of(cls):
        if f.name in ID_FIELDS:
            checks.append((f.name, _id))  # not empty, then not too long
        elif f.kind is Kind.PLAIN and f.target is str:
            checks.append((f.name, _text_length))
        if f.name in NON_NEGATIVE:  # not negative, then not too large
            checks.append((f.name, _day_count if f.name == "days_past_due" else _money))
        if f.name == "attempt":
            checks.append((f.name, _positive))
        if f.name == "currency":
            checks.append((f.name, _currency))
        if f.name == "time_zone":
            checks.append((f.name, _time_zone))
        if f.kind is Kind.DATETIME:
            checks.append((f.name, _aware))
        if f.kind is Kind.RECORD:
            checks.append((f.name, _nested))
        if f.kind is Kind.RECORDS:
            checks.append((f.name, _nested_each if f.name in optional_lists else _nested_all))
    return tuple(checks)


# The checks of a field run in one call each: a record is checked on every decode, and
# a call per rule was a tenth of the worker's time at the door.


def _id(value: str) -> str | None:
    if not value.strip():
        return "must not be empty"
    if isinstance(value, str) and len(value) > MAX_ID_CHARS:  # a wrong type: Avro says so
        return f"is longer than {MAX_ID_CHARS} characters"
    return None


def _text_length(value: str) -> str | None:
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return f"is longer than {MAX_TEXT_CHARS} characters"
    return None


def _money(value: int) -> str | None:
    if value < 0:
        return f"must not be negative, got {value}"
    return None if value <= MAX_AMOUNT else f"must be below 2^53, got {value}"


def _day_count(value: int) -> str | None:
    if value < 0:
        return f"must not be negative, got {value}"
    return None if value <= MAX_DAYS else f"must be at most {MAX_DAYS}, got {value}"


def _positive(value: int) -> str | None:
    return None if value >= 1 else f"must be at least 1, got {value}"


def _currency(value: str) -> str | None:
    return None if CURRENCY.fullmatch(value) else f"must be an ISO 4217 code, got {value!r}"


def _aware(value: datetime) -> str | None:
    return None if value.utcoffset() is not None else "must be timezone-aware (UTC)"


def _time_zone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ValueError, LookupError, OSError):  # not found is a KeyError; a folder, OSError
        return f"must be an IANA time zone, got {value!r}"
    return None


def _nested(value: Any) -> str | None:
    try:
        validate(value)
    except ValidationError as exc:
        return f"-> {exc}"
    return None


def _nested_all(values: tuple[Any, ...]) -> str | None:
    if not values:
        return "must not be empty"
    return _nested_each(values)


def _nested_each(values: tuple[Any, ...]) -> str | None:
    if len(values) > MAX_ITEMS:
        return f"has more than {MAX_ITEMS} items"
    for i, value in enumerate(values):
        problem = _nested(value)
        if problem is not None:
            return f"[{i}] {problem}"
    return None
