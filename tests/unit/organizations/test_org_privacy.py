"""Issue 10 in the organizations service: who sees what, idempotency keys bound to their
payload, bounded input (search texts, ids, page tokens) and polygon checks bounded and made
before any lock."""

from __future__ import annotations

import math
import time
from datetime import timedelta

import pytest

from linli.common.commands import Actor
from linli.common.errors import Conflict, InvalidArgument, PermissionDenied, Unauthenticated
from linli.common.identity import Identity
from linli.organizations.domain import privacy
from linli.organizations.domain.geo import GeoPoint
from linli.organizations.domain.grids import MAX_GRID_POLYGON_VERTICES, shape_from_polygon
from linli.organizations.domain.model import DutyRosterEntry, LocalizedText, Role, StationKind, TimeWindow
from linli.organizations.domain.model import OrganizationKind as K
from linli.organizations.domain.stations import StationUpdate
from linli.organizations.entrypoints import convert
from linli.organizations.service_layer import commands as c
from tests.unit.organizations.test_handlers import (
    ANONYMOUS,
    NOW,
    OPERATOR,
    RESIDENT,
    App,
    admin_of,
    cell,
    create,
    make_app,
    make_event,
    make_grid,
    make_station,
)

ROSTER = (
    DutyRosterEntry(window=TimeWindow(1, "08:00", "12:00"), person_id="p-duty", name="王芳", phone="13800002222"),
)


def circle(n: int, lat: float = 28.6, lng: float = 121.4, radius: float = 0.004) -> list[GeoPoint]:
    return [
        GeoPoint(lat + radius * math.sin(2 * math.pi * i / n), lng + radius * math.cos(2 * math.pi * i / n))
        for i in range(n)
    ]


@pytest.fixture
def app() -> App:
    """District D > streets S1, S2; S1 > community C1 > compound B1."""
    app = make_app()
    create(app, K.DISTRICT, "D")
    create(app, K.STREET_OFFICE, "S1", "D")
    create(app, K.STREET_OFFICE, "S2", "D")
    create(app, K.COMMUNITY_COMMITTEE, "C1", "S1")
    create(app, K.COMPOUND_BRANCH, "B1", "C1")
    return app


# -- who sees what -------------------------------------------------------------------------------
def test_grid_people_are_for_staff_in_scope_only(app: App) -> None:
    grid = make_grid(app, "G1", "B1", leader_person_id="p-lead", worker_person_ids=["p-w"])
    for reader in (ANONYMOUS, RESIDENT, admin_of(app.org("S2").id)):
        shown = app.run(c.GetGrid(actor=reader, id=grid.id))
        assert shown.leader_person_id == "" and shown.worker_person_ids == ()
        assert shown.id == grid.id and shown.shape == grid.shape and shown.community_id == grid.community_id
        listed = app.run(c.ListGrids(actor=reader, organization_id=app.org("C1").id))
        assert [(g.leader_person_id, g.worker_person_ids) for g in listed] == [("", ())]
        located = app.run(c.LocateGrid(actor=reader, point=GeoPoint(28.605, 121.405)))
        assert located.grid.worker_person_ids == ()
    for staff in (OPERATOR, admin_of(app.org("S1").id)):
        assert app.run(c.GetGrid(actor=staff, id=grid.id)).worker_person_ids == ("p-w",)
    assert app.directory.grids[grid.id].worker_person_ids == ("p-w",)  # the stored grid is untouched


