"""The customer's local calendar: their zone, today's date, a local time on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from streams.core.state import CustomerState


def zone_of(state: CustomerState) -> ZoneInfo:
    return ZoneInfo(state.time_zone)


def local_date(state: CustomerState, now: datetime) -> date:
    return now.astimezone(zone_of(state)).date()


@lru_cache(maxsize=4096)  # customers share days, configured times and zones
def at_local(day: date, t: time, zone: ZoneInfo) -> datetime:
    """UTC instant of local time ``t`` on ``day`` in ``zone``."""
    return datetime.combine(day, t, tzinfo=zone).astimezone(UTC)


def midnight_after(day: date, zone: ZoneInfo) -> datetime:
    """UTC instant at which local ``day`` ends."""
    return at_local(date.fromordinal(day.toordinal() + 1), time(0, 0), zone)
