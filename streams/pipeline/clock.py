"""The two clocks. One ``now`` enters the core from here and nowhere else.

* ``WallClock``: production. ``now`` is the wall clock; the worker runs what fell due for
  each owned partition at every tick of its loop.
* ``EventClock``: replay and backtests. ``now`` per partition is the latest event time seen
  on it (input events in their merged order, or explicit clock ticks), so 90 days of
  history run in seconds and give the decisions they gave live. The partition's clock is
  part of its committed state (``PartitionMeta.clock``): a restart resumes it, never
  rewinds it. Ticks matter: a nightly aging batch arrives inside quiet hours, so without
  daytime ticks a replay would never reach a contact window.

An event-time tick is a message on the tick topic whose value is 8 bytes of big-endian
epoch milliseconds, published by a replay driver to every partition. Empty ticks (written by
earlier worker versions on the wall clock) are read and ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

TICK_BYTES = 8


class WallClock:
    mode = "wall"

    def __init__(self, source: Callable[[], datetime] | None = None) -> None:
        self._source = source or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self._source()


class EventClock:
    mode = "event"


Clock = WallClock | EventClock


class MalformedTickError(ValueError):
    """A tick message that is neither empty nor a valid 8-byte instant."""


def tick_value(at: datetime | None) -> bytes:
    """The tick message value: empty for a wall-clock tick, else epoch milliseconds."""
    if at is None:
        return b""
    return int(at.timestamp() * 1000).to_bytes(TICK_BYTES, "big", signed=True)


def tick_time(value: bytes | None) -> datetime | None:
    """The instant of an event-time tick; None for an empty tick; MalformedTick otherwise."""
    if not value:
        return None
    if len(value) != TICK_BYTES:
        raise MalformedTickError(f"a tick is empty or {TICK_BYTES} bytes, got {len(value)}")
    millis = int.from_bytes(value, "big", signed=True)
    try:
        return datetime.fromtimestamp(millis / 1000, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedTickError(
            f"tick {millis} ms is not a representable instant: {exc}"
        ) from None
