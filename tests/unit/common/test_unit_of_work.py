"""The kit's unit of work, locks and message bus, on in-memory fakes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from linli.common.commands import Actor, Command
from linli.common.domain_events import DomainEvent
from linli.common.errors import Conflict
from linli.common.identity import Identity
from linli.common.messagebus import MessageBus, UnknownCommand
from linli.common.unit_of_work import KeyedLocks, UnitOfWork, run_each


@dataclass
class Thing:
    id: str
    value: int = 0
    version: int = 0
    pending_events: list[DomainEvent] = field(default_factory=list)


def event(subject: str) -> DomainEvent:
    return DomainEvent(id=f"e-{subject}", type="t", subject=subject, time=datetime.now(UTC), payload={})


class FakeRepository:
    def __init__(self) -> None:
        self.stored: dict[str, tuple[int, int]] = {}
        self.fail_on: set[str] = set()
        self.writes: list[str] = []

    def add(self, aggregate: Thing) -> None:
        if aggregate.id in self.fail_on:
            raise RuntimeError("write failed")
        aggregate.version = 1
        self.stored[aggregate.id] = (aggregate.version, aggregate.value)
        aggregate.pending_events.clear()
        self.writes.append(aggregate.id)

    def save(self, aggregate: Thing, expected_version: int) -> None:
        if aggregate.id in self.fail_on:
            raise RuntimeError("write failed")
        if self.stored[aggregate.id][0] != expected_version:
            raise Conflict("stale")
        aggregate.version = expected_version + 1
        self.stored[aggregate.id] = (aggregate.version, aggregate.value)
        aggregate.pending_events.clear()
        self.writes.append(aggregate.id)


class FakeReadModel:
    def __init__(self) -> None:
        self.things: dict[str, Thing] = {}

    def find(self, kind: type[Any], aggregate_id: str) -> Any:
        return self.things.get(aggregate_id)

    def put(self, aggregate: Thing) -> None:
        self.things[aggregate.id] = aggregate


@pytest.fixture
def uow() -> UnitOfWork:
    unit = UnitOfWork(FakeRepository(), FakeReadModel())
    with unit.start("a", "b") as work:
        work.add(Thing("a", 1))
        work.add(Thing("b", 2))
        work.commit()
    return unit


def test_commit_stores_then_swaps_the_working_copy(uow: UnitOfWork) -> None:
    before = uow.read_model.find(Thing, "a")
    with uow.start("a") as work:
        thing = work.get(Thing, "a")
        assert thing is not None and thing is not before
        thing.value = 10
        thing.pending_events.append(event("a"))
        assert uow.read_model.find(Thing, "a") is before  # not swapped before commit
        work.commit()
    after = uow.read_model.find(Thing, "a")
    assert after is thing and after.version == 2 and after.value == 10 and not after.pending_events
    assert before is not None and before.value == 1  # the old snapshot was never changed


def test_no_commit_or_an_exception_changes_nothing(uow: UnitOfWork) -> None:
    repository: FakeRepository = uow.repository  # type: ignore[assignment]
    writes = list(repository.writes)
    with uow.start("a") as work:
        thing = work.get(Thing, "a")
        assert thing is not None
        thing.value = 99
        thing.pending_events.append(event("a"))
    with pytest.raises(ValueError), uow.start("a") as work:
        thing = work.get(Thing, "a")
        assert thing is not None
        thing.value = 98
        thing.pending_events.append(event("a"))
        raise ValueError("domain refused")
    assert repository.writes == writes
    assert uow.read_model.find(Thing, "a").value == 1  # type: ignore[union-attr]


def test_a_failed_write_leaves_the_read_model_untouched(uow: UnitOfWork) -> None:
    repository: FakeRepository = uow.repository  # type: ignore[assignment]
    repository.fail_on.add("b")
    with pytest.raises(RuntimeError), uow.start("a", "b") as work:
        for key in ("b", "a"):
            thing = work.get(Thing, key)
            assert thing is not None
            thing.value = 50
            thing.pending_events.append(event(key))
        work.commit()
    assert uow.read_model.find(Thing, "a").value == 1  # type: ignore[union-attr]
    assert uow.read_model.find(Thing, "b").value == 2  # type: ignore[union-attr]


def test_unchanged_copies_are_not_written(uow: UnitOfWork) -> None:
    repository: FakeRepository = uow.repository  # type: ignore[assignment]
    writes = list(repository.writes)
    with uow.start("a") as work:
        assert work.get(Thing, "a") is not None
        work.commit()
    assert repository.writes == writes
    with uow.start("a") as work:
        thing = work.get(Thing, "a")
        assert thing is not None
        thing.value = 7
        work.touch(thing)
        work.commit()
    assert repository.writes == [*writes, "a"]


def test_a_stale_copy_fails_with_conflict(uow: UnitOfWork) -> None:
    repository: FakeRepository = uow.repository  # type: ignore[assignment]
    with pytest.raises(Conflict), uow.start("a") as work:
        thing = work.get(Thing, "a")
        assert thing is not None
        repository.stored["a"] = (5, 0)  # another writer got there first
        thing.pending_events.append(event("a"))
        work.commit()


def test_taking_an_unlocked_aggregate_is_a_bug(uow: UnitOfWork) -> None:
    with pytest.raises(RuntimeError, match="not locked"), uow.start("a") as work:
        work.get(Thing, "b")


def test_crossing_lock_orders_do_not_deadlock() -> None:
    """Two threads asking for the same keys in opposite orders, many times: with unordered
    or striped acquisition this hangs; sorted per-key acquisition always finishes."""
    locks = KeyedLocks()
    done = []

    def worker(first: str, second: str) -> None:
        for _ in range(2000):
            with locks.hold(first, second):
                time.sleep(0)
        done.append(first)

    threads = [threading.Thread(target=worker, args=pair, daemon=True) for pair in (("x", "y"), ("y", "x"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(done) == 2
    assert len(locks) == 0  # nothing left behind


def test_locks_are_reentrant_and_exclusive() -> None:
    locks = KeyedLocks()
    entered = threading.Event()
    with locks.hold("k"), locks.hold("k", "j"):

        def take() -> None:
            with locks.hold("k"):
                entered.set()

        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        assert not entered.wait(0.1)
    assert entered.wait(2)


def test_run_each_reports_failures_and_goes_on() -> None:
    failed: list[str] = []

    def step(key: str) -> bool:
        if key == "bad":
            raise ValueError(key)
        return key != "same"

    assert run_each(["a", "bad", "same", "b"], step, lambda key, _: failed.append(key)) == 2
    assert failed == ["bad"]


@dataclass(frozen=True, kw_only=True)
class Double(Command):
    value: int


def double(command: Double, factor: int, unused: str = "x") -> tuple[int, str]:
    return command.value * factor, command.actor.subject


def test_the_bus_injects_dependencies_by_name() -> None:
    bus = MessageBus({Double: double}, {"factor": 2, "other": object()})
    actor = Actor(identity=Identity.of("p-1", ["resident"]), request_id="r-1")
    assert bus.handle(Double(value=21, actor=actor)) == (42, "p-1")
    with pytest.raises(UnknownCommand):
        bus.handle(object())
    with pytest.raises(TypeError, match="factor"):
        MessageBus({Double: double}, {})
