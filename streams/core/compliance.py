"""Compliance rule sets as data: contact hours per channel, rolling caps and cool-downs.

A preset (``streams/compliance/<name>.yaml``) is parsed into :class:`Compliance`. The window
arithmetic lives here too; the decision for one contact is in :mod:`streams.core.gate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from streams.core.model import Channel, SuppressionReason
from streams.core.parsing import Reader, join
from streams.core.values import replace

CountKind = Literal["attempts", "connected", "unanswered"]
COUNT_KINDS: tuple[CountKind, ...] = ("attempts", "connected", "unanswered")


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_QUIET_RUN = 366  # quiet days in a row a calendar may hold (checked when it is loaded)


@dataclass(frozen=True, slots=True)
class Window:
    """Allowed local-time intervals of one day, ``[start, end)``, ascending and disjoint,
    on every local date except the calendar's quiet days (holidays, rest days)."""

    intervals: tuple[tuple[time, time], ...]
    quiet_dates: frozenset[date] = frozenset()
    quiet_weekdays: frozenset[int] = frozenset()  # 0 = Monday

    def contains(self, t: time) -> bool:
        return any(start <= t < end for start, end in self.intervals)

    def open_on(self, day: date) -> bool:
        if not self.quiet_dates and not self.quiet_weekdays:  # the usual case
            return True
        return day not in self.quiet_dates and day.weekday() not in self.quiet_weekdays

    def is_open(self, at: datetime, zone: ZoneInfo) -> bool:
        local = at.astimezone(zone)
        return self.contains(local.time()) and self.open_on(local.date())

    def next_open(self, at: datetime, zone: ZoneInfo) -> datetime:
        """The earliest allowed instant at or after ``at`` (UTC in, UTC out)."""
        local = at.astimezone(zone)
        if self.contains(local.time()) and self.open_on(local.date()):
            return at
        for day in range(MAX_QUIET_RUN + 2):
            date_ = local.date() + timedelta(days=day)
            if not self.open_on(date_):
                continue
            for start, _ in self.intervals:
                candidate = datetime.combine(date_, start, tzinfo=zone)
                if candidate > local:
                    return candidate.astimezone(at.tzinfo)
        raise AssertionError("the calendar leaves an open day")  # pragma: no cover

    def closes(self, at: datetime, zone: ZoneInfo) -> datetime:
        """End of the interval containing ``at``, or of the next one (UTC)."""
        opened = self.next_open(at, zone).astimezone(zone)
        for start, end in self.intervals:
            if start <= opened.time() < end:
                return datetime.combine(opened.date(), end, tzinfo=zone).astimezone(at.tzinfo)
        raise AssertionError("next_open lands inside an interval")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Cap:
    """At most ``limit`` counted voice (or other) contacts per debtor in any rolling window."""

    name: str
    channels: frozenset[Channel]
    count: CountKind
    limit: int
    window: timedelta
    reason: SuppressionReason


@dataclass(frozen=True, slots=True)
class Cooldown:
    """No contact on ``channels`` within ``duration`` after a right-party conversation."""

    name: str
    channels: frozenset[Channel]
    duration: timedelta
    reason: SuppressionReason


@dataclass(frozen=True, slots=True)
class Compliance:
    name: str
    time_zone: str  # used when the customer's profile has none
    windows: Mapping[Channel, Window]
    caps: tuple[Cap, ...]
    cooldowns: tuple[Cooldown, ...]
    min_window_left: timedelta = timedelta(0)  # less of the window left: wait for the next

    @property
    def memory(self) -> timedelta:
        """How far back the contact ledger must reach (at least two days, for cadence)."""
        spans = [c.window for c in self.caps] + [c.duration for c in self.cooldowns]
        return max([timedelta(days=2), *spans])


def parse_compliance(raw: object, r: Reader) -> Compliance:
    keys = {
        "name",
        "time_zone",
        "contact_hours",
        "caps",
        "cooldowns",
        "quiet_days",
        "min_window_left_minutes",
    }
    body = r.mapping(raw, "", keys, frozenset({"name", "time_zone", "contact_hours"}))
    hours = r.mapping(
        body["contact_hours"],
        "contact_hours",
        {"default"} | {c.value for c in Channel},
        frozenset({"default"}),
    )
    default = _window(hours["default"], join("contact_hours", "default"), r)
    windows = {
        c: _window(hours[c.value], join("contact_hours", c.value), r)
        if c.value in hours
        else default
        for c in Channel
    }
    windows = _quiet_days(body.get("quiet_days"), windows, r)
    caps = tuple(
        _cap(item, join("caps", i), r)
        for i, item in enumerate(r.sequence(body.get("caps", []), "caps"))
    )
    cooldowns = tuple(
        _cooldown(item, join("cooldowns", i), r)
        for i, item in enumerate(r.sequence(body.get("cooldowns", []), "cooldowns"))
    )
    return Compliance(
        r.string(body["name"], "name"),
        r.zone(body["time_zone"], "time_zone"),
        windows,
        caps,
        cooldowns,
        timedelta(
            minutes=r.integer(
                body.get("min_window_left_minutes", 0), "min_window_left_minutes", minimum=0
            )
        ),
    )


