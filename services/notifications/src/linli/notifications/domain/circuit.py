"""A circuit breaker per endpoint: a failing receiver is paused instead of being hammered,
and nobody else waits for it.

States: CLOSED (calls go through; ``failure_threshold`` failures in a row open it), OPEN (no
calls until ``retry_at``), HALF_OPEN (after ``retry_at`` one probe goes through: a success
closes the circuit, a failure opens it again for another ``open_seconds``).

Times are plain seconds (``time.monotonic()`` in the engine). Not thread-safe by itself: the
delivery engine owns one breaker per endpoint and calls it from that endpoint's queue.
"""

from __future__ import annotations

import enum


class CircuitState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 5, open_seconds: float = 60.0) -> None:
        if failure_threshold < 1 or open_seconds <= 0:
            raise ValueError("circuit breaker: need failure_threshold >= 1 and open_seconds > 0")
        self.failure_threshold = failure_threshold
        self.open_seconds = open_seconds
        self.state = CircuitState.CLOSED
        self.failures = 0
        self.retry_at: float | None = None
        self._probing = False

    def allow(self, now: float) -> bool:
        """May a call go out now? After the pause, exactly one probe is allowed until its
        outcome is recorded."""
        if self.state is CircuitState.CLOSED:
            return True
        if self.state is CircuitState.OPEN:
            if self.retry_at is not None and now < self.retry_at:
                return False
            self.state = CircuitState.HALF_OPEN
            self._probing = False
        if self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        self.state = CircuitState.CLOSED
        self.failures = 0
        self.retry_at = None
        self._probing = False

    def record_failure(self, now: float) -> None:
        self.failures += 1
        if self.state is CircuitState.HALF_OPEN or self.failures >= self.failure_threshold:
            self.state = CircuitState.OPEN
            self.retry_at = now + self.open_seconds
            self._probing = False

    def is_open(self, now: float) -> bool:
        """True while calls are refused or only a probe may pass (for the metric and
        ``Subscription.circuit_open``)."""
        return self.state is not CircuitState.CLOSED
