"""Records as JSON-friendly dicts (files, webhooks, docs): ISO 8601 times, enum strings.

Times are written in UTC with millisecond precision, like the Avro ``timestamp-millis``
fields. Reading is strict: unknown keys, wrong types and unknown enum symbols are refused;
a missing key takes the default declared in the ``.avsc`` file, if it has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from streams.contract.fields import FieldInfo, Kind, fields_of


class JsonFormError(ValueError):
    """The JSON does not describe a record; the message names the field."""


def to_json(record: Any) -> dict[str, Any]:
    return {f.name: _out(f, getattr(record, f.name)) for f in fields_of(type(record))}


def _out(f: FieldInfo, value: Any) -> Any:
    if value is None:
        return None
    if f.kind is Kind.DATETIME:
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if f.kind is Kind.DATE:
        return value.isoformat()
    if f.kind is Kind.ENUM:
        return value.value
    if f.kind is Kind.ENUMSET:
        return sorted(item.value for item in value)
    if f.kind is Kind.RECORD:
        return to_json(value)
    if f.kind is Kind.RECORDS:
        return [to_json(item) for item in value]
    return value


def from_json(
    data: Mapping[str, Any], cls: type[Any], defaults: Mapping[str, Mapping[str, Any]]
) -> Any:
    """Build ``cls`` from ``data``; ``defaults`` maps record name -> field -> default."""
    if not isinstance(data, Mapping):
        raise JsonFormError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    infos = fields_of(cls)
    unknown = set(data) - {f.name for f in infos}
    if unknown:
        raise JsonFormError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    own_defaults = defaults.get(cls.__name__, {})
    values = {}
    for f in infos:
        if f.name in data:
            raw = data[f.name]
        elif f.name in own_defaults:
            raw = own_defaults[f.name]
        else:
            raise JsonFormError(f"{cls.__name__}.{f.name} is missing")
        try:
            values[f.name] = _in(f, raw, defaults)
        except JsonFormError as exc:
            raise JsonFormError(f"{cls.__name__}.{f.name} -> {exc}") from None
        except (TypeError, ValueError) as exc:
            raise JsonFormError(f"{cls.__name__}.{f.name}: {exc}") from None
    return cls(**values)


def _in(f: FieldInfo, raw: Any, defaults: Mapping[str, Mapping[str, Any]]) -> Any:
    if raw is None:
        if f.optional:
            return None
        raise TypeError("must not be null")
    if f.kind is Kind.DATETIME:
        parsed = datetime.fromisoformat(_expect(raw, str))
        if parsed.utcoffset() is None:
            raise ValueError(f"needs a UTC offset, got {raw!r}")
        return parsed.astimezone(UTC)
    if f.kind is Kind.DATE:
        return date.fromisoformat(_expect(raw, str))
    if f.kind is Kind.ENUM:
        return _symbol(f.target, raw)
    if f.kind is Kind.ENUMSET:
        return frozenset(_symbol(f.target, item) for item in _expect(raw, list))
    if f.kind is Kind.RECORD:
        return from_json(raw, f.target, defaults)
    if f.kind is Kind.RECORDS:
        return tuple(from_json(item, f.target, defaults) for item in _expect(raw, list))
    return _expect(raw, f.target)


def _expect(raw: Any, kind: type[Any]) -> Any:
    if not isinstance(raw, kind) or (kind is int and isinstance(raw, bool)):
        raise TypeError(f"expected {kind.__name__}, got {type(raw).__name__}")
    return raw


def _symbol(enum_cls: type[Any], raw: Any) -> Any:
    try:
        return enum_cls(_expect(raw, str))
    except ValueError:
        raise ValueError(f"unknown {enum_cls.__name__} symbol {raw!r}") from None
