import pytest

from connectors.breaker import BreakerState, CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def open_breaker(clock: FakeClock, threshold: int = 3) -> CircuitBreaker:
    breaker = CircuitBreaker(failure_threshold=threshold, reset_seconds=10.0, clock=clock)
    for _ in range(threshold):
        assert breaker.allow()
        breaker.record_failure()
    return breaker


def test_breaker_stays_closed_below_the_failure_threshold() -> None:
    breaker = CircuitBreaker(failure_threshold=3, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()


def test_a_success_resets_the_consecutive_failure_count() -> None:
    breaker = CircuitBreaker(failure_threshold=2, clock=FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED


def test_threshold_consecutive_failures_open_the_breaker_and_refuse_calls() -> None:
    breaker = open_breaker(FakeClock())
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_after_the_reset_period_one_trial_call_is_allowed() -> None:
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.now += 10.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # only one trial in flight


def test_a_successful_trial_closes_the_breaker() -> None:
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.now += 10.0
    breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()


def test_a_failed_trial_opens_the_breaker_for_another_period() -> None:
    clock = FakeClock()
    breaker = open_breaker(clock)
    clock.now += 10.0
    breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 9.0
    assert not breaker.allow()
    clock.now += 1.0
    assert breaker.allow()


def test_threshold_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=0)
