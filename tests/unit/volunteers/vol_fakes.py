"""In-memory fakes of the volunteers service's ports, and the bus wired over them
(cosmicpython style): the real Directory and MatchIndex as the read model, a repository
recording every write with its version and events, a ledger store, a fixed organisation tree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from linli.common.commands import Actor
from linli.common.domain_events import DomainEvent
from linli.common.errors import AlreadyExists, Conflict
from linli.common.identity import Identity
from linli.common.messagebus import MessageBus
from linli.volunteers.adapters.directory import Directory
from linli.volunteers.adapters.event_payloads import encode
from linli.volunteers.bootstrap import message_bus
from linli.volunteers.domain.ledger import check_replay
from linli.volunteers.domain.model import LedgerEntry
from linli.volunteers.domain.tasks import TaskResolution
from tests.unit.volunteers.conftest import NOW

#: district -> street -> two communities (as the integration tests' table).
DISTRICT, STREET, EAST, WEST = "org_district", "org_street", "org_east", "org_west"
ANCESTORS: dict[str, tuple[str, ...]] = {STREET: (DISTRICT,), EAST: (DISTRICT, STREET), WEST: (DISTRICT, STREET)}


def actor(subject: str, *roles: str, request_id: str = "") -> Actor:
    return Actor(identity=Identity.of(subject, roles), request_id=request_id)


OPERATOR = actor("op-1", "operator", request_id="req-op")
ANONYMOUS = Actor()


@dataclass(frozen=True)
class Write:
    """One document write: add or save, of which aggregate, at which version, with which events."""

    op: str
    aggregate_id: str
    version: int
    event_types: tuple[str, ...]


class FakeRepository:
    """Version-checked writes as the kit's repository makes them (add at 1, save at +1)."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.documents: dict[str, Any] = {}
        self.writes: list[Write] = []
        self.events: list[DomainEvent] = []

    def _written(self, op: str, aggregate: Any) -> None:
        events = [encode(e) for e in aggregate.pending_events]
        self.events += events
        self.writes.append(Write(op, aggregate.id, aggregate.version, tuple(e.type for e in events)))
        aggregate.pending_events.clear()
        self.documents[aggregate.id] = copy.deepcopy(aggregate)

    def add(self, aggregate: Any) -> None:
        if aggregate.id in self.versions:
            raise AlreadyExists(f"{aggregate.id} exists")
        aggregate.version = self.versions[aggregate.id] = 1
        self._written("add", aggregate)

    def save(self, aggregate: Any, expected_version: int) -> None:
        if self.versions.get(aggregate.id) != expected_version:
            raise Conflict(f"{aggregate.id} is not at version {expected_version}")
        aggregate.version = self.versions[aggregate.id] = expected_version + 1
        self._written("save", aggregate)


class FakeLedgerStore:
    """Append-only entries keyed by id, each with its PointsCredited event."""

    def __init__(self) -> None:
        self.entries: dict[str, LedgerEntry] = {}
        self.events: list[DomainEvent] = []
        self.resolutions: dict[str, TaskResolution] = {}

    def append_entry(self, entry: LedgerEntry, event: Any) -> tuple[LedgerEntry, bool]:
        existing = self.entries.get(entry.id)
        if existing is not None:
            check_replay(existing, entry)
            return existing, False
        self.entries[entry.id] = entry
        self.events.append(encode(event))
        return entry, True

    def put_resolution(self, resolution: TaskResolution) -> None:
        self.resolutions[resolution.request_id] = resolution

    def get_resolution(self, request_id: str) -> TaskResolution | None:
        return self.resolutions.get(request_id)


@dataclass
class FakeClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeOrganizations:
    asked: list[str] = field(default_factory=list)

    def __call__(self, org_id: str) -> tuple[str, ...]:
        self.asked.append(org_id)
        return ANCESTORS.get(org_id, ())


@dataclass
class App:
    bus: MessageBus
    repository: FakeRepository
    ledger: FakeLedgerStore
    directory: Directory
    clock: FakeClock
    organizations: FakeOrganizations

    def handle(self, command: Any) -> Any:
        return self.bus.handle(command)


def make_app() -> App:
    repository, ledger, directory = FakeRepository(), FakeLedgerStore(), Directory(28.65)
    clock, organizations = FakeClock(), FakeOrganizations()
    bus = message_bus(
        repository=repository, directory=directory, ledger_store=ledger, ancestors=organizations, clock=clock
    )
    return App(bus, repository, ledger, directory, clock, organizations)
