"""The shared fixed-window counters: one upsert by `_id` per hit, restarts of passed windows,
and concurrent hits on a key coalesced into one write with exact counts for each caller."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from linli.gateway.ratecounter import WindowCounters


class FakeCounters:
    """What the counters need of a collection: `_id` (+ exact `expireAt`) filters, `$inc`,
    `$setOnInsert`, `$set`, upsert; `delay` holds every write to let hits pile up."""

    def __init__(self, delay: float = 0.0) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.writes: list[dict[str, Any]] = []
        self.delay = delay
        self.fail: Exception | None = None
        self.duplicates = 0
        self._lock = threading.Lock()

    def _matches(self, doc: dict[str, Any] | None, query: dict[str, Any]) -> bool:
        if doc is None:
            return False
        return all(_naive(doc.get(k)) == _naive(v) for k, v in query.items())

    def find_one_and_update(self, filter: dict[str, Any], update: dict[str, Any], **kwargs: Any) -> Any:
        time.sleep(self.delay)
        with self._lock:
            self.writes.append(update)
            if self.fail is not None:
                raise self.fail
            if self.duplicates:
                self.duplicates -= 1
                raise DuplicateKeyError("E11000 duplicate key")
            found = self.docs.get(filter["_id"])
            if found is not None and self._matches(found, filter):
                doc = found
            elif found is None and kwargs.get("upsert"):
                doc = self.docs[filter["_id"]] = {"_id": filter["_id"], **update.get("$setOnInsert", {})}
            else:
                return None
            for name, amount in update.get("$inc", {}).items():
                doc[name] = doc.get(name, 0) + amount
            doc.update(update.get("$set", {}))
            return {k: _naive(v) for k, v in doc.items()}

    def find_one(self, filter: dict[str, Any]) -> Any:
        doc = self.docs.get(filter["_id"])
        return None if doc is None else {k: _naive(v) for k, v in doc.items()}

    def delete_many(self, filter: dict[str, Any]) -> None:
        cutoff = _naive(filter["expireAt"]["$lt"])
        self.docs = {k: d for k, d in self.docs.items() if _naive(d["expireAt"]) >= cutoff}


def _naive(value: Any) -> Any:
    # pymongo stores aware datetimes and gives back naive UTC ones.
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_hits_count_in_the_window_started_by_the_first() -> None:
    store, clock = FakeCounters(), Clock()
    counters = WindowCounters(lambda: store, clock)
    first = counters.hit("ip:1/minute", 60)
    clock.now += 10
    assert counters.hit("ip:1/minute", 60).count == 2
    assert counters.hit("ip:1/minute", 60, amount=3).count == 5
    assert first.expires_at == pytest.approx(1_800_000_060.0)
    assert counters.read("ip:1/minute") == counters.hit("ip:1/minute", 60, amount=0)
    assert len(store.writes) == 4  # one write per hit: no reads before or after


def test_a_passed_window_restarts_at_the_hit() -> None:
    store, clock = FakeCounters(), Clock()
    counters = WindowCounters(lambda: store, clock)
    for _ in range(3):
        counters.hit("k", 60)
    clock.now += 61
    assert counters.read("k") is None
    again = counters.hit("k", 60)
    assert again.count == 1
    assert again.expires_at == pytest.approx(clock.now + 60)
    assert store.docs["k"]["count"] == 1


def test_expired_counters_are_swept() -> None:
    store, clock = FakeCounters(), Clock()
    counters = WindowCounters(lambda: store, clock)
    counters.hit("old", 1)
    clock.now += 30
    counters.hit("new", 60)
    counters.sweep()
    assert set(store.docs) == {"new"}


def test_a_duplicate_key_from_another_replica_is_counted_in_theirs() -> None:
    store = FakeCounters()
    store.duplicates = 1
    counters = WindowCounters(lambda: store, Clock())
    assert counters.hit("k", 60).count == 1


def test_concurrent_hits_share_writes_and_each_gets_its_own_count() -> None:
    store = FakeCounters(delay=0.02)
    counters = WindowCounters(lambda: store)
    counts: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(40)

    def hit() -> None:
        start.wait()
        found = counters.hit("ip:1", 60).count
        with lock:
            counts.append(found)

    threads = [threading.Thread(target=hit) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 41))
    assert store.docs["ip:1"]["count"] == 40
    assert len(store.writes) < 10  # batched while a write was in flight


def test_different_keys_do_not_mix() -> None:
    store = FakeCounters(delay=0.005)
    counters = WindowCounters(lambda: store)
    results: dict[str, list[int]] = {"a": [], "b": []}

    def hits(key: str) -> None:
        for _ in range(10):
            results[key].append(counters.hit(key, 60).count)

    threads = [threading.Thread(target=hits, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"a": list(range(1, 11)), "b": list(range(1, 11))}


def test_a_failed_write_fails_every_hit_of_its_batch_and_not_the_next() -> None:
    store = FakeCounters(delay=0.02)
    store.fail = ConnectionError("storage down")
    counters = WindowCounters(lambda: store)
    errors: list[BaseException] = []

    def hit() -> None:
        try:
            counters.hit("k", 60)
        except ConnectionError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 5
    store.fail = None
    assert counters.hit("k", 60).count == 1