def test_asking_for_a_persons_grids_roles_or_scopes_is_for_that_person_and_staff(app: App) -> None:
    make_grid(app, "G1", "B1", worker_person_ids=["p-res"])
    app.run(c.GrantRole(actor=OPERATOR, person_id="p-res", organization_id=app.org("C1").id, role=Role.MEMBER))
    app.run(c.GrantRole(actor=OPERATOR, person_id="p-x", organization_id=app.org("C1").id, role=Role.DISPATCHER))
    with pytest.raises(Unauthenticated):
        app.run(c.ListGrids(person_id="p-res"))
    with pytest.raises(PermissionDenied):
        app.run(c.ListGrids(actor=RESIDENT, person_id="p-x"))
    assert [g.code for g in app.run(c.ListGrids(actor=RESIDENT, person_id="p-res"))] == ["G1"]
    with pytest.raises(Unauthenticated):
        app.run(c.GetVisibleScopes(person_id="p-res"))
    with pytest.raises(PermissionDenied):
        app.run(c.GetVisibleScopes(actor=RESIDENT, person_id="p-x"))
    assert [s.root.code for s in app.run(c.GetVisibleScopes(actor=RESIDENT, person_id="p-res"))] == ["C1"]
    with pytest.raises(Unauthenticated):
        app.run(c.ListRoles(organization_id=app.org("C1").id))
    # a resident sees only their own assignment, without who granted it
    own = app.run(c.ListRoles(actor=RESIDENT, organization_id=app.org("C1").id))
    assert [(a.person_id, a.granted_by) for a in own] == [("p-res", "")]
    everyone = app.run(c.ListRoles(actor=admin_of(app.org("S1").id), organization_id=app.org("C1").id))
    assert [(a.person_id, a.granted_by) for a in everyone] == [("p-res", "op-1"), ("p-x", "op-1")]
    assert app.run(c.ListRoles(actor=admin_of(app.org("S2").id), organization_id=app.org("C1").id)) == []


def test_station_duty_rosters_show_windows_only_outside_staff(app: App) -> None:
    station = make_station(app, "ST1", "C1")
    app.run(c.UpdateStation(actor=OPERATOR, id=station.id, mask=["duty_roster"], values=_roster_update()))
    public = app.run(c.GetStation(actor=ANONYMOUS, id=station.id))
    assert [(e.person_id, e.name, e.phone, e.window) for e in public.duty_roster] == [
        ("", "", "", TimeWindow(1, "08:00", "12:00"))
    ]
    assert [s.duty_roster for s in app.run(c.ListStations(actor=RESIDENT))] == [public.duty_roster]
    assert app.run(c.GetStation(actor=OPERATOR, id=station.id)).duty_roster == ROSTER
    wire = convert.station(public)
    assert "13800002222" not in str(wire) and "p-duty" not in str(wire)


def _roster_update() -> StationUpdate:
    return StationUpdate(duty_roster=ROSTER)


def test_sign_up_lists_name_only_the_reader(app: App) -> None:
    station = make_station(app, "ST1", "C1", capacity=10)
    event = make_event(app, station)
    mine = app.run(c.SignUpForEvent(actor=RESIDENT, event_id=event.id))
    app.run(c.SignUpForEvent(actor=OPERATOR, event_id=event.id, person_id="p-2"))
    assert sorted(mine.event.signups) == ["p-res"] and mine.event.visible_signups is None  # nothing hidden yet
    for reader, names in ((ANONYMOUS, []), (RESIDENT, ["p-res"]), (OPERATOR, ["p-2", "p-res"])):
        (shown,) = app.run(c.ListStationEvents(actor=reader, station_id=station.id))
        wire = convert.station_event(shown)
        assert list(wire.signed_up_person_ids) == names and wire.signup_count == 2
    again = app.run(c.SignUpForEvent(actor=RESIDENT, event_id=event.id))
    assert again.already_signed_up and list(convert.station_event(again.event).signed_up_person_ids) == ["p-res"]
    assert app.directory.station_events[event.id].signups == {"p-res", "p-2"}


def test_organisations_and_their_official_contacts_stay_public(app: App) -> None:
    org = app.run(c.GetOrganization(actor=ANONYMOUS, id=app.org("C1").id))
    assert org is app.org("C1")


def test_privacy_functions_return_the_value_itself_when_nothing_is_hidden(app: App) -> None:
    grid = make_grid(app, "G1", "B1")
    assert privacy.public_grid(grid) is grid
    station = make_station(app, "ST1", "C1")
    assert privacy.public_station(station) is station


