import pytest

from connectors.backoff import Backoff


def test_ceiling_doubles_per_retry_from_the_base() -> None:
    backoff = Backoff(base_seconds=0.5, cap_seconds=100.0)
    assert [backoff.ceiling(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]


def test_ceiling_stops_at_the_cap_even_for_huge_retry_numbers() -> None:
    backoff = Backoff(base_seconds=1.0, cap_seconds=30.0)
    assert backoff.ceiling(6) == 30.0
    assert backoff.ceiling(10_000) == 30.0


def test_full_jitter_scales_the_ceiling_by_the_random_draw() -> None:
    assert Backoff(base_seconds=1.0, cap_seconds=60.0, rand=lambda: 0.25).delay(3) == 2.0


def test_full_jitter_may_wait_nothing_at_all() -> None:
    assert Backoff(rand=lambda: 0.0).delay(5) == 0.0


def test_negative_retry_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="retry"):
        Backoff().ceiling(-1)
