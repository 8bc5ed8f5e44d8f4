"""The unit of work every service runs its commands in: one concurrency model, one write path.

A handler opens a unit of work for the aggregates it will change (``uow.start(*ids)``),
takes working copies of them (``work.get``), lets the domain change the copies, and calls
``work.commit()``. Commit stores each changed aggregate with its pending events in one
version-checked document write (the outbox rides in the same write) and only after that
write succeeded swaps the copy into the service's read model. Whatever raises before or
during commit leaves the read model as it was; an aggregate whose write failed is neither
stored nor swapped in.

Locks are per key (usually the aggregate id), reentrant, and taken in sorted order, so two
commands that touch the same two aggregates (a merge and a crossing merge, a transfer, a
round-table split) cannot deadlock. A key may also name a shared invariant that spans
aggregates (for example ``code:<code>`` for a unique code): it is just another key.

Readers do not lock: the read model holds immutable snapshots (objects are never changed in
place, only replaced), so a query sees either the old or the new aggregate, never half of one.

The ports below are what the unit of work needs from a service; the adapters (MongoDB
repositories, in-memory read models) and the unit tests' fakes implement them.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

A = TypeVar("A")


class Aggregate(Protocol):
    id: str
    version: int
    pending_events: list[Any]


class AggregateRepository(Protocol):
    """Stores aggregates with their pending events, one write each; sets the stored version
    on the aggregate and clears its pending events."""

    def add(self, aggregate: Any) -> None: ...

    def save(self, aggregate: Any, expected_version: int) -> None: ...


class ReadModel(Protocol):
    """The service's in-memory view: looked up by kind and id, replaced whole after a write."""

    def find(self, kind: type[A], aggregate_id: str) -> A | None: ...

    def put(self, aggregate: Any) -> None: ...


class KeyedLocks:
    """Reentrant locks by key, created on demand and dropped when nobody holds or waits."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.RLock, int]] = {}

    def _acquire(self, key: str) -> threading.RLock:
        with self._guard:
            lock, users = self._locks.get(key, (None, 0))
            if lock is None:
                lock = threading.RLock()
            self._locks[key] = (lock, users + 1)
        lock.acquire()
        return lock

    def _release(self, key: str, lock: threading.RLock) -> None:
        lock.release()
        with self._guard:
            _, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @contextmanager
    def hold(self, *keys: str) -> Iterator[None]:
        """Holds every key's lock, taken in sorted order (deadlock-free across callers)."""
        held: list[tuple[str, threading.RLock]] = []
        try:
            for key in sorted(set(keys)):
                held.append((key, self._acquire(key)))
            yield
        finally:
            for key, lock in reversed(held):
                self._release(key, lock)

    def __len__(self) -> int:
        with self._guard:
            return len(self._locks)


@dataclass
class _Tracked:
    aggregate: Any
    loaded_version: int
    new: bool
    touched: bool = False


@dataclass
class Work:
    """The working copies of one unit of work; see the module docstring."""

    repository: AggregateRepository
    read_model: ReadModel
    keys: frozenset[str]
    _tracked: dict[tuple[type[Any], str], _Tracked] = field(default_factory=dict)
    committed: bool = False

    def _check_locked(self, aggregate_id: str) -> None:
        if aggregate_id not in self.keys:
            raise RuntimeError(f"unit of work: {aggregate_id} is not locked by this unit of work")

    def get(self, kind: type[A], aggregate_id: str) -> A | None:
        """A private working copy of the aggregate (the same copy on a second call), or None."""
        tracked = self._tracked.get((kind, aggregate_id))
        if tracked is not None:
            found: A = tracked.aggregate
            return found
        stored = self.read_model.find(kind, aggregate_id)
        if stored is None:
            return None
        self._check_locked(aggregate_id)
        working = copy.deepcopy(stored)
        self._tracked[(kind, aggregate_id)] = _Tracked(working, working.version, new=False)  # type: ignore[attr-defined]
        return working

    def add(self, aggregate: Any) -> None:
        """A new aggregate, inserted at commit."""
        self._check_locked(aggregate.id)
        self._tracked[(type(aggregate), aggregate.id)] = _Tracked(aggregate, aggregate.version, new=True)

    def touch(self, aggregate: Any) -> None:
        """Marks a working copy changed although the domain raised no event (a bookkeeping field)."""
        self._tracked[(type(aggregate), aggregate.id)].touched = True

    def changed(self, aggregate: Any) -> bool:
        tracked = self._tracked[(type(aggregate), aggregate.id)]
        return (
            tracked.new
            or tracked.touched
            or bool(aggregate.pending_events)
            or aggregate.version != tracked.loaded_version
        )

    def commit(self) -> None:
        """Writes every new or changed aggregate (in the order they were first taken), each
        followed by its swap into the read model. Unchanged copies are dropped."""
        for tracked in list(self._tracked.values()):
            aggregate = tracked.aggregate
            if tracked.new:
                self.repository.add(aggregate)
            elif self.changed(aggregate):
                self.repository.save(aggregate, tracked.loaded_version)
            else:
                continue
            self.read_model.put(aggregate)
            tracked.new, tracked.touched, tracked.loaded_version = False, False, aggregate.version
        self.committed = True


class UnitOfWork:
    """Opens units of work over one repository and read model, with the service's locks."""

    def __init__(self, repository: AggregateRepository, read_model: ReadModel, locks: KeyedLocks | None = None) -> None:
        self.repository = repository
        self.read_model = read_model
        self.locks = locks or KeyedLocks()

    @contextmanager
    def start(self, *keys: str) -> Iterator[Work]:
        """Locks ``keys`` (aggregate ids, invariant keys) and yields a Work; nothing is stored
        unless the block calls ``work.commit()``."""
        with self.locks.hold(*keys):
            yield Work(self.repository, self.read_model, frozenset(keys))


def run_each(keys: list[str], step: Callable[[str], bool], on_error: Callable[[str, Exception], None]) -> int:
    """Runs ``step`` for each key (a timer's sweep), counting the True results; one key's
    failure is reported and does not stop the others."""
    changed = 0
    for key in keys:
        try:
            changed += bool(step(key))
        except Exception as error:
            on_error(key, error)
    return changed
