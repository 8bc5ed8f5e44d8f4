"""Fixed-window rate counters shared by every replica through one MongoDB collection, at one
round trip per window hit and fewer under load.

A counter is one document `{_id: key, count, expireAt}`; its window starts at its first hit
(as in `limits`' own storages). A hit is one `$inc` upsert filtered by `_id` alone: FerretDB
pushes only an exact `_id` filter down to SQLite, and anything else scans the collection. Only
when that hit lands in a window that has passed is the counter restarted, conditionally on the
old `expireAt`, so racing replicas restart it once and count in the new window.

Concurrent hits on one key in one process are coalesced: while a write for the key is in
flight, new hits join one open batch, which the next write sends as one `$inc` of their sum;
each hit still gets its own exact count (the counter as if the hits had been sent one by one).
This also keeps one process from racing itself: FerretDB v1 applies an update as read,
modify, replace, so concurrent `$inc`s on one document from different connections can lose
counts. Across replicas that can still happen on FerretDB (a limit then lets slightly more
through); on MongoDB `$inc` is atomic.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

#: Write locks shared by hashed keys: bounded memory however many callers there are.
LOCK_STRIPES = 64
MAX_ATTEMPTS = 5


class Counters(Protocol):
    """The part of a pymongo collection the counters use."""

    def find_one_and_update(self, filter: Any, update: Any, **kwargs: Any) -> Any: ...

    def find_one(self, filter: Any) -> Any: ...

    def delete_many(self, filter: Any) -> Any: ...


@dataclass(frozen=True)
class Window:
    """A counter's value after a hit and when its window ends (epoch seconds)."""

    count: int
    expires_at: float


@dataclass
class _Batch:
    total: int = 0
    result: Window | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _utc(value: dt.datetime) -> float:
    """Epoch seconds of a stored time (pymongo hands back naive UTC datetimes)."""
    return value.replace(tzinfo=dt.UTC).timestamp()


def _stored(epoch: float) -> dt.datetime:
    # MongoDB keeps milliseconds: round here so the value read back compares equal.
    return dt.datetime.fromtimestamp(round(epoch, 3), dt.UTC)


class WindowCounters:
    """`hit(key, expiry, amount)` -> the key's count in its current window (see the module
    docstring); `read(key)` -> the window, or None when it has passed or never started."""

    def __init__(self, counters: Callable[[], Counters], clock: Callable[[], float] = time.time) -> None:
        self._counters = counters
        self._clock = clock
        self._lock = threading.Lock()
        self._open: dict[str, _Batch] = {}
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def hit(self, key: str, expiry: int, amount: int = 1) -> Window:
        with self._lock:
            batch = self._open.get(key)
            leads = batch is None
            if batch is None:
                batch = self._open[key] = _Batch()
            before = batch.total
            batch.total += amount
        if leads:
            self._send(key, expiry, batch)
        else:
            batch.done.wait()
        if batch.error is not None:
            raise batch.error
        assert batch.result is not None
        # As if the batch's hits had been counted one by one, in the order they joined.
        return Window(batch.result.count - batch.total + before + amount, batch.result.expires_at)

    def _send(self, key: str, expiry: int, batch: _Batch) -> None:
        stripe = self._stripes[zlib.crc32(key.encode()) % LOCK_STRIPES]
        try:
            with stripe:  # one write per key in flight; hits meanwhile join this batch
                with self._lock:
                    del self._open[key]
                batch.result = self._write(key, expiry, batch.total)
        except BaseException as exc:  # every member of the batch gets the failure
            batch.error = exc
        finally:
            batch.done.set()

    def _write(self, key: str, expiry: int, amount: int) -> Window:
        counters = self._counters()
        for _ in range(MAX_ATTEMPTS):
            now = self._clock()
            try:
                found = counters.find_one_and_update(
                    {"_id": key},
                    {"$inc": {"count": amount}, "$setOnInsert": {"expireAt": _stored(now + expiry)}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # another replica created it at the same moment: count in theirs
            expires_at = _utc(found["expireAt"])
            if expires_at > now:
                return Window(int(found["count"]), expires_at)
            # The window has passed: restart it, unless another replica just did.
            restarted = counters.find_one_and_update(
                {"_id": key, "expireAt": found["expireAt"]},
                {"$set": {"count": amount, "expireAt": _stored(now + expiry)}},
                return_document=ReturnDocument.AFTER,
            )
            if restarted is not None:
                return Window(int(restarted["count"]), _utc(restarted["expireAt"]))
        raise RuntimeError(f"rate limit counter {key} kept changing")

    def read(self, key: str) -> Window | None:
        found = self._counters().find_one({"_id": key})
        if found is None:
            return None
        expires_at = _utc(found["expireAt"])
        return Window(int(found["count"]), expires_at) if expires_at > self._clock() else None

    def sweep(self) -> None:
        """Deletes counters whose window has passed (FerretDB has no TTL indexes)."""
        self._counters().delete_many({"expireAt": {"$lt": _stored(self._clock())}})
