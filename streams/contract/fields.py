"""How each field of a model dataclass maps onto Avro, read once from the type hints."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

R = TypeVar("R")


class Kind(Enum):
    PLAIN = "plain"  # str, int, bool: the same value in Avro
    DATETIME = "datetime"  # timestamp-millis
    DATE = "date"  # date logical type
    ENUM = "enum"  # StrEnum <-> Avro enum symbol
    RECORD = "record"  # nested dataclass <-> nested record
    RECORDS = "records"  # tuple of dataclasses <-> array of records
    ENUMSET = "enumset"  # frozenset of StrEnum <-> array of enum (sorted)


def per_type(build: Callable[[type[Any]], R]) -> Callable[[type[Any]], R]:
    """Memoise ``build`` per class (a plain dict: cheaper than ``functools.cache``)."""
    memo: dict[type[Any], R] = {}

    def get(cls: type[Any]) -> R:
        found = memo.get(cls)
        if found is None:
            found = memo[cls] = build(cls)
        return found

    return get


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    kind: Kind
    target: type[Any]  # str/int/bool, datetime, date, the enum class or the dataclass
    optional: bool  # the type admits None (an Avro union with null)


@per_type
def fields_of(cls: type[Any]) -> tuple[FieldInfo, ...]:
    """The Avro view of dataclass ``cls``, in declaration order (= the schema's order)."""
    hints = get_type_hints(cls)
    return tuple(_info(f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _info(name: str, hint: Any) -> FieldInfo:
    optional = False
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"{name}: only `X | None` unions map onto Avro here, got {hint}")
        hint, optional = args[0], True
    kind, target = _kind(name, hint)
    return FieldInfo(name=name, kind=kind, target=target, optional=optional)


def _kind(name: str, hint: Any) -> tuple[Kind, type[Any]]:
    origin = get_origin(hint)
    if origin is tuple:
        return Kind.RECORDS, get_args(hint)[0]
    if origin is frozenset:
        return Kind.ENUMSET, get_args(hint)[0]
    if isinstance(hint, type):
        if issubclass(hint, datetime):
            return Kind.DATETIME, hint
        if issubclass(hint, date):
            return Kind.DATE, hint
        if issubclass(hint, StrEnum):
            return Kind.ENUM, hint
        if dataclasses.is_dataclass(hint):
            return Kind.RECORD, hint
        if hint in (str, int, bool):
            return Kind.PLAIN, hint
    raise TypeError(f"{name}: no Avro mapping for {hint!r}")
