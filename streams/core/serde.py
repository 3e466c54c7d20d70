"""Dataclass <-> plain JSON-able values, driven by the type hints of the state classes.

Supported: str, int, bool, None, date, datetime (ISO strings), string enums (their value),
``X | None``, ``tuple[X, ...]``, ``frozenset[X]`` (sorted list), ``Mapping[K, V]`` with
string-like keys, and nested dataclasses.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, cast

T = TypeVar("T")


def to_plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_plain(k)): to_plain(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return sorted(to_plain(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    return value


def from_plain(cls: type[T], data: object) -> T:
    return cast(T, _decode(cls, data))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, data: object) -> object:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        return _decode(next(a for a in args if a is not type(None)), data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        assert isinstance(data, Mapping), f"expected a mapping for {tp.__name__}"
        hints = _hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        return tp(**{k: _decode(hints[k], v) for k, v in data.items() if k in known})
    if origin is tuple:
        return tuple(_decode(args[0], v) for v in _items(data))
    if origin is frozenset:
        return frozenset(_decode(args[0], v) for v in _items(data))
    if origin in (Mapping, dict):
        assert isinstance(data, Mapping)
        return {_decode(args[0], k): _decode(args[1], v) for k, v in data.items()}
    if tp is datetime:
        return datetime.fromisoformat(str(data))
    if tp is date:
        return date.fromisoformat(str(data))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    return data


def _items(data: object) -> list[object]:
    assert isinstance(data, list | tuple), f"expected a list, got {type(data).__name__}"
    return list(data)
