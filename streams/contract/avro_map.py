"""Model dataclass <-> the dict fastavro reads and writes (hot path: converters built once).

Plain values, datetimes and dates pass through (fastavro handles the logical types); enums
are written as their values (``StrEnum`` is a ``str``) and read back into the enum class;
frozensets are written sorted so that equal records encode to equal bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streams.contract.fields import FieldInfo, Kind, fields_of, per_type

Converter = Callable[[Any], Any]


def to_avro(record: Any) -> dict[str, Any]:
    names, converters = _writers(type(record))
    datum = {name: getattr(record, name) for name in names}
    for name, convert in converters:
        value = datum[name]
        if value is not None:
            datum[name] = convert(value)
    return datum


def from_avro(datum: dict[str, Any], cls: type[Any]) -> Any:
    """Build ``cls`` from a dict fastavro read (the dict is reused and changed in place)."""
    for name, convert in _readers(cls):
        value = datum[name]
        if value is not None:
            datum[name] = convert(value)
    return cls(**datum)


@per_type
def _writers(cls: type[Any]) -> tuple[tuple[str, ...], tuple[tuple[str, Converter], ...]]:
    infos = fields_of(cls)
    converters = tuple((f.name, conv) for f in infos if (conv := _writer(f)) is not None)
    return tuple(f.name for f in infos), converters


def _writer(f: FieldInfo) -> Converter | None:
    if f.kind is Kind.RECORD:
        return to_avro
    if f.kind is Kind.RECORDS:
        return lambda items: [to_avro(item) for item in items]
    if f.kind is Kind.ENUMSET:
        return sorted
    return None


@per_type
def _readers(cls: type[Any]) -> tuple[tuple[str, Converter], ...]:
    return tuple((f.name, conv) for f in fields_of(cls) if (conv := _reader(f)) is not None)


def _reader(f: FieldInfo) -> Converter | None:
    target = f.target
    if f.kind is Kind.ENUM:
        return target
    if f.kind is Kind.ENUMSET:
        return lambda symbols: frozenset(map(target, symbols))
    if f.kind is Kind.RECORD:
        return lambda datum: from_avro(datum, target)
    if f.kind is Kind.RECORDS:
        return lambda items: tuple(from_avro(item, target) for item in items)
    return None
