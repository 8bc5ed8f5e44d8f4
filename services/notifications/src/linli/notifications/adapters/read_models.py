"""The in-memory read model of the notifications service, and the live inbox streams.

Why in memory: the local MongoDB-compatible server answers only ``_id`` look-ups without
scanning a whole collection, so "this person's unread entries", "the pending deliveries" or
"the active subscriptions" are answered here. The model is loaded from the database at start
and changed only by the unit of work after a write succeeded (``put``).

What is held:

- inbox entries: the newest ``inbox_limit`` (500) entries of each person, indexed per person
  with an unread count. Older entries stay stored but are neither listed nor counted;
  ``find`` still reaches them through ``fallback`` (a read by ``_id``);
- preferences and subscriptions (deleted subscriptions too: an idempotent create retried
  after a delete finds them), all of them;
- deliveries that are pending, retrying or dead-lettered (the engine's queue and the
  dead-letter store); delivered and skipped ones leave memory and are found by ``_id``
  through ``fallback`` when asked for (an event arriving twice, for example).

Objects held here are never changed in place (the unit of work changes a copy and swaps it
in), and the per-person indexes are tuples replaced whole, so readers need no lock. Writers
(``put``) are serialised by one lock. A new inbox entry is published to ``streams`` (the
``InboxStreams`` hub behind StreamInbox) after it is in the index.
"""

from __future__ import annotations

import bisect
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from linli.notifications.domain.model import Delivery, DeliveryStatus, InboxEntry, Preferences, Subscription

A = TypeVar("A")

DEFAULT_INBOX_LIMIT = 500
Fallback = Callable[[type[Any], str], Any]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUEUED = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
_KEPT = (*_QUEUED, DeliveryStatus.DEAD_LETTERED)


def _key(entry: InboxEntry) -> tuple[datetime, str]:
    """Inbox order (oldest first in the indexes; listed newest first)."""
    return entry.created_at, entry.id


# -- live streams -------------------------------------------------------------------------------


class InboxSubscription:
    """One open StreamInbox call: the person's new entries, in the order they were stored.

    ``next(timeout)`` returns the next entry, or None when none came within ``timeout``;
    ``closed`` turns True when the hub closed (the server stops) or the subscriber fell more
    than ``maxsize`` entries behind (it reconnects with the last entry it saw).
    """

    def __init__(self, hub: InboxStreams, person_id: str, maxsize: int) -> None:
        self.hub = hub
        self.person_id = person_id
        self._queue: queue.Queue[InboxEntry | None] = queue.Queue(maxsize=maxsize)
        self.closed = False

    def offer(self, entry: InboxEntry | None) -> None:
        if self.closed:
            return
        if entry is None:
            self.closed = True
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self.closed = True  # too slow: ended, the client resumes after its last entry

    def next(self, timeout: float) -> InboxEntry | None:
        if self.closed and self._queue.empty():
            return None
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.closed = True
        self.hub.unsubscribe(self)

    def __enter__(self) -> InboxSubscription:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class InboxStreams:
    """The hub of live inbox streams: ``publish(entry)`` after a new entry is stored,
    ``subscribe(person_id)`` per open stream, ``close()`` when the server stops (every open
    stream ends)."""

    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[InboxSubscription]] = {}
        self.closed = False

    def subscribe(self, person_id: str) -> InboxSubscription:
        subscription = InboxSubscription(self, person_id, self.queue_size)
        with self._lock:
            if self.closed:
                subscription.closed = True
            else:
                self._subscribers.setdefault(person_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: InboxSubscription) -> None:
        with self._lock:
            found = self._subscribers.get(subscription.person_id)
            if found is not None:
                found.discard(subscription)
                if not found:
                    del self._subscribers[subscription.person_id]

    def publish(self, entry: InboxEntry) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get(entry.person_id, ()))
        for subscription in subscribers:
            subscription.offer(entry)

    def open_streams(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subscribers.values())

    def close(self) -> None:
        """Ends every open stream (the servicers return) and refuses new ones."""
        with self._lock:
            self.closed = True
            subscribers = [s for group in self._subscribers.values() for s in group]
            self._subscribers.clear()
        for subscription in subscribers:
            subscription.offer(None)


# -- the read model -----------------------------------------------------------------------------


