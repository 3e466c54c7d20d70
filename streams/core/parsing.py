"""Validation helpers for configuration files: every error names the file, path and problem.

Pure: these functions check already-parsed YAML values (dicts, lists, scalars); only
:func:`streams.core.config.load_policy` reads files.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import NoReturn, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

E = TypeVar("E", bound=StrEnum)


class ConfigError(ValueError):
    """A configuration file is invalid: the message names the file, the path and the problem."""


class Reader:
    """Reads values out of one parsed file, raising :class:`ConfigError` on the first problem."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str) -> NoReturn:
        raise ConfigError(f"{self.file}: {path or '<top>'}: {problem}")

    def mapping(
        self, value: object, path: str, allowed: set[str], required: frozenset[str] = frozenset()
    ) -> Mapping[str, object]:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected a mapping, got {_show(value)}")
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                self.fail(join(path, str(key)), f"unknown key (expected one of {sorted(allowed)})")
        for key in sorted(required - set(value)):
            self.fail(join(path, key), "missing required key")
        return value

    def sequence(self, value: object, path: str, non_empty: bool = False) -> list[object]:
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_show(value)}")
        if non_empty and not value:
            self.fail(path, "expected a non-empty list")
        return value

    def integer(self, value: object, path: str, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected an integer, got {_show(value)}")
        if minimum is not None and value < minimum:
            self.fail(path, f"expected an integer >= {minimum}, got {value}")
        return value

    def optional_integer(self, value: object, path: str, minimum: int | None = None) -> int | None:
        return None if value is None else self.integer(value, path, minimum)

    def string(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"expected a non-empty string, got {_show(value)}")
        return value

    def boolean(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {_show(value)}")
        return value

    def clock(self, value: object, path: str) -> time:
        text = self.string(value, path)
        hours, sep, minutes = text.partition(":")
        if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            self.fail(path, f"expected a local time 'HH:MM', got {text!r}")
        if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
            self.fail(path, f"time out of range: {text!r}")
        return time(int(hours), int(minutes))

    def member_of(self, choices: tuple[str, ...], value: object, path: str) -> str:
        if not isinstance(value, str) or value not in choices:
            self.fail(path, f"expected one of {list(choices)}, got {_show(value)}")
        return value

    def day(self, value: object, path: str) -> date:
        """A calendar date: YAML's own date or an ISO ``YYYY-MM-DD`` string."""
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(self.string(value, path))
        except ValueError:
            self.fail(path, f"expected a date 'YYYY-MM-DD', got {_show(value)}")

    def member(self, enum: type[E], value: object, path: str) -> E:
        text = value if isinstance(value, str) else ""
        try:
            return enum(text)
        except ValueError:
            choices = [m.value for m in enum]
            self.fail(path, f"expected one of {choices}, got {_show(value)}")

    def zone(self, value: object, path: str) -> str:
        name = self.string(value, path)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(path, f"unknown IANA time zone {name!r}")
        return name


def join(path: str, key: str | int) -> str:
    """``join("a", "b") == "a.b"``, ``join("a", 0) == "a[0]"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
