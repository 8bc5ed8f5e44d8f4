"""A least-recently-used map bounded in entries and in total weight, safe across threads.

Anything cached by a key that callers choose (texts compared for duplicates, the people a
caller acts for) must have a bound, or a client can grow the service without limit: this is
that bound. Pure code, no I/O.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedLru(Generic[K, V]):
    """At most ``max_items`` entries whose ``weight(key)`` adds up to at most ``max_weight``
    (default: no weight bound); putting more drops the least recently used first."""

    def __init__(self, max_items: int, *, max_weight: int = 0, weight: Callable[[K], int] | None = None) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self.max_weight = max_weight
        self._weight = weight or (lambda _key: 0)
        self._items: OrderedDict[K, V] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def total_weight(self) -> int:
        return self._total

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        weight = self._weight(key)
        if self.max_weight and weight > self.max_weight:
            return  # would evict everything and still not fit
        with self._lock:
            if key in self._items:
                self._total -= self._weight(key)
                del self._items[key]
            self._items[key] = value
            self._total += weight
            while len(self._items) > self.max_items or (self.max_weight and self._total > self.max_weight):
                old, _ = self._items.popitem(last=False)
                self._total -= self._weight(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0