class ReadModel:
    """See the module docstring. Implements the kit's ``ReadModel`` (find, put)."""

    def __init__(
        self,
        *,
        inbox_limit: int = DEFAULT_INBOX_LIMIT,
        streams: InboxStreams | None = None,
        fallback: Fallback | None = None,
    ) -> None:
        self.inbox_limit = inbox_limit
        self.streams = streams or InboxStreams()
        self.fallback = fallback
        self._lock = threading.Lock()
        self._entries: dict[str, InboxEntry] = {}
        self._inbox: dict[str, tuple[InboxEntry, ...]] = {}  # person -> oldest first
        self._unread: dict[str, int] = {}
        self._preferences: dict[str, Preferences] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._deliveries: dict[str, Delivery] = {}

    # -- the kit's ReadModel ----------------------------------------------------------------------
    def find(self, kind: type[A], aggregate_id: str) -> A | None:
        found: Any
        if kind is InboxEntry:
            found = self._entries.get(aggregate_id)
        elif kind is Delivery:
            found = self._deliveries.get(aggregate_id)
        elif kind is Preferences:
            found = self._preferences.get(aggregate_id)
        elif kind is Subscription:
            found = self._subscriptions.get(aggregate_id)
        else:
            raise TypeError(f"the notifications read model holds no {kind.__name__}")
        if found is None and self.fallback is not None and kind in (InboxEntry, Delivery):
            found = self.fallback(kind, aggregate_id)
        return found  # type: ignore[no-any-return]

    def holds(self, kind: type[Any], aggregate_id: str) -> bool:
        """Whether memory holds it (no database read: the batch path lets the store's unique
        ``_id`` refuse what is stored but not held)."""
        if kind is InboxEntry:
            return aggregate_id in self._entries
        if kind is Delivery:
            return aggregate_id in self._deliveries
        return self.find(kind, aggregate_id) is not None

    def put(self, aggregate: Any) -> None:
        if isinstance(aggregate, InboxEntry):
            with self._lock:
                new = self._put_entry(aggregate)
            if new:
                self.streams.publish(aggregate)
        elif isinstance(aggregate, Delivery):
            with self._lock:
                if aggregate.status in _KEPT:
                    self._deliveries[aggregate.id] = aggregate
                else:
                    self._deliveries.pop(aggregate.id, None)
        elif isinstance(aggregate, Preferences):
            self._preferences[aggregate.id] = aggregate
        elif isinstance(aggregate, Subscription):
            self._subscriptions[aggregate.id] = aggregate
        else:
            raise TypeError(f"the notifications read model holds no {type(aggregate).__name__}")

    def _put_entry(self, entry: InboxEntry) -> bool:
        """Files the entry (under the lock); True when it was not held before."""
        person = entry.person_id
        entries = list(self._inbox.get(person, ()))
        old = self._entries.get(entry.id)
        unread = self._unread.get(person, 0)
        if old is not None:
            index = bisect.bisect_left(entries, _key(old), key=_key)
            entries[index] = entry
            unread += (entry.read_at is None) - (old.read_at is None)
        else:
            if len(entries) >= self.inbox_limit and _key(entry) < _key(entries[0]):
                return False  # older than everything held: stays stored only
            bisect.insort(entries, entry, key=_key)
            unread += entry.read_at is None
            while len(entries) > self.inbox_limit:
                dropped = entries.pop(0)
                del self._entries[dropped.id]
                unread -= dropped.read_at is None
        self._entries[entry.id] = entry
        self._inbox[person] = tuple(entries)
        self._unread[person] = unread
        return old is None

    def load(
        self,
        *,
        entries: Iterable[InboxEntry] = (),
        deliveries: Iterable[Delivery] = (),
        preferences: Iterable[Preferences] = (),
        subscriptions: Iterable[Subscription] = (),
    ) -> None:
        """Fills the model from the stores (at start, before serving: no stream is open)."""
        by_person: dict[str, list[InboxEntry]] = {}
        for entry in entries:
            by_person.setdefault(entry.person_id, []).append(entry)
        with self._lock:
            for person, held in by_person.items():
                held.sort(key=_key)
                kept = held[-self.inbox_limit :]
                self._inbox[person] = tuple(kept)
                self._entries.update((e.id, e) for e in kept)
                self._unread[person] = sum(e.read_at is None for e in kept)
            for delivery in deliveries:
                if delivery.status in _KEPT:
                    self._deliveries[delivery.id] = delivery
        for item in preferences:
            self._preferences[item.id] = item
        for subscription in subscriptions:
            self._subscriptions[subscription.id] = subscription

    # -- queries -------------------------------------------------------------------------------
    def inbox_of(self, person_id: str) -> Sequence[InboxEntry]:
        """The person's held entries, newest first."""
        return tuple(reversed(self._inbox.get(person_id, ())))

    def entries_after(self, person_id: str, after: InboxEntry | None) -> Sequence[InboxEntry]:
        """The person's held entries newer than ``after`` (all when None), oldest first."""
        entries = self._inbox.get(person_id, ())
        if after is None:
            return entries
        return entries[bisect.bisect_right(entries, _key(after), key=_key) :]

    def unread_of(self, person_id: str) -> Sequence[InboxEntry]:
        """The person's unread held entries, newest first."""
        return tuple(e for e in reversed(self._inbox.get(person_id, ())) if e.read_at is None)

    def unread_count(self, person_id: str) -> int:
        return self._unread.get(person_id, 0)

    def preferences_of(self, person_id: str) -> Preferences | None:
        return self._preferences.get(person_id)

    def subscriptions(self, agency_id: str = "") -> Sequence[Subscription]:
        """Subscriptions not deleted (of one agency when given), oldest first."""
        found = [
            s
            for s in list(self._subscriptions.values())
            if not s.deleted and (not agency_id or s.agency_id == agency_id)
        ]
        return sorted(found, key=lambda s: (s.created_at or _EPOCH, s.id))

    def active_subscriptions(self) -> Sequence[Subscription]:
        return [s for s in self.subscriptions() if s.active]

    def pending_deliveries(self) -> Sequence[Delivery]:
        """Pending and retrying deliveries, the next due first."""
        found = [d for d in list(self._deliveries.values()) if d.status in _QUEUED]
        return sorted(found, key=lambda d: (d.next_attempt_at or d.created_at, d.id))

    def dead_letters(self) -> Sequence[Delivery]:
        """Dead-lettered deliveries, newest first."""
        found = [d for d in list(self._deliveries.values()) if d.status == DeliveryStatus.DEAD_LETTERED]
        return sorted(found, key=lambda d: (d.created_at, d.id), reverse=True)

    def stats(self) -> dict[str, int]:
        return {
            "inbox_entries": len(self._entries),
            "people_with_inbox": len(self._inbox),
            "preferences": len(self._preferences),
            "subscriptions": len(self._subscriptions),
            "queued_or_dead_deliveries": len(self._deliveries),
        }
