"""The two clocks. One ``now`` enters the core from here and nowhere else.

* ``WallClock``: production. ``now`` is the wall clock; scheduled contacts fire on ticks.
* ``EventClock``: replay and backtests. ``now`` per partition is the latest ``occurred_at``
  seen on it, or the time of an explicit clock tick, so 90 days of history run in seconds
  and give the decisions they gave live. Ticks matter: a nightly aging batch arrives inside
  quiet hours, so without daytime ticks a replay would never reach a contact window.

A tick is a message on the tick topic: an empty value (wall-clock tick, from the worker's
own timer) or 8 bytes of big-endian epoch milliseconds (an event-time tick, published by a
replay driver to every partition).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


class WallClock:
    mode = "wall"

    def __init__(self, source: Callable[[], datetime] | None = None) -> None:
        self._source = source or (lambda: datetime.now(UTC))

    def observe(self, partition: int, occurred_at: datetime) -> datetime:
        return self._source()

    def tick(self, partition: int, at: datetime | None = None) -> datetime:
        return self._source()


class EventClock:
    mode = "event"

    def __init__(self) -> None:
        self._watermarks: dict[int, datetime] = {}

    def observe(self, partition: int, occurred_at: datetime) -> datetime:
        current = self._watermarks.get(partition)
        if current is None or occurred_at > current:
            self._watermarks[partition] = occurred_at
            return occurred_at
        return current

    def tick(self, partition: int, at: datetime | None = None) -> datetime:
        """Advance to ``at`` (an event-time tick); a tick without a time changes nothing."""
        if at is not None:
            return self.observe(partition, at)
        return self._watermarks.get(partition, datetime.min.replace(tzinfo=UTC))


def tick_value(at: datetime | None) -> bytes:
    """The tick message value: empty for a wall-clock tick, else epoch milliseconds."""
    if at is None:
        return b""
    return int(at.timestamp() * 1000).to_bytes(8, "big", signed=True)


def tick_time(value: bytes | None) -> datetime | None:
    if not value or len(value) != 8:
        return None
    return datetime.fromtimestamp(int.from_bytes(value, "big", signed=True) / 1000, UTC)


Clock = WallClock | EventClock
