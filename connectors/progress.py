"""A one-line progress meter for the publisher: rows so far and rate, on stderr."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

REFRESH_SECONDS = 0.5


class Progress:
    """Rewrites one line (``\\r``) at most every ``REFRESH_SECONDS``; silent if no stream."""

    def __init__(self, stream: TextIO | None, label: str, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._label = label
        self._clock = clock
        self._started = clock()
        self._last_drawn = float("-inf")

    def update(self, rows: int, rejected: int) -> None:
        now = self._clock()
        if now - self._last_drawn >= REFRESH_SECONDS:
            self._draw(rows, rejected, now)

    def finish(self, rows: int, rejected: int) -> None:
        self._draw(rows, rejected, self._clock())
        if self._stream is not None:
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self, rows: int, rejected: int, now: float) -> None:
        self._last_drawn = now
        if self._stream is None:
            return
        elapsed = now - self._started
        rate = rows / elapsed if elapsed > 0 else 0.0
        self._stream.write(f"\r{self._label}: {rows} rows, {rate:,.0f} rows/s, {rejected} rejected")
        self._stream.flush()
