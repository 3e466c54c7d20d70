"""Customer profiles of the simulated book: time zone, locale, consents, flags, a name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from zoneinfo import ZoneInfo

from streams.core.model import AccountProfile, Channel, CustomerType, HardStop
from streams.sim.book import Book
from streams.sim.config import SimConfig
from streams.sim.draw import TYPES, customer_id, local_instant, rng_for

LOCALES = {
    "Asia/Shanghai": "zh-CN",
    "Asia/Urumqi": "zh-CN",
    "Asia/Hong_Kong": "zh-HK",
    "Europe/London": "en-GB",
    "America/Los_Angeles": "en-US",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def iter_profiles(book: Book, config: SimConfig, zone: ZoneInfo) -> Iterator[AccountProfile]:
    """One profile per customer, dated at the lender's midnight starting ``config.start``."""
    at = local_instant(config.start, time(0), zone)
    zones = list(config.zones)
    rng = rng_for(config.seed, "profiles")  # one stream, always read in customer order
    none: frozenset[Channel] = frozenset()
    sms_only = frozenset([Channel.SMS])
    no_stops: frozenset[HardStop] = frozenset()
    hardship = frozenset([HardStop.HARDSHIP_PAUSE])
    for c in range(book.customers):
        tz = zones[book.zone[c]]
        wilful = TYPES[book.ctype[c]] is CustomerType.WILFUL
        opt_outs = sms_only if rng.random() < config.sms_opt_out_share else none
        stops = hardship if rng.random() < config.hardship_share else no_stops
        flagged = wilful and rng.random() < config.wilful_flagged
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN[:8]))
        yield AccountProfile(
            event_id=f"sim-{config.seed}-profile-{c}",
            occurred_at=at,
            customer_id=customer_id(c),
            time_zone=tz,
            locale=LOCALES.get(tz, "zh-CN"),
            opt_outs=opt_outs,
            hard_stops=stops,
            wilful_flag=flagged,
            display_name=name,
        )
