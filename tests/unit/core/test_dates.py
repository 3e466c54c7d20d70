"""DPD follows the lender's business date (the snapshot's ``as_of``), not processing time or
the customer's calendar; segment changes report the snapshot's DPD with its tier."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from streams.core import load_policy
from streams.core.model import Bucket, ContactDue, SegmentChanged, Tier
from tests.unit.core.walk_support import START, Driver, aging, at, profile

POLICY = load_policy()
URUMQI = ZoneInfo("Asia/Urumqi")


@pytest.mark.parametrize(
    ("dpd", "tier", "bucket"),
    [
        (7, Tier.MILD, Bucket.M1),
        (30, Tier.MODERATE, Bucket.M1),
        (60, Tier.HEAVY, Bucket.M2),
        (90, Tier.SEVERE, Bucket.M3),
        (91, Tier.SEVERE, Bucket.M3_PLUS),
    ],
)
def test_a_snapshot_processed_the_next_night_reports_its_own_dpd_and_tier(
    dpd: int, tier: Tier, bucket: Bucket
) -> None:
    snapshot = replace(
        aging("a1", START, dpd, 5000), occurred_at=at(START + timedelta(days=1), 1, 30)
    )
    driver = Driver(POLICY)
    (segment,) = [o for o in driver.send(snapshot) if isinstance(o, SegmentChanged)]
    assert (segment.days_past_due, segment.to_tier, segment.to_bucket) == (dpd, tier, bucket)


def test_a_customer_west_of_the_lender_gets_the_lenders_dpd() -> None:
    # the lender's 01:00 Beijing batch is 23:00 of the previous day in Urumqi
    driver = Driver(POLICY)
    driver.send(profile(at(START, 0), time_zone="Asia/Urumqi"))
    for n in range(1, 12):
        driver.send(aging("a1", START + timedelta(days=n), n, 5000))
    driver.run_until(at(START + timedelta(days=12), 0))
    segments = [o for _, o in driver.log if isinstance(o, SegmentChanged)]
    assert [(s.days_past_due, s.to_tier) for s in segments] == [(1, Tier.MILD), (8, Tier.MODERATE)]
    for contact in driver.contacts():
        snapshot_day = (contact.occurred_at + timedelta(hours=7)).date()  # Beijing, 01:00 batch
        batch_dpd = (snapshot_day - START).days
        assert contact.days_past_due == batch_dpd, contact
        assert contact.tier is POLICY.segmentation.tier(contact.days_past_due)


def test_between_snapshots_dpd_advances_daily_but_never_into_an_unreported_tier() -> None:
    driver = Driver(POLICY)
    driver.send(aging("a1", START, 20, 5000))  # then the lender's batch stops
    driver.run_until(at(START + timedelta(days=25), 0))
    contacts = [c for c in driver.contacts() if isinstance(c, ContactDue)]
    dpds = [c.days_past_due for c in contacts]
    assert dpds == sorted(dpds) and dpds[0] == 20
    assert max(dpds) == 30  # moderate ends at 30: heavy only once a snapshot says so
    assert {c.tier for c in contacts} == {Tier.MODERATE}
