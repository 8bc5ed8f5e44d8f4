"""Backoff with full jitter and Retry-After; the circuit breaker's transitions."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.notifications.domain.circuit import CircuitBreaker, CircuitState
from linli.notifications.domain.retry import RetryPolicy

POLICY = RetryPolicy()


def state(breaker: CircuitBreaker) -> CircuitState:
    """The state now (a call, so mypy does not narrow it across transitions)."""
    return breaker.state


@given(st.integers(1, 10_000), st.integers(0, 2**32 - 1))
def test_delay_is_within_the_full_jitter_bounds(attempt: int, seed: int) -> None:
    delay = POLICY.delay(attempt, None, random.Random(seed))
    assert 0.0 <= delay <= (3600.0 if attempt > 20 else min(3600.0, 2.0 * 2 ** (attempt - 1)))


@given(
    st.integers(1, 50),
    st.floats(min_value=0.001, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.integers(0, 2**32 - 1),
)
def test_retry_after_is_a_floor_bounded_by_the_cap(attempt: int, retry_after: float, seed: int) -> None:
    delay = POLICY.delay(attempt, retry_after, random.Random(seed))
    assert min(retry_after, 3600.0) <= delay <= max(min(retry_after, 3600.0), POLICY.ceiling(attempt))


@pytest.mark.parametrize("retry_after", [None, 0.0, -5.0, float("nan"), float("inf")])
def test_meaningless_retry_after_is_ignored(retry_after: float | None) -> None:
    assert 0.0 <= POLICY.delay(1, retry_after, random.Random(1)) <= 2.0


def test_jitter_spreads_and_grows() -> None:
    rng = random.Random(7)
    firsts = [POLICY.delay(1, None, rng) for _ in range(200)]
    assert max(firsts) <= 2.0 and len(set(firsts)) > 150
    lates = [POLICY.delay(12, None, rng) for _ in range(200)]
    assert max(lates) > 1000.0 and max(lates) <= 3600.0


def test_exhaustion_and_validation() -> None:
    assert not POLICY.exhausted(7) and POLICY.exhausted(8)
    assert POLICY.ceiling(1) == 2.0 and POLICY.ceiling(3) == 8.0 and POLICY.ceiling(1000) == 3600.0
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base_seconds"):
        RetryPolicy(base_seconds=10.0, cap_seconds=1.0)


def test_circuit_opens_after_the_threshold_and_refuses_calls() -> None:
    breaker = CircuitBreaker(failure_threshold=3, open_seconds=60.0)
    for now in (1.0, 2.0):
        assert breaker.allow(now)
        breaker.record_failure(now)
    assert state(breaker) is CircuitState.CLOSED and not breaker.is_open(2.0)
    breaker.record_failure(3.0)
    assert state(breaker) is CircuitState.OPEN and breaker.is_open(3.0) and breaker.retry_at == 63.0
    assert not breaker.allow(10.0) and not breaker.allow(62.9)


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3)
    breaker.record_failure(1.0)
    breaker.record_failure(2.0)
    breaker.record_success()
    breaker.record_failure(3.0)
    breaker.record_failure(4.0)
    assert state(breaker) is CircuitState.CLOSED


def test_half_open_lets_one_probe_through() -> None:
    breaker = CircuitBreaker(failure_threshold=1, open_seconds=10.0)
    breaker.record_failure(0.0)
    assert breaker.allow(10.0)  # the probe
    assert state(breaker) is CircuitState.HALF_OPEN and breaker.is_open(10.0)
    assert not breaker.allow(10.5)  # nobody else while the probe is out
    breaker.record_failure(11.0)  # the probe failed: open again
    assert state(breaker) is CircuitState.OPEN and breaker.retry_at == 21.0
    assert not breaker.allow(20.0)
    assert breaker.allow(21.0)
    breaker.record_success()  # the probe succeeded: closed
    assert state(breaker) is CircuitState.CLOSED and breaker.retry_at is None and breaker.allow(21.1)
    assert not breaker.is_open(21.1)


def test_circuit_validation() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=0)
