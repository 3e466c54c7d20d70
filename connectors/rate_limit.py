"""A token bucket per request source, in memory, with a bounded number of sources.

Checked before anything costly (body read, HMAC), so a flood from one address cannot starve
the others or fill the replay guard. Sources beyond ``max_sources`` evict the least
recently seen one, so the table cannot grow without bound under address spraying.
"""

from __future__ import annotations

from collections import OrderedDict


class RateLimiter:
    def __init__(self, per_second: float, burst: int, max_sources: int = 10_000) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        self._rate = per_second
        self._burst = float(burst)
        self._max = max_sources
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def allow(self, source: str, now: float) -> bool:
        """Take one token from ``source``'s bucket; False when it is empty."""
        tokens, at = self._buckets.pop(source, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[source] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self) -> int:
        """Seconds after which one more request is allowed (for the Retry-After header)."""
        return max(1, round(1.0 / self._rate))
