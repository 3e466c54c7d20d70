"""Field parsers shared by the publisher (CSV / JSONL rows) and the callback endpoint.

Each takes the raw value (a JSON value, or a string from CSV) and returns the typed value
or raises :class:`FieldError` naming the field and what was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime

_CURRENCY = re.compile(r"[A-Z]{3}")
_INTEGER = re.compile(r"[+-]?\d{1,20}")
MAX_LONG = 2**63 - 1  # Avro long: amounts beyond it cannot be encoded


class FieldError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def _present(row: Mapping[str, object], field: str) -> object | None:
    value = row.get(field)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return value


def required_str(row: Mapping[str, object], field: str) -> str:
    value = _present(row, field)
    if value is None:
        raise FieldError(field, "required")
    if not isinstance(value, str):
        raise FieldError(field, f"expected a string, got {type(value).__name__}")
    return value.strip()


def optional_str(row: Mapping[str, object], field: str) -> str | None:
    return None if _present(row, field) is None else required_str(row, field)


def non_negative_int(row: Mapping[str, object], field: str) -> int:
    """An integer >= 0 (money in minor units, days past due); ``"12.50"`` is refused."""
    value = _present(row, field)
    if value is None:
        raise FieldError(field, "required")
    if isinstance(value, bool):
        raise FieldError(field, "expected an integer, got a boolean")
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise FieldError(field, f"expected an integer, got {str(value)[:40]!r}")
    if value < 0:
        raise FieldError(field, f"must not be negative, got {value}")
    if value > MAX_LONG:
        raise FieldError(field, "too large (more than 2^63 - 1)")
    return value


def optional_non_negative_int(row: Mapping[str, object], field: str) -> int | None:
    return None if _present(row, field) is None else non_negative_int(row, field)


def iso_date(row: Mapping[str, object], field: str) -> date:
    text = required_str(row, field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"expected an ISO date YYYY-MM-DD, got {text!r}") from None


def optional_iso_date(row: Mapping[str, object], field: str) -> date | None:
    return None if _present(row, field) is None else iso_date(row, field)


def iso_datetime(row: Mapping[str, object], field: str) -> datetime:
    """An ISO 8601 date-time with a zone offset (or Z), returned in UTC."""
    text = required_str(row, field)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(field, f"expected an ISO 8601 date-time, got {text[:40]!r}") from None
    if value.tzinfo is None:
        raise FieldError(field, f"needs a time zone offset (e.g. Z or +08:00), got {text!r}")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise FieldError(field, f"out of range: {text!r}") from None


def currency(row: Mapping[str, object], field: str = "currency") -> str:
    text = required_str(row, field)
    if not _CURRENCY.fullmatch(text):
        raise FieldError(field, f"expected a 3-letter ISO 4217 code like CNY, got {text!r}")
    return text


def optional_currency(row: Mapping[str, object], field: str = "currency") -> str | None:
    return None if _present(row, field) is None else currency(row, field)


def optional_iso_datetime(row: Mapping[str, object], field: str) -> datetime | None:
    return None if _present(row, field) is None else iso_datetime(row, field)