# -- idempotency keys ----------------------------------------------------------------------------
def test_a_key_reused_for_another_payload_is_aborted_in_every_create(app: App) -> None:
    grid = make_grid(app, "G1", "B1")
    assert make_grid(app, "G1", "B1") is grid  # the same payload: the first result
    mark = len(app.repository.writes)
    with pytest.raises(Conflict) as other:
        make_grid(app, "G1", "B1", households_count=7)
    assert other.value.field == "idempotency_key" and app.writes_since(mark) == []
    station = make_station(app, "ST1", "C1")
    assert make_station(app, "ST1", "C1") is station
    with pytest.raises(Conflict):
        app.run(
            c.CreateStation(
                actor=OPERATOR,
                idempotency_key="k-ST1",
                organization_id=app.org("C1").id,
                kind=StationKind.SERVICE_POST,
                code="ST1",
                name=LocalizedText(en="ST1"),
            )
        )
    event = make_event(app, station)
    with pytest.raises(Conflict):
        app.run(
            c.ScheduleStationEvent(
                actor=OPERATOR,
                idempotency_key=f"ev-{station.code}-0",
                station_id=station.id,
                title=LocalizedText(en="another"),
                starts_at=NOW + timedelta(hours=1),
                ends_at=NOW + timedelta(hours=3),
            )
        )
    assert app.directory.station_events[event.id].title == LocalizedText(en="tea")


def test_keys_are_scoped_to_the_caller(app: App) -> None:
    first = make_grid(app, "G1", "B1")
    other_admin = Actor(identity=Identity.of("op-2", ["operator"]))
    second = app.run(
        c.CreateGrid(
            actor=other_admin,
            idempotency_key="k-G1",
            organization_id=app.org("B1").id,
            code="G2",
            name=LocalizedText(en="G2"),
            shape=cell(28.7, 121.4),
        )
    )
    assert second.id != first.id


# -- bounded input -------------------------------------------------------------------------------
def test_search_texts_and_ids_are_bounded_and_echoes_short(app: App) -> None:
    huge = "东" * 1_000_000
    started = time.perf_counter()
    with pytest.raises(InvalidArgument, match="query: must be at most 100 characters"):
        app.run(c.SearchOrganizations(query=huge))
    with pytest.raises(InvalidArgument) as bad_id:
        app.run(c.GetGrid(id="g" * 100_000))
    assert bad_id.value.field == "id" and len(str(bad_id.value)) < 120
    with pytest.raises(InvalidArgument, match="category"):
        app.run(c.ListResponders(category="x" * 100_000, org_id=app.org("C1").id))
    assert time.perf_counter() - started < 0.5


def test_nan_and_infinite_points_are_invalid(app: App) -> None:
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InvalidArgument, match=r"point\.lat"):
            app.run(c.LocateGrid(point=GeoPoint(bad, 121.4)))
        with pytest.raises(InvalidArgument):
            shape_from_polygon([GeoPoint(28.6, 121.4), GeoPoint(28.6, bad), GeoPoint(28.61, 121.41)])


# -- polygons --------------------------------------------------------------------------------------
def test_a_10000_vertex_polygon_is_refused_fast() -> None:
    vertices = circle(10_000)
    started = time.perf_counter()
    with pytest.raises(InvalidArgument, match=f"at most {MAX_GRID_POLYGON_VERTICES} vertices"):
        shape_from_polygon(vertices)
    assert time.perf_counter() - started < 0.5


def test_a_maximal_polygon_is_accepted_and_one_more_vertex_refused(app: App) -> None:
    assert len(shape_from_polygon(circle(MAX_GRID_POLYGON_VERTICES)).polygon.vertices) == MAX_GRID_POLYGON_VERTICES
    closed = circle(MAX_GRID_POLYGON_VERTICES)
    assert len(shape_from_polygon([*closed, closed[0]]).polygon.vertices) == MAX_GRID_POLYGON_VERTICES
    with pytest.raises(InvalidArgument):
        shape_from_polygon(circle(MAX_GRID_POLYGON_VERTICES + 1))
    grid = app.run(
        c.CreateGrid(
            actor=OPERATOR,
            organization_id=app.org("B1").id,
            code="GBIG",
            name=LocalizedText(en="big"),
            shape=shape_from_polygon(circle(MAX_GRID_POLYGON_VERTICES)),
        )
    )
    assert app.run(c.LocateGrid(point=GeoPoint(28.6, 121.4))).grid.id == grid.id


def test_a_self_intersecting_polygon_is_refused_before_any_lock(app: App) -> None:
    """The shape is validated while the message is converted, so the handler (and its
    locks) never sees an invalid or oversized polygon."""
    bowtie = [GeoPoint(28.6, 121.4), GeoPoint(28.61, 121.41), GeoPoint(28.6, 121.41), GeoPoint(28.61, 121.4)]
    with pytest.raises(InvalidArgument, match="intersects itself"):
        shape_from_polygon(bowtie)
