from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core import bucket_for, load_policy, tier_for
from streams.core.model import Bucket, Tier
from streams.core.segmentation import TIER_RANK

POLICY = load_policy()


@pytest.mark.parametrize(
    ("dpd", "tier"),
    [
        (0, Tier.CURRENT),
        (1, Tier.MILD),
        (7, Tier.MILD),
        (8, Tier.MODERATE),
        (30, Tier.MODERATE),
        (31, Tier.HEAVY),
        (60, Tier.HEAVY),
        (61, Tier.SEVERE),
        (400, Tier.SEVERE),
    ],
)
def test_tier_follows_the_brief_thresholds(dpd: int, tier: Tier) -> None:
    assert tier_for(dpd, POLICY) is tier


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [
        (0, Bucket.M0),
        (1, Bucket.M1),
        (30, Bucket.M1),
        (31, Bucket.M2),
        (60, Bucket.M2),
        (61, Bucket.M3),
        (90, Bucket.M3),
        (91, Bucket.M3_PLUS),
    ],
)
def test_bucket_follows_the_industry_m_buckets(dpd: int, bucket: Bucket) -> None:
    assert bucket_for(dpd, POLICY) is bucket


@given(st.integers(0, 2000), st.integers(0, 2000))
def test_tier_and_bucket_never_improve_as_dpd_grows(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert TIER_RANK[tier_for(low, POLICY)] <= TIER_RANK[tier_for(high, POLICY)]
    buckets = list(Bucket)
    assert buckets.index(bucket_for(low, POLICY)) <= buckets.index(bucket_for(high, POLICY))
