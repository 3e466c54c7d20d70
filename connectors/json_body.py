"""Parse an untrusted request body into a flat JSON object, refusing anything odd as 400.

``json.loads`` alone turns hostile input into server errors: deep nesting overflows the
recursion limit, an integer of many thousand digits exceeds Python's conversion limit,
``NaN`` is accepted. So the nesting depth is measured before parsing (a linear scan that
skips strings), non-standard constants and duplicate keys are refused, and every failure
becomes a ``BadBodyError`` with a short message.
"""

from __future__ import annotations

import json


class BadBodyError(ValueError):
    """The body is not a JSON object within the limits."""


def nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting of ``text``, brackets inside strings ignored."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def json_object(raw: bytes, max_depth: int) -> dict[str, object]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBodyError("body must be UTF-8 encoded JSON") from None
    if nesting_depth(text) > max_depth:
        raise BadBodyError(f"body must be a flat JSON object (nested deeper than {max_depth})")
    try:
        value = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):  # JSONDecodeError, huge integers, our hooks
        raise BadBodyError("body must be a JSON object") from None
    if not isinstance(value, dict):
        raise BadBodyError("body must be a JSON object")
    return value


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)
