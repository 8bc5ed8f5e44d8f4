"""When to try a failed delivery again: exponential backoff with full jitter, honouring the
receiver's ``Retry-After``, and when to give up.

``delay(attempt)`` for the ``attempt``-th failure (1-based) is uniform in
[0, min(cap, base * 2 ** (attempt - 1))] ("full jitter", AWS Architecture Blog, 2015), so
retries of many deliveries that failed together spread out instead of arriving in waves. A
``Retry-After`` the receiver sent is a floor (bounded by the cap, so a receiver cannot park a
delivery for days).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("retry policy: max_attempts must be at least 1")
        if not (0 < self.base_seconds <= self.cap_seconds) or not math.isfinite(self.cap_seconds):
            raise ValueError("retry policy: need 0 < base_seconds <= cap_seconds (finite)")

    def ceiling(self, attempt: int) -> float:
        """The largest delay after the ``attempt``-th failure, before Retry-After."""
        exponent = max(0, attempt - 1)
        if exponent >= 64:
            return self.cap_seconds
        return min(self.cap_seconds, self.base_seconds * (2.0**exponent))

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after the ``attempt``-th failure."""
        chosen = rng.uniform(0.0, self.ceiling(attempt))
        if retry_after is not None and math.isfinite(retry_after) and retry_after > 0:
            chosen = max(chosen, min(retry_after, self.cap_seconds))
        return chosen

    def exhausted(self, attempts: int) -> bool:
        """True once ``attempts`` failures used up the policy."""
        return attempts >= self.max_attempts