def _quiet_days(raw: object, windows: dict[Channel, Window], r: Reader) -> dict[Channel, Window]:
    """Holidays and rest days (customer's local dates) on which the listed channels are quiet."""
    if raw is None:
        return windows
    path = "quiet_days"
    body = r.mapping(raw, path, {"channels", "weekdays", "dates"}, frozenset({"channels"}))
    channels = _channels(body["channels"], join(path, "channels"), r)
    days = [
        r.member_of(WEEKDAYS, d, join(join(path, "weekdays"), i))
        for i, d in enumerate(r.sequence(body.get("weekdays", []), join(path, "weekdays")))
    ]
    if len(set(days)) == len(WEEKDAYS):
        r.fail(join(path, "weekdays"), "every weekday is quiet: no contact would ever be made")
    dates = frozenset(
        r.day(d, join(join(path, "dates"), i))
        for i, d in enumerate(r.sequence(body.get("dates", []), join(path, "dates")))
    )
    longest, run = 0, 0
    for day in sorted(dates):
        run = run + 1 if day - timedelta(days=1) in dates else 1
        longest = max(longest, run)
    if longest > MAX_QUIET_RUN:
        r.fail(join(path, "dates"), f"more than {MAX_QUIET_RUN} quiet days in a row")
    weekdays = frozenset(WEEKDAYS.index(d) for d in days)
    return {
        c: replace(w, quiet_dates=dates, quiet_weekdays=weekdays) if c in channels else w
        for c, w in windows.items()
    }


def _window(raw: object, path: str, r: Reader) -> Window:
    body = r.mapping(raw, path, {"from", "to", "avoid"}, frozenset({"from", "to"}))
    start, end = r.clock(body["from"], join(path, "from")), r.clock(body["to"], join(path, "to"))
    if start >= end:
        r.fail(path, "'from' must be before 'to' (windows cannot span midnight)")
    intervals = [(start, end)]
    for i, item in enumerate(r.sequence(body.get("avoid", []), join(path, "avoid"))):
        ipath = join(join(path, "avoid"), i)
        text = r.string(item, ipath)
        a, sep, b = text.partition("-")
        if not sep:
            r.fail(ipath, f"expected 'HH:MM-HH:MM', got {text!r}")
        lo, hi = r.clock(a.strip(), ipath), r.clock(b.strip(), ipath)
        if lo >= hi:
            r.fail(ipath, "start must be before end")
        intervals = _subtract(intervals, lo, hi)
    if not intervals:
        r.fail(path, "no contact time left after 'avoid'")
    return Window(tuple(intervals))


def _subtract(intervals: list[tuple[time, time]], lo: time, hi: time) -> list[tuple[time, time]]:
    out: list[tuple[time, time]] = []
    for start, end in intervals:
        if start < lo:
            out.append((start, min(end, lo)))
        if end > hi:
            out.append((max(start, hi), end))
    return out


def _channels(raw: object, path: str, r: Reader) -> frozenset[Channel]:
    items = r.sequence(raw, path, non_empty=True)
    return frozenset(r.member(Channel, c, join(path, i)) for i, c in enumerate(items))


def _cap(raw: object, path: str, r: Reader) -> Cap:
    keys = {"name", "channels", "count", "max", "window_hours", "reason"}
    body = r.mapping(raw, path, keys, frozenset(keys))
    count = body["count"]
    if count not in COUNT_KINDS:
        r.fail(join(path, "count"), f"expected one of {list(COUNT_KINDS)}, got {count!r}")
    return Cap(
        name=r.string(body["name"], join(path, "name")),
        channels=_channels(body["channels"], join(path, "channels"), r),
        count=count,
        limit=r.integer(body["max"], join(path, "max"), minimum=1),
        window=timedelta(hours=r.integer(body["window_hours"], join(path, "window_hours"), 1)),
        reason=r.member(SuppressionReason, body["reason"], join(path, "reason")),
    )


def _cooldown(raw: object, path: str, r: Reader) -> Cooldown:
    keys = {"name", "channels", "hours", "reason"}
    body = r.mapping(raw, path, keys, frozenset(keys))
    return Cooldown(
        name=r.string(body["name"], join(path, "name")),
        channels=_channels(body["channels"], join(path, "channels"), r),
        duration=timedelta(hours=r.integer(body["hours"], join(path, "hours"), minimum=1)),
        reason=r.member(SuppressionReason, body["reason"], join(path, "reason")),
    )
