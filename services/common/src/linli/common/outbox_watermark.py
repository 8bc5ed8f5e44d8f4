"""Which stored events may still be unpublished, as one number the relay can persist.

Every event an AggregateStore writes gets a sequence number, reserved before the write. The
watermark is the highest number below which everything is settled: published to Kafka, or
never stored because its write failed. The relay persists it now and then (one small write
per interval instead of one removal write per published aggregate) and, after a restart,
republishes only the events above it.

Sequence numbers are microseconds since the epoch, kept strictly increasing and above the
persisted watermark, so a restarted process never issues a number the watermark already
covers even if the clock stepped back. Pure logic, thread-safe, no I/O.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable


def _microseconds() -> int:
    return time.time_ns() // 1000


class OutboxWatermark:
    def __init__(self, published_through: int = 0, clock: Callable[[], int] = _microseconds) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last = published_through
        # Insertion order is issue order (ascending), so the first key is the lowest pending.
        self._pending: dict[int, Hashable] = {}
        self._per_aggregate: Counter[Hashable] = Counter()
        self._recovered = False

    @property
    def recovered(self) -> bool:
        """Whether every event stored before this process started is accounted for (the
        relay's recovery ran): only then may a write drop the events of an aggregate with
        nothing pending."""
        return self._recovered

    def mark_recovered(self) -> None:
        self._recovered = True

    def restart_after(self, published_through: int) -> None:
        """Continues above a persisted watermark (at start): new numbers are never covered by it."""
        with self._lock:
            self._last = max(self._last, published_through)

    def reserve(self, aggregate_id: Hashable, count: int) -> list[int]:
        """Numbers for `count` events of one aggregate about to be written; pending until settled."""
        with self._lock:
            numbers = []
            for _ in range(count):
                self._last = max(self._last + 1, self._clock())
                self._pending[self._last] = aggregate_id
                numbers.append(self._last)
            if count:
                self._per_aggregate[aggregate_id] += count
            return numbers

    def adopt(self, aggregate_id: Hashable, numbers: Iterable[int]) -> None:
        """Marks events found unpublished in storage (at start) as pending."""
        with self._lock:
            reorder = False
            for number in numbers:
                if number in self._pending:
                    continue
                reorder = reorder or (bool(self._pending) and number < next(reversed(self._pending)))
                self._pending[number] = aggregate_id
                self._per_aggregate[aggregate_id] += 1
                self._last = max(self._last, number)
            if reorder:  # rare (start-up only): keep the lowest pending number first
                self._pending = dict(sorted(self._pending.items()))

    def settle(self, numbers: Iterable[int]) -> None:
        """These events are published, or were never stored: the watermark may pass them."""
        with self._lock:
            for number in numbers:
                aggregate_id = self._pending.pop(number, None)
                if aggregate_id is None:
                    continue
                self._per_aggregate[aggregate_id] -= 1
                if self._per_aggregate[aggregate_id] <= 0:
                    del self._per_aggregate[aggregate_id]

    def published_through(self) -> int:
        """Every event numbered at or below this is settled."""
        with self._lock:
            if self._pending:
                return next(iter(self._pending)) - 1
            return self._last

    def has_pending(self, aggregate_id: Hashable) -> bool:
        with self._lock:
            return aggregate_id in self._per_aggregate

    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)
