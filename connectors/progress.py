"""A one-line progress meter for the publisher: rows so far and rate, on stderr.

On a terminal the line is redrawn in place (``\\r``) twice a second. Written to a file or a
pipe (a log, CI), carriage returns would leave one unreadable line full of control
characters, so it becomes a plain line every ``LOG_EVERY_SECONDS`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

REFRESH_SECONDS = 0.5
LOG_EVERY_SECONDS = 10.0


class Progress:
    """Draws at most every ``REFRESH_SECONDS`` on a terminal; silent if no stream."""

    def __init__(self, stream: TextIO | None, label: str, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._label = label
        self._clock = clock
        self._started = clock()
        self._last_drawn = float("-inf")
        self._tty = stream is not None and stream.isatty()
        self._every = REFRESH_SECONDS if self._tty else LOG_EVERY_SECONDS

    def update(self, rows: int, rejected: int) -> None:
        now = self._clock()
        if now - self._last_drawn >= self._every:
            self._draw(rows, rejected, now)

    def finish(self, rows: int, rejected: int) -> None:
        self._draw(rows, rejected, self._clock())
        if self._stream is not None and self._tty:
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self, rows: int, rejected: int, now: float) -> None:
        self._last_drawn = now
        if self._stream is None:
            return
        elapsed = now - self._started
        rate = rows / elapsed if elapsed > 0 else 0.0
        text = f"{self._label}: {rows} rows, {rate:,.0f} rows/s, {rejected} rejected"
        self._stream.write(f"\r{text}" if self._tty else f"{text}\n")
        self._stream.flush()
