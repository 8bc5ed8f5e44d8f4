"""Every command and query handler of the organizations service, on in-memory fakes.

The repository fake records each write (and the events it carried) and checks versions like
the real store; the read model is the real Directory. Handlers are driven through the bus,
as the gRPC servicer drives them, with the caller carried by each command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from linli.common.commands import Actor, Command
from linli.common.domain_events import DomainEvent
from linli.common.errors import (
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from linli.common.identity import Identity
from linli.common.messagebus import MessageBus
from linli.common.unit_of_work import UnitOfWork
from linli.organizations.adapters.event_payloads import encode
from linli.organizations.domain import events as ev
from linli.organizations.domain.geo import GeoPoint
from linli.organizations.domain.grids import GridUpdate, shape_from_cell
from linli.organizations.domain.model import (
    Grid,
    LocalizedText,
    Organization,
    OrganizationKind,
    Role,
    RoleAssignment,
    Station,
    StationEvent,
    StationKind,
)
from linli.organizations.domain.stations import StationUpdate
from linli.organizations.domain.tree import OrganizationUpdate
from linli.organizations.service_layer import commands as c
from linli.organizations.service_layer.directory import Directory
from linli.organizations.service_layer.handlers import HANDLERS
from linli.organizations.service_layer.results import Archived, Located, Moved, Revoked, SignedUp

K = OrganizationKind
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
OPERATOR = Actor(identity=Identity.of("op-1", ["operator"]), request_id="req-op")
RESIDENT = Actor(identity=Identity.of("p-res", ["resident"]), request_id="req-res")
ANONYMOUS = Actor()


def admin_of(org_id: str) -> Actor:
    return Actor(identity=Identity.of("p-adm", [f"admin@{org_id}"]), request_id="req-adm")


# -- fakes ----------------------------------------------------------------------------------------
@dataclass
class Write:
    op: str
    kind: str
    id: str
    version: int
    events: list[DomainEvent]


class FakeRepository:
    """Stores versions as the real store does (insert at 1, save only at the expected version,
    then +1) and records every write with its events, and every derived path write."""

    def __init__(self) -> None:
        self.versions: dict[tuple[str, str], int] = {}
        self.writes: list[Write] = []
        self.paths: list[tuple[str, tuple[str, ...]]] = []
        self.fail_on: set[str] = set()

    def _record(self, op: str, aggregate: Any) -> None:
        events = [encode(e) for e in aggregate.pending_events]
        aggregate.pending_events.clear()
        self.writes.append(Write(op, type(aggregate).__name__, aggregate.id, aggregate.version, events))

    def add(self, aggregate: Any) -> None:
        key = (type(aggregate).__name__, aggregate.id)
        if key in self.versions:
            raise AlreadyExists(f"{key} already exists")
        if aggregate.id in self.fail_on:
            raise RuntimeError("write failed")
        aggregate.version = self.versions[key] = 1
        self._record("add", aggregate)

    def save(self, aggregate: Any, expected_version: int) -> None:
        key = (type(aggregate).__name__, aggregate.id)
        if self.versions.get(key) != expected_version:
            raise Conflict(f"{key} is not at version {expected_version}")
        if aggregate.id in self.fail_on:
            raise RuntimeError("write failed")
        aggregate.version = self.versions[key] = expected_version + 1
        self._record("save", aggregate)

    def set_path(self, org_id: str, path: tuple[str, ...]) -> None:
        self.paths.append((org_id, path))

    @property
    def events(self) -> list[DomainEvent]:
        return [e for w in self.writes for e in w.events]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class App:
    bus: MessageBus
    repository: FakeRepository
    directory: Directory
    clock: Clock

    def run(self, command: Command) -> Any:
        return self.bus.handle(command)

    def org(self, code: str) -> Organization:
        return self.directory.organizations[self.directory.codes[code]]

    def writes_since(self, mark: int) -> list[Write]:
        return self.repository.writes[mark:]


def make_app() -> App:
    repository, directory, clock = FakeRepository(), Directory(), Clock()
    bus = MessageBus(
        HANDLERS,
        {"uow": UnitOfWork(repository, directory), "directory": directory, "repository": repository, "clock": clock},
    )
    return App(bus, repository, directory, clock)


def create(
    app: App, kind: OrganizationKind, code: str, parent: str = "", actor: Actor = OPERATOR, **values: Any
) -> Organization:
    org: Organization = app.run(
        c.CreateOrganization(
            actor=actor,
            idempotency_key=f"k-{code}",
            kind=kind,
            code=code,
            name=LocalizedText(en=code),
            parent_id=app.directory.codes.get(parent, parent),
            **values,
        )
    )
    return org


@pytest.fixture
def app() -> App:
    """District D > streets S1, S2; S1 > community C1 > compound B1; unit U1 serves S1."""
    app = make_app()
    create(app, K.DISTRICT, "D")
    create(app, K.STREET_OFFICE, "S1", "D")
    create(app, K.STREET_OFFICE, "S2", "D")
    create(app, K.COMMUNITY_COMMITTEE, "C1", "S1")
    create(app, K.COMPOUND_BRANCH, "B1", "C1")
    create(
        app,
        K.CO_BUILDING_UNIT,
        "U1",
        "D",
        served_org_ids=[app.org("S1").id],
        accepted_categories=["repairs"],
        response_deadline_minutes=60,
    )
    return app


def cell(lat: float, lng: float, size: float = 0.01) -> Any:
    return shape_from_cell(GeoPoint(lat, lng), GeoPoint(lat + size, lng + size))


def make_grid(app: App, code: str, owner: str, lat: float = 28.6, lng: float = 121.4, **values: Any) -> Grid:
    grid: Grid = app.run(
        c.CreateGrid(
            actor=OPERATOR,
            idempotency_key=f"k-{code}",
            organization_id=app.org(owner).id,
            code=code,
            name=LocalizedText(en=code),
            shape=cell(lat, lng),
            **values,
        )
    )
    return grid


def make_station(app: App, code: str, owner: str, capacity: int = 0) -> Station:
    station: Station = app.run(
        c.CreateStation(
            actor=OPERATOR,
            idempotency_key=f"k-{code}",
            organization_id=app.org(owner).id,
            kind=StationKind.LIVING_ROOM,
            code=code,
            name=LocalizedText(en=code),
            capacity=capacity,
        )
    )
    return station


def make_event(app: App, station: Station, capacity: int = 0) -> StationEvent:
    event: StationEvent = app.run(
        c.ScheduleStationEvent(
            actor=OPERATOR,
            idempotency_key=f"ev-{station.code}-{capacity}",
            station_id=station.id,
            title=LocalizedText(en="tea"),
            starts_at=NOW + timedelta(hours=1),
            ends_at=NOW + timedelta(hours=3),
            capacity=capacity,
        )
    )
    return event


# -- organisations: create --------------------------------------------------------------------
def test_create_stores_the_organisation_with_its_event_and_the_callers_header(app: App) -> None:
    mark = len(app.repository.writes)
    org = create(app, K.COMMUNITY_COMMITTEE, "C2", "S2", actor=admin_of(app.org("S2").id))
    [write] = app.writes_since(mark)
    assert (write.op, write.kind, write.id, write.version) == ("add", "Organization", org.id, 1)
    [event] = write.events
    assert event.type == ev.ORGANIZATION_CREATED and event.subject == org.id
    assert event.payload["header"] == {
        "aggregateVersion": "1",
        "actorPersonId": "p-adm",
        "actorRole": "admin",
        "requestId": "req-adm",
    }
    assert app.directory.organizations[org.id] is org
    assert org.path == (app.org("D").id, app.org("S2").id)


def test_a_retried_create_returns_the_first_without_writing(app: App) -> None:
    mark = len(app.repository.writes)
    again = create(app, K.COMMUNITY_COMMITTEE, "C1", "S1")
    assert again is app.org("C1")
    assert app.writes_since(mark) == []


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (dict(code="S1", parent="D", key="other"), AlreadyExists, "code: 'S1' is already used by"),
        (dict(code="X1", parent="nope"), NotFound, "parent_id: organisation nope does not exist"),
        (dict(code="X1", parent="S1", actor=RESIDENT), PermissionDenied, "p-res is not an administrator of"),
        (dict(code="X1", parent="S1", actor=ANONYMOUS), Unauthenticated, "this call needs an authenticated caller"),
        (
            dict(code="X1", parent="S1", key="k" * 201),
            InvalidArgument,
            "idempotency_key: must be at most 200 characters",
        ),
        (dict(code="bad code", parent="S1"), InvalidArgument, "code: 'bad code' is not a valid code"),
        (dict(code="X1", parent="B1"), InvalidArgument, "parent_id: a COMMUNITY_COMMITTEE cannot be placed under"),
    ],
)
def test_refused_creates_store_nothing(app: App, command: dict[str, Any], error: type[Exception], message: str) -> None:
    mark, before = len(app.repository.writes), dict(app.directory.organizations)
    parent = command["parent"]
    with pytest.raises(error, match=message.replace("(", r"\(")):
        app.run(
            c.CreateOrganization(
                actor=command.get("actor", OPERATOR),
                idempotency_key=command.get("key", command["code"]),
                kind=K.COMMUNITY_COMMITTEE,
                code=command["code"],
                name=LocalizedText(en="x"),
                parent_id=app.directory.codes.get(parent, parent),
            )
        )
    assert app.writes_since(mark) == [] and app.directory.organizations == before


def test_an_admin_creates_below_their_scope_only(app: App) -> None:
    admin = admin_of(app.org("S1").id)
    assert create(app, K.COMPOUND_BRANCH, "B2", "C1", actor=admin).path[-1] == app.org("C1").id
    with pytest.raises(PermissionDenied):
        create(app, K.COMMUNITY_COMMITTEE, "C9", "S2", actor=admin)


def test_served_organisations_are_checked(app: App) -> None:
    with pytest.raises(NotFound, match=r"served_org_ids\[0\]"):
        create(app, K.DEPARTMENT, "DEP", served_org_ids=["nope"])
    with pytest.raises(InvalidArgument, match="units serve streets and communities"):
        create(app, K.DEPARTMENT, "DEP", served_org_ids=[app.org("U1").id])


# -- organisations: update ---------------------------------------------------------------------
def test_update_changes_a_copy_then_swaps_it_in(app: App) -> None:
    before = app.org("C1")
    mark = len(app.repository.writes)
    app.clock.advance(timedelta(minutes=1))
    updated: Organization = app.run(
        c.UpdateOrganization(
            actor=OPERATOR,
            id=before.id,
            expected_version=1,
            mask=["name", "code"],
            values=OrganizationUpdate(name=LocalizedText(zh="东山"), code="C1-NEW"),
        )
    )
    assert updated.version == 2 and updated.code == "C1-NEW" and updated.updated_at == app.clock.now
    assert before.version == 1 and before.code == "C1"  # the old snapshot was never changed
    [write] = app.writes_since(mark)
    assert write.op == "save" and [e.type for e in write.events] == [ev.ORGANIZATION_UPDATED]
    assert write.events[0].payload["changedFields"] == ["code", "name"]
    assert app.directory.codes["C1-NEW"] == before.id and "C1" not in app.directory.codes


def test_an_update_changing_nothing_writes_nothing(app: App) -> None:
    mark = len(app.repository.writes)
    same = app.run(
        c.UpdateOrganization(actor=OPERATOR, id=app.org("C1").id, mask=["code"], values=OrganizationUpdate(code="C1"))
    )
    assert same is app.org("C1") and app.writes_since(mark) == []


@pytest.mark.parametrize(
    ("values", "mask", "expected_version", "error", "message"),
    [
        (OrganizationUpdate(code="S2"), ["code"], 0, AlreadyExists, "code: 'S2' is already used by"),
        (
            OrganizationUpdate(name=LocalizedText(zh="x")),
            ["name"],
            7,
            Conflict,
            "expected_version: organisation .* is at version 1, not 7; reload and retry",
        ),
        (OrganizationUpdate(), ["kind"], 0, InvalidArgument, "update_mask: 'kind' cannot be updated"),
    ],
)
def test_refused_updates_leave_everything_untouched(
    app: App, values: OrganizationUpdate, mask: list[str], expected_version: int, error: type[Exception], message: str
) -> None:
    before = app.org("C1")
    mark = len(app.repository.writes)
    with pytest.raises(error, match=message):
        app.run(
            c.UpdateOrganization(
                actor=OPERATOR, id=before.id, expected_version=expected_version, mask=mask, values=values
            )
        )
    assert app.writes_since(mark) == [] and app.directory.organizations[before.id] is before


def test_a_stale_stored_version_is_a_conflict_and_the_directory_keeps_its_copy(app: App) -> None:
    before = app.org("C1")
    app.repository.versions[("Organization", before.id)] = 5  # another writer got there first
    with pytest.raises(Conflict):
        app.run(
            c.UpdateOrganization(
                actor=OPERATOR, id=before.id, mask=["name"], values=OrganizationUpdate(name=LocalizedText(en="late"))
            )
        )
    assert app.directory.organizations[before.id] is before


def test_a_failed_write_leaves_the_directory_untouched(app: App) -> None:
    before = app.org("C1")
    app.repository.fail_on.add(before.id)
    with pytest.raises(RuntimeError):
        app.run(
            c.UpdateOrganization(
                actor=OPERATOR, id=before.id, mask=["name"], values=OrganizationUpdate(name=LocalizedText(en="lost"))
            )
        )
    assert app.directory.organizations[before.id] is before


def test_served_organisations_of_an_update_must_be_active(app: App) -> None:
    app.run(c.ArchiveOrganization(actor=OPERATOR, id=app.org("S2").id))
    with pytest.raises(FailedPrecondition, match=r"served_org_ids\[0\]: organisation .* is archived"):
        app.run(
            c.UpdateOrganization(
                actor=OPERATOR,
                id=app.org("U1").id,
                mask=["served_org_ids"],
                values=OrganizationUpdate(served_org_ids=(app.org("S2").id,)),
            )
        )


# -- organisations: move and archive ---------------------------------------------------------
def test_move_writes_the_parent_link_then_descendants_paths_then_grids(app: App) -> None:
    grid = make_grid(app, "G1", "B1")
    c1, b1, s2 = app.org("C1"), app.org("B1"), app.org("S2")
    assert grid.street_id == app.org("S1").id
    mark = len(app.repository.writes)
    moved: Moved = app.run(c.MoveOrganization(actor=OPERATOR, id=c1.id, new_parent_id=s2.id, expected_version=1))
    assert moved.moved_descendants == 1 and moved.organization.parent_id == s2.id
    writes = app.writes_since(mark)
    assert [(w.kind, w.id) for w in writes] == [("Organization", c1.id), ("Grid", grid.id)]
    assert [e.type for e in writes[0].events] == [ev.ORGANIZATION_MOVED]
    assert [e.type for e in writes[1].events] == [ev.GRID_UPDATED]
    assert app.repository.paths == [(b1.id, (app.org("D").id, s2.id, c1.id))]
    assert app.directory.organizations[b1.id].path == (app.org("D").id, s2.id, c1.id)
    assert app.directory.organizations[b1.id].version == b1.version  # a path is derived data
    assert app.directory.grids[grid.id].street_id == s2.id
    assert [o.code for o in app.directory.subtree(s2.id)] == ["C1", "B1"]


def test_moving_under_the_same_parent_writes_nothing(app: App) -> None:
    mark = len(app.repository.writes)
    moved: Moved = app.run(c.MoveOrganization(actor=OPERATOR, id=app.org("C1").id, new_parent_id=app.org("S1").id))
    assert moved == Moved(app.org("C1"), 0) and app.writes_since(mark) == []


def test_a_move_into_its_own_subtree_is_refused(app: App) -> None:
    before = dict(app.directory.organizations)
    mark = len(app.repository.writes)
    with pytest.raises(FailedPrecondition, match="that would make a cycle"):
        app.run(c.MoveOrganization(actor=OPERATOR, id=app.org("S1").id, new_parent_id=app.org("B1").id))
    with pytest.raises(NotFound, match="new_parent_id: organisation nope does not exist"):
        app.run(c.MoveOrganization(actor=OPERATOR, id=app.org("S1").id, new_parent_id="nope"))
    with pytest.raises(InvalidArgument, match="id: is required"):
        app.run(c.MoveOrganization(actor=OPERATOR, id=""))
    with pytest.raises(Conflict):
        app.run(
            c.MoveOrganization(actor=OPERATOR, id=app.org("C1").id, new_parent_id=app.org("S2").id, expected_version=3)
        )
    assert app.writes_since(mark) == [] and app.repository.paths == [] and app.directory.organizations == before


def test_moving_needs_admin_rights_at_both_ends(app: App) -> None:
    with pytest.raises(PermissionDenied):
        app.run(
            c.MoveOrganization(actor=admin_of(app.org("S1").id), id=app.org("C1").id, new_parent_id=app.org("S2").id)
        )


def test_archive_refuses_active_children_unless_cascading(app: App) -> None:
    c1 = app.org("C1")
    mark = len(app.repository.writes)
    with pytest.raises(FailedPrecondition, match=r"cascade: organisation .* has 1 active children"):
        app.run(c.ArchiveOrganization(actor=OPERATOR, id=c1.id))
    assert app.writes_since(mark) == []
    archived: Archived = app.run(c.ArchiveOrganization(actor=OPERATOR, id=c1.id, cascade=True, reason="merged"))
    assert archived.archived_ids == [app.org("B1").id, c1.id]  # deepest first
    assert archived.organization.archived and app.org("B1").archived
    events = [e for w in app.writes_since(mark) for e in w.events]
    assert [(e.subject, e.payload.get("cascadeRootId")) for e in events] == [(app.org("B1").id, c1.id), (c1.id, c1.id)]
    again: Archived = app.run(c.ArchiveOrganization(actor=OPERATOR, id=c1.id, cascade=True))
    assert again.archived_ids == [] and len(app.repository.writes) == mark + 2


def test_an_archived_organisation_takes_no_children_grids_stations_or_roles(app: App) -> None:
    app.run(c.ArchiveOrganization(actor=OPERATOR, id=app.org("S2").id))
    mark = len(app.repository.writes)
    with pytest.raises(FailedPrecondition, match=r"parent_id: parent .* is archived"):
        create(app, K.COMMUNITY_COMMITTEE, "C9", "S2")
    with pytest.raises(FailedPrecondition, match=r"organization_id: organisation .* is archived"):
        make_grid(app, "G9", "S2")
    with pytest.raises(FailedPrecondition, match=r"organization_id: organisation .* is archived"):
        make_station(app, "ST9", "S2")
    with pytest.raises(FailedPrecondition, match=r"organization_id: organisation .* is archived"):
        app.run(c.GrantRole(actor=OPERATOR, person_id="p1", organization_id=app.org("S2").id, role=Role.ADMIN))
    assert app.writes_since(mark) == []


# -- organisations: queries -------------------------------------------------------------------
def test_organisation_queries(app: App) -> None:
    d, s1, c1, b1 = app.org("D"), app.org("S1"), app.org("C1"), app.org("B1")
    assert app.run(c.GetOrganization(id=c1.id)) is c1
    assert app.run(c.GetOrganization(code="C1")) is c1
    with pytest.raises(NotFound, match="code: no organisation has code 'ZZ'"):
        app.run(c.GetOrganization(code="ZZ"))
    with pytest.raises(InvalidArgument, match="id: is required"):
        app.run(c.GetOrganization())
    assert [o.code for o in app.run(c.ListChildren(parent_id=d.id))] == ["S1", "S2", "U1"]
    assert [o.code for o in app.run(c.ListChildren(parent_id=d.id, kinds=[K.STREET_OFFICE]))] == ["S1", "S2"]
    assert [o.code for o in app.run(c.ListChildren())] == ["D"]
    with pytest.raises(NotFound, match="parent_id"):
        app.run(c.ListChildren(parent_id="nope"))
    assert app.run(c.GetAncestors(id=b1.id)) == [d, s1, c1]
    assert [o.code for o in app.run(c.ListSubtree(root_id=s1.id, include_root=True))] == ["S1", "C1", "B1"]
    assert [o.code for o in app.run(c.ListSubtree(root_id=s1.id, max_depth=1))] == ["C1"]
    with pytest.raises(InvalidArgument, match="max_depth: must not be negative"):
        app.run(c.ListSubtree(root_id=s1.id, max_depth=-1))
    assert [o.code for o in app.run(c.SearchOrganizations(query="c1"))] == ["C1"]
    assert [o.code for o in app.run(c.SearchOrganizations(query="s", within_id=s1.id))] == ["S1"]
    with pytest.raises(InvalidArgument, match="query: must not be empty"):
        app.run(c.SearchOrganizations(query="  "))
    with pytest.raises(InvalidArgument, match="query: must be at most 100 characters"):
        app.run(c.SearchOrganizations(query="x" * 101))
    app.run(c.ArchiveOrganization(actor=OPERATOR, id=b1.id))
    assert [o.code for o in app.run(c.ListSubtree(root_id=s1.id))] == ["C1"]
    assert [o.code for o in app.run(c.ListSubtree(root_id=s1.id, include_archived=True))] == ["C1", "B1"]


def test_responders(app: App) -> None:
    found = app.run(c.ListResponders(category="Repairs", org_id=app.org("C1").id))
    assert [(r.organization.code, r.distance) for r in found] == [("U1", 1)]
    assert app.run(c.ListResponders(category="repairs", org_id=app.org("S2").id)) == []
    with pytest.raises(InvalidArgument, match="category: is required"):
        app.run(c.ListResponders(category=" ", org_id=app.org("C1").id))


# -- grids ------------------------------------------------------------------------------------
def test_grids_create_update_and_queries(app: App) -> None:
    grid = make_grid(app, "G1", "B1", leader_person_id="p-lead", worker_person_ids=["p-w"])
    assert (grid.community_id, grid.street_id) == (app.org("C1").id, app.org("S1").id)
    assert [e.type for e in app.repository.writes[-1].events] == [ev.GRID_CREATED]
    assert make_grid(app, "G1", "B1", leader_person_id="p-lead", worker_person_ids=["p-w"]) is grid  # retry
    mark = len(app.repository.writes)
    with pytest.raises(AlreadyExists, match="code: 'G1' is already used by"):
        app.run(
            c.CreateGrid(
                actor=OPERATOR,
                organization_id=app.org("B1").id,
                code="G1",
                name=LocalizedText(en="x"),
                shape=cell(28.7, 121.4),
            )
        )
    with pytest.raises(InvalidArgument, match="organization_id: a DISTRICT cannot own grids"):
        make_grid(app, "G2", "D")
    assert app.writes_since(mark) == []

    updated: Grid = app.run(
        c.UpdateGrid(actor=OPERATOR, id=grid.id, expected_version=1, values=GridUpdate(households_count=420))
    )
    assert updated.version == 2 and updated.households_count == 420
    assert app.repository.writes[-1].events[0].payload["changedFields"] == ["households_count"]
    with pytest.raises(Conflict):
        app.run(c.UpdateGrid(actor=OPERATOR, id=grid.id, expected_version=1, values=GridUpdate(households_count=1)))
    with pytest.raises(NotFound, match="id: grid nope does not exist"):
        app.run(c.UpdateGrid(actor=OPERATOR, id="nope", values=GridUpdate(households_count=1)))
    other = make_grid(app, "G3", "C1", lat=28.7)
    with pytest.raises(AlreadyExists):
        app.run(c.UpdateGrid(actor=OPERATOR, id=other.id, mask=["code"], values=GridUpdate(code="G1")))

    # staff see grid workers; anonymous readers do not, nor may they ask by person (issue 10)
    assert app.run(c.GetGrid(actor=OPERATOR, id=grid.id)) is updated
    assert [g.code for g in app.run(c.ListGrids(organization_id=app.org("C1").id))] == ["G1", "G3"]
    assert [g.code for g in app.run(c.ListGrids(actor=OPERATOR, person_id="p-w"))] == ["G1"]
    with pytest.raises(Unauthenticated):
        app.run(c.ListGrids(person_id="p-w"))
    located: Located = app.run(c.LocateGrid(actor=OPERATOR, point=GeoPoint(28.605, 121.405)))
    assert located == Located(grid=updated, owner=app.org("B1"), community=app.org("C1"), street=app.org("S1"))
    assert app.run(c.LocateGrid(point=GeoPoint(10.0, 10.0))) is None
    with pytest.raises(InvalidArgument, match="point"):
        app.run(c.LocateGrid(point=GeoPoint(100.0, 10.0)))


# -- stations and their events ----------------------------------------------------------------
def test_stations_create_update_and_queries(app: App) -> None:
    station = make_station(app, "ST1", "C1", capacity=20)
    assert [e.type for e in app.repository.writes[-1].events] == [ev.STATION_CREATED]
    mark = len(app.repository.writes)
    updated: Station = app.run(
        c.UpdateStation(actor=OPERATOR, id=station.id, mask=["capacity"], values=StationUpdate(capacity=30))
    )
    [write] = app.writes_since(mark)
    assert updated.version == 2 and write.events == []  # station edits have no event
    with pytest.raises(AlreadyExists, match="code: 'ST1' is already used by"):
        app.run(
            c.CreateStation(
                actor=OPERATOR,
                organization_id=app.org("S1").id,
                kind=StationKind.OTHER,
                code="ST1",
                name=LocalizedText(en="x"),
            )
        )
    with pytest.raises(PermissionDenied):
        app.run(
            c.UpdateStation(
                actor=admin_of(app.org("S2").id), id=station.id, mask=["capacity"], values=StationUpdate(capacity=1)
            )
        )
    assert app.run(c.GetStation(id=station.id)) is updated
    with pytest.raises(NotFound, match="id: station nope does not exist"):
        app.run(c.GetStation(id="nope"))
    make_station(app, "ST2", "S2")
    assert [s.code for s in app.run(c.ListStations(organization_id=app.org("S1").id))] == ["ST1"]
    assert [s.code for s in app.run(c.ListStations(kinds=[StationKind.LIVING_ROOM]))] == ["ST1", "ST2"]


def test_station_events_sign_ups_and_attendance(app: App) -> None:
    station = make_station(app, "ST1", "C1", capacity=2)
    event = make_event(app, station)
    assert event.capacity == 2 and [e.type for e in app.repository.writes[-1].events] == [ev.STATION_EVENT_SCHEDULED]
    assert make_event(app, station) is event  # retry
    with pytest.raises(InvalidArgument, match="capacity: must not exceed the station's capacity"):
        make_event(app, station, capacity=5)

    mark = len(app.repository.writes)
    signed: SignedUp = app.run(c.SignUpForEvent(actor=RESIDENT, event_id=event.id))
    assert not signed.already_signed_up and signed.event.signups == {"p-res"} and signed.event.version == 2
    again: SignedUp = app.run(c.SignUpForEvent(actor=RESIDENT, event_id=event.id))
    assert again.already_signed_up and len(app.repository.writes) == mark + 1
    with pytest.raises(PermissionDenied):
        app.run(c.SignUpForEvent(actor=RESIDENT, event_id=event.id, person_id="p-other"))
    with pytest.raises(InvalidArgument, match="person_id: is required"):
        app.run(c.SignUpForEvent(actor=ANONYMOUS, event_id=event.id))
    app.run(c.SignUpForEvent(actor=OPERATOR, event_id=event.id, person_id="p-2"))
    with pytest.raises(FailedPrecondition, match="is full"):
        app.run(c.SignUpForEvent(actor=OPERATOR, event_id=event.id, person_id="p-3"))
    with pytest.raises(NotFound, match="event_id: station event nope does not exist"):
        app.run(c.SignUpForEvent(actor=RESIDENT, event_id="nope"))

    with pytest.raises(FailedPrecondition, match="has not started yet"):
        app.run(c.RecordAttendance(actor=OPERATOR, event_id=event.id, attendance_count=3))
    app.clock.advance(timedelta(hours=2))
    recorded: StationEvent = app.run(
        c.RecordAttendance(actor=OPERATOR, event_id=event.id, attendance_count=3, expected_version=3)
    )
    assert recorded.attendance_count == 3 and recorded.version == 4
    assert app.run(c.RecordAttendance(actor=OPERATOR, event_id=event.id, attendance_count=3)) is recorded
    with pytest.raises(Conflict):
        app.run(c.RecordAttendance(actor=OPERATOR, event_id=event.id, attendance_count=4, expected_version=3))
    with pytest.raises(PermissionDenied):
        app.run(c.RecordAttendance(actor=RESIDENT, event_id=event.id, attendance_count=4))

    assert app.run(c.ListStationEvents(station_id=station.id)) == [recorded]
    assert app.run(c.ListStationEvents(organization_id=app.org("S1").id)) == [recorded]
    assert app.run(c.ListStationEvents(starts_after=NOW + timedelta(hours=2))) == []
    with pytest.raises(NotFound, match="station_id"):
        app.run(c.ListStationEvents(station_id="nope"))


# -- roles ------------------------------------------------------------------------------------
def test_roles_grant_revoke_and_scopes(app: App) -> None:
    c1, b1 = app.org("C1"), app.org("B1")
    granted: RoleAssignment = app.run(
        c.GrantRole(actor=OPERATOR, person_id="p1", organization_id=c1.id, role=Role.DISPATCHER)
    )
    assert granted.active and granted.granted_by == "op-1"
    assert [e.type for e in app.repository.writes[-1].events] == [ev.ROLE_GRANTED]
    mark = len(app.repository.writes)
    assert app.run(c.GrantRole(actor=OPERATOR, person_id="p1", organization_id=c1.id, role=Role.DISPATCHER)) is granted
    assert app.writes_since(mark) == []
    app.run(c.GrantRole(actor=OPERATOR, person_id="p1", organization_id=b1.id, role=Role.GRID_WORKER))
    scopes = app.run(c.GetVisibleScopes(actor=OPERATOR, person_id="p1"))
    assert [(s.root.code, s.nested) for s in scopes] == [("C1", False), ("B1", True)]
    assert [a.role for a in app.run(c.ListRoles(actor=OPERATOR, organization_id=c1.id, include_subtree=True))] == [
        Role.DISPATCHER,
        Role.GRID_WORKER,
    ]
    assert app.run(c.ListRoles(actor=OPERATOR, organization_id=c1.id)) == [granted]

    revoked: Revoked = app.run(
        c.RevokeRole(actor=admin_of(c1.id), person_id="p1", organization_id=c1.id, role=Role.DISPATCHER)
    )
    assert revoked.was_active and not revoked.assignment.active and revoked.assignment.revoked_by == "p-adm"
    assert [e.type for e in app.repository.writes[-1].events] == [ev.ROLE_REVOKED]
    mark = len(app.repository.writes)
    twice: Revoked = app.run(c.RevokeRole(actor=OPERATOR, person_id="p1", organization_id=c1.id, role=Role.DISPATCHER))
    assert not twice.was_active and app.writes_since(mark) == []
    assert [a.role for a in app.run(c.ListRoles(actor=OPERATOR, person_id="p1"))] == [Role.GRID_WORKER]
    assert len(app.run(c.ListRoles(actor=OPERATOR, person_id="p1", include_revoked=True))) == 2

    regranted: RoleAssignment = app.run(
        c.GrantRole(actor=OPERATOR, person_id="p1", organization_id=c1.id, role=Role.DISPATCHER)
    )
    assert regranted.id == granted.id and regranted.active and regranted.version == 3

    with pytest.raises(NotFound, match="role: p1 holds no admin role in"):
        app.run(c.RevokeRole(actor=OPERATOR, person_id="p1", organization_id=c1.id, role=Role.ADMIN))
    with pytest.raises(InvalidArgument, match="person_id: is required"):
        app.run(c.RevokeRole(actor=OPERATOR, person_id="", organization_id=c1.id, role=Role.ADMIN))
    with pytest.raises(InvalidArgument, match="person_id: give a person_id, an organization_id or both"):
        app.run(c.ListRoles(actor=OPERATOR))
    with pytest.raises(InvalidArgument, match="person_id: is required"):
        app.run(c.GetVisibleScopes(person_id=""))
    with pytest.raises(PermissionDenied):
        app.run(c.GrantRole(actor=RESIDENT, person_id="p1", organization_id=c1.id, role=Role.ADMIN))


# -- concurrency ------------------------------------------------------------------------------
def run_threads(*targets: Callable[[], None], timeout: float = 20) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except Exception as error:
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(t), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a command never finished (deadlock?)"
    return errors


def test_concurrent_creates_of_one_code_store_one(app: App) -> None:
    def claim(key: str) -> Callable[[], None]:
        return lambda: app.run(
            c.CreateGrid(
                actor=OPERATOR,
                idempotency_key=key,
                organization_id=app.org("B1").id,
                code="SAME",
                name=LocalizedText(en="x"),
                shape=cell(28.6, 121.4),
            )
        )

    errors = run_threads(*(claim(f"k{i}") for i in range(8)))
    assert len(errors) == 7 and all(isinstance(e, AlreadyExists) for e in errors)
    assert [g.code for g in app.directory.grids.values()] == ["SAME"]


def test_moves_archives_and_edits_running_together_finish_and_agree(app: App) -> None:
    s1, s2, c1 = app.org("S1").id, app.org("S2").id, app.org("C1").id
    compounds = [create(app, K.COMPOUND_BRANCH, f"B{i}", "C1").id for i in range(2, 6)]

    def moves() -> None:
        for i in range(30):
            app.run(c.MoveOrganization(actor=OPERATOR, id=c1, new_parent_id=s2 if i % 2 == 0 else s1))

    def edits(org_id: str) -> Callable[[], None]:
        def run() -> None:
            for i in range(30):
                app.run(
                    c.UpdateOrganization(
                        actor=OPERATOR,
                        id=org_id,
                        mask=["name"],
                        values=OrganizationUpdate(name=LocalizedText(en=f"n{i}")),
                    )
                )

        return run

    assert run_threads(moves, *(edits(o) for o in compounds)) == []
    for org_id in compounds:  # no edit swapped in a copy with a path the move had replaced
        assert app.directory.organizations[org_id].path == (app.org("D").id, s1, c1)
        assert app.directory.organizations[org_id].version == 31
