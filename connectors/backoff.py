"""Exponential backoff with full jitter (delay drawn uniformly from 0 to the capped ceiling)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """``delay(n)`` for the n-th retry (0-based) is ``uniform(0, min(cap, base * 2**n))``.

    ``rand`` returns a float in [0, 1); tests inject a fixed one.
    """

    base_seconds: float = 0.2
    cap_seconds: float = 30.0
    rand: Callable[[], float] = random.random

    def ceiling(self, retry: int) -> float:
        """The largest delay the n-th retry may wait."""
        if retry < 0:
            raise ValueError(f"retry must be >= 0, got {retry}")
        # 2**retry grows without bound; stop doubling once past the cap
        exponent = min(retry, 62)
        return min(self.cap_seconds, self.base_seconds * float(2**exponent))

    def delay(self, retry: int) -> float:
        return self.ceiling(retry) * self.rand()
