"""The organizations gRPC API against real FerretDB and Kafka."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2, timestamp_pb2

from linli.common.errors import FIELD_KEY
from linli.v1 import common_pb2
from linli.v1 import organizations_pb2 as pb
from tests.integration.organizations.conftest import OPERATOR, RunningOrganizations, start_organizations
from tests.support.identity import who
from tests.support.infra import Infra
from tests.support.topics import ce_type, read_topic

K = pb.OrganizationKind


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create(
    orgs: RunningOrganizations, kind: Any, parent: str = "", code: str = "", zh: str = "名称", **extra: Any
) -> pb.Organization:
    request = pb.CreateOrganizationRequest(
        kind=kind,
        code=code or unique("ORG"),
        parent_id=parent,
        name=common_pb2.LocalizedText(zh=zh, en="Name"),
        **extra,
    )
    result: pb.Organization = orgs.stub.CreateOrganization(request, metadata=OPERATOR, timeout=10)
    return result


def rpc_error(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def field_of(error: grpc.RpcError) -> str:
    return str(dict(error.trailing_metadata() or ()).get(FIELD_KEY, ""))


def events_for(infra: Infra, keys: set[str], expected: int, timeout: float = 20.0) -> list[tuple[str, str]]:
    """(ce_type, key) of the organizations topic's records for `keys`, in log order per key."""
    return [
        (ce_type(r), r.key.decode())
        for r in read_topic(infra.kafka_bootstrap, "linli.organizations.v1", keys, expected, timeout)
    ]


@pytest.fixture(scope="module")
def city(orgs: RunningOrganizations) -> dict[str, pb.Organization]:
    district = create(orgs, K.ORGANIZATION_KIND_DISTRICT, zh="椒江区")
    street = create(orgs, K.ORGANIZATION_KIND_STREET_OFFICE, district.id, zh="白云街道")
    community = create(orgs, K.ORGANIZATION_KIND_COMMUNITY_COMMITTEE, street.id, zh="东山社区")
    compound = create(orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, community.id, zh="东山小区党支部")
    building = create(orgs, K.ORGANIZATION_KIND_BUILDING_GROUP, compound.id, zh="12幢党小组")
    other_street = create(orgs, K.ORGANIZATION_KIND_STREET_OFFICE, district.id, zh="海门街道")
    return {
        "district": district,
        "street": street,
        "community": community,
        "compound": compound,
        "building": building,
        "other_street": other_street,
    }


def test_tree_queries(orgs: RunningOrganizations, city: dict[str, pb.Organization]) -> None:
    building = city["building"]
    assert list(building.path) == [city[k].id for k in ("district", "street", "community", "compound")]
    assert building.depth == 4
    ancestors = orgs.stub.GetAncestors(pb.GetAncestorsRequest(id=building.id), timeout=5).ancestors
    assert [a.name.zh for a in ancestors] == ["椒江区", "白云街道", "东山社区", "东山小区党支部"]
    children = orgs.stub.ListChildren(pb.ListChildrenRequest(parent_id=city["district"].id), timeout=5)
    assert {c.id for c in children.organizations} == {city["street"].id, city["other_street"].id}
    subtree = orgs.stub.ListSubtree(pb.ListSubtreeRequest(root_id=city["street"].id, include_root=True), timeout=5)
    expected = [city[k].id for k in ("street", "community", "compound", "building")]
    assert [o.id for o in subtree.organizations] == expected
    paged = orgs.stub.ListSubtree(
        pb.ListSubtreeRequest(root_id=city["district"].id, page=common_pb2.PageRequest(page_size=2)), timeout=5
    )
    assert len(paged.organizations) == 2 and paged.page.next_page_token and paged.page.total_size == 5
    found = orgs.stub.SearchOrganizations(pb.SearchOrganizationsRequest(query="东山"), timeout=5).organizations
    assert {o.id for o in found} >= {city["community"].id, city["compound"].id}
    by_code = orgs.stub.GetOrganization(pb.GetOrganizationRequest(code=city["community"].code), timeout=5)
    assert by_code.id == city["community"].id


def test_every_change_is_an_event_keyed_by_the_aggregate(
    infra: Infra, orgs: RunningOrganizations, city: dict[str, pb.Organization]
) -> None:
    org = create(orgs, K.ORGANIZATION_KIND_SOCIAL_ORGANIZATION, city["community"].id, zh="志愿者协会")
    orgs.stub.UpdateOrganization(
        pb.UpdateOrganizationRequest(
            id=org.id,
            expected_version=org.version,
            name=common_pb2.LocalizedText(zh="志愿者联合会", en="Volunteers"),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    orgs.stub.ArchiveOrganization(
        pb.ArchiveOrganizationRequest(id=org.id, reason="merged"), metadata=OPERATOR, timeout=5
    )
    assert events_for(infra, {org.id}, 3) == [
        ("org.linli.organization.created.v1", org.id),
        ("org.linli.organization.updated.v1", org.id),
        ("org.linli.organization.archived.v1", org.id),
    ]


def test_bad_input_gets_specific_errors_and_changes_nothing(
    orgs: RunningOrganizations, city: dict[str, pb.Organization]
) -> None:
    community = city["community"]
    empty_name = rpc_error(
        lambda: orgs.stub.CreateOrganization(
            pb.CreateOrganizationRequest(
                kind=K.ORGANIZATION_KIND_COMPOUND_BRANCH, code=unique("C"), parent_id=community.id
            ),
            metadata=OPERATOR,
        )
    )
    assert empty_name.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(empty_name).startswith("name")
    too_long = rpc_error(lambda: create(orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, community.id, zh="长" * 300))
    assert too_long.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(too_long) == "name.zh"
    unknown_parent = rpc_error(lambda: create(orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, "org_missing"))
    assert unknown_parent.code() == grpc.StatusCode.NOT_FOUND and field_of(unknown_parent) == "parent_id"
    duplicate = rpc_error(lambda: create(orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, community.id, code=community.code))
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS and field_of(duplicate) == "code"
    cycle = rpc_error(
        lambda: orgs.stub.MoveOrganization(
            pb.MoveOrganizationRequest(id=city["street"].id, new_parent_id=city["building"].id), metadata=OPERATOR
        )
    )
    assert cycle.code() == grpc.StatusCode.FAILED_PRECONDITION and field_of(cycle) == "new_parent_id"
    stale = rpc_error(
        lambda: orgs.stub.UpdateOrganization(
            pb.UpdateOrganizationRequest(
                id=community.id, expected_version=99, name=common_pb2.LocalizedText(zh="改名")
            ),
            metadata=OPERATOR,
        )
    )
    assert stale.code() == grpc.StatusCode.ABORTED
    anonymous = rpc_error(
        lambda: orgs.stub.CreateOrganization(
            pb.CreateOrganizationRequest(
                kind=K.ORGANIZATION_KIND_COMPOUND_BRANCH,
                code=unique("C"),
                parent_id=community.id,
                name=common_pb2.LocalizedText(zh="x"),
            )
        )
    )
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    other_admin = who("p-9", f"admin@{city['other_street'].id}")
    denied = rpc_error(
        lambda: orgs.stub.CreateOrganization(
            pb.CreateOrganizationRequest(
                kind=K.ORGANIZATION_KIND_COMPOUND_BRANCH,
                code=unique("C"),
                parent_id=community.id,
                name=common_pb2.LocalizedText(zh="x"),
            ),
            metadata=other_admin,
        )
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    bad_kind = rpc_error(lambda: create(orgs, 0, community.id))
    assert bad_kind.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(bad_kind) == "kind"
    bad_polygon = rpc_error(
        lambda: orgs.stub.CreateGrid(
            pb.CreateGridRequest(
                organization_id=community.id,
                code=unique("G"),
                name=common_pb2.LocalizedText(zh="网格"),
                shape=pb.GridShape(
                    polygon=pb.GridPolygon(
                        vertices=[
                            common_pb2.GeoPoint(lat=0, lng=0),
                            common_pb2.GeoPoint(lat=1, lng=1),
                            common_pb2.GeoPoint(lat=0, lng=1),
                            common_pb2.GeoPoint(lat=1, lng=0),
                        ]
                    )
                ),
            ),
            metadata=OPERATOR,
        )
    )
    assert bad_polygon.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(bad_polygon).startswith("shape")
    # nothing stored changed
    after = orgs.stub.GetOrganization(pb.GetOrganizationRequest(id=community.id), timeout=5)
    assert after == orgs.stub.GetOrganization(pb.GetOrganizationRequest(id=community.id), timeout=5)
    assert after.name.zh == "东山社区" and after.version == community.version
    children = orgs.stub.ListChildren(pb.ListChildrenRequest(parent_id=community.id), timeout=5).organizations
    assert [c.id for c in children] == [city["compound"].id]


def test_create_with_an_idempotency_key_returns_the_first_result(
    infra: Infra, orgs: RunningOrganizations, city: dict[str, pb.Organization]
) -> None:
    key = unique("key")
    code = unique("IDEM")
    first = create(orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, city["community"].id, code=code, idempotency_key=key)
    again = create(orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, city["community"].id, code=code, idempotency_key=key)
    assert again == first
    # the same key with another payload is refused (issue 10; it used to return the first)
    other = rpc_error(
        lambda: create(
            orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, city["community"].id, code=unique("IDEM"), idempotency_key=key
        )
    )
    assert other.code() == grpc.StatusCode.ABORTED and field_of(other) == "idempotency_key"
    assert events_for(infra, {first.id}, 1) == [("org.linli.organization.created.v1", first.id)]


def square(lat: float, lng: float, size: float) -> pb.GridShape:
    return pb.GridShape(
        polygon=pb.GridPolygon(
            vertices=[
                common_pb2.GeoPoint(lat=lat, lng=lng),
                common_pb2.GeoPoint(lat=lat, lng=lng + size),
                common_pb2.GeoPoint(lat=lat + size, lng=lng + size),
                common_pb2.GeoPoint(lat=lat + size, lng=lng),
            ]
        )
    )


def test_locate_grid_routes_a_point_to_grid_community_and_street(
    orgs: RunningOrganizations, city: dict[str, pb.Organization]
) -> None:
    grid = orgs.stub.CreateGrid(
        pb.CreateGridRequest(
            organization_id=city["compound"].id,
            code=unique("G"),
            name=common_pb2.LocalizedText(zh="东山一网格"),
            shape=square(28.60, 121.40, 0.01),
            households_count=420,
            leader_person_id="p-leader",
            worker_person_ids=["p-worker"],
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    assert grid.community_id == city["community"].id and grid.street_id == city["street"].id
    hit = orgs.stub.LocateGrid(pb.LocateGridRequest(point=common_pb2.GeoPoint(lat=28.605, lng=121.405)), timeout=5)
    assert hit.found and hit.grid.id == grid.id
    assert (hit.community.id, hit.street.id, hit.owner.id) == (
        city["community"].id,
        city["street"].id,
        city["compound"].id,
    )
    miss = orgs.stub.LocateGrid(pb.LocateGridRequest(point=common_pb2.GeoPoint(lat=10.0, lng=10.0)), timeout=5)
    assert not miss.found
    bad = rpc_error(lambda: orgs.stub.LocateGrid(pb.LocateGridRequest(point=common_pb2.GeoPoint(lat=91, lng=0))))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(bad) == "point.lat"
    # asking by person is for that person and staff (issue 10)
    mine = orgs.stub.ListGrids(pb.ListGridsRequest(person_id="p-worker"), metadata=OPERATOR, timeout=5).grids
    assert [g.id for g in mine] == [grid.id]


def test_moving_a_subtree_updates_paths_and_grid_context(
    infra: Infra, orgs: RunningOrganizations, city: dict[str, pb.Organization]
) -> None:
    community = create(orgs, K.ORGANIZATION_KIND_COMMUNITY_COMMITTEE, city["street"].id, zh="西山社区")
    compound = create(orgs, K.ORGANIZATION_KIND_COMPOUND_BRANCH, community.id, zh="西山小区")
    grid = orgs.stub.CreateGrid(
        pb.CreateGridRequest(
            organization_id=compound.id,
            code=unique("G"),
            name=common_pb2.LocalizedText(zh="西山网格"),
            shape=square(28.70, 121.50, 0.01),
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    moved = orgs.stub.MoveOrganization(
        pb.MoveOrganizationRequest(
            id=community.id, new_parent_id=city["other_street"].id, expected_version=community.version
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    assert moved.moved_descendants == 1
    assert list(moved.organization.path) == [city["district"].id, city["other_street"].id]
    child = orgs.stub.GetOrganization(pb.GetOrganizationRequest(id=compound.id), timeout=5)
    assert list(child.path) == [city["district"].id, city["other_street"].id, community.id]
    regridded = orgs.stub.GetGrid(pb.GetGridRequest(id=grid.id), timeout=5)
    assert regridded.street_id == city["other_street"].id
    assert ("org.linli.organization.moved.v1", community.id) in events_for(infra, {community.id}, 2)
    assert ("org.linli.grid.updated.v1", grid.id) in events_for(infra, {grid.id}, 2)


def test_stations_events_signups_and_attendance(orgs: RunningOrganizations, city: dict[str, pb.Organization]) -> None:
    station = orgs.stub.CreateStation(
        pb.CreateStationRequest(
            organization_id=city["community"].id,
            kind=pb.STATION_KIND_LIVING_ROOM,
            code=unique("ST"),
            name=common_pb2.LocalizedText(zh="东山会客厅"),
            capacity=40,
            opening_hours=[common_pb2.TimeWindow(weekday=d, start="08:30", end="17:30") for d in range(1, 6)],
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    starts = timestamp_pb2.Timestamp(seconds=int(time.time()) + 2)
    ends = timestamp_pb2.Timestamp(seconds=starts.seconds + 7200)
    event = orgs.stub.ScheduleStationEvent(
        pb.ScheduleStationEventRequest(
            station_id=station.id, title=common_pb2.LocalizedText(zh="义诊"), starts_at=starts, ends_at=ends, capacity=2
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    resident = who("resident-1", "resident")
    signed = orgs.stub.SignUpForEvent(pb.SignUpForEventRequest(event_id=event.id), metadata=resident, timeout=5)
    assert signed.event.signup_count == 1 and not signed.already_signed_up
    again = orgs.stub.SignUpForEvent(pb.SignUpForEventRequest(event_id=event.id), metadata=resident, timeout=5)
    assert again.already_signed_up and again.event.signup_count == 1
    other = who("resident-2", "resident")
    for_someone_else = rpc_error(
        lambda: orgs.stub.SignUpForEvent(
            pb.SignUpForEventRequest(event_id=event.id, person_id="resident-3"), metadata=other
        )
    )
    assert for_someone_else.code() == grpc.StatusCode.PERMISSION_DENIED
    orgs.stub.SignUpForEvent(pb.SignUpForEventRequest(event_id=event.id), metadata=other, timeout=5)
    full = rpc_error(
        lambda: orgs.stub.SignUpForEvent(pb.SignUpForEventRequest(event_id=event.id), metadata=who("resident-4"))
    )
    assert full.code() == grpc.StatusCode.FAILED_PRECONDITION
    early = rpc_error(
        lambda: orgs.stub.RecordAttendance(
            pb.RecordAttendanceRequest(event_id=event.id, attendance_count=2), metadata=OPERATOR
        )
    )
    assert early.code() == grpc.StatusCode.FAILED_PRECONDITION  # the event has not started
    time.sleep(max(0.0, starts.seconds - time.time()) + 0.1)
    attended = orgs.stub.RecordAttendance(
        pb.RecordAttendanceRequest(event_id=event.id, attendance_count=2), metadata=OPERATOR, timeout=5
    )
    assert attended.attendance_count == 2
    listed = orgs.stub.ListStationEvents(pb.ListStationEventsRequest(station_id=station.id), timeout=5).events
    assert [e.id for e in listed] == [event.id]


def test_roles_define_what_a_person_may_see(orgs: RunningOrganizations, city: dict[str, pb.Organization]) -> None:
    person = unique("person")
    grant = pb.GrantRoleRequest(
        person_id=person, organization_id=city["community"].id, role=pb.ORGANIZATION_ROLE_DISPATCHER
    )
    assignment = orgs.stub.GrantRole(grant, metadata=OPERATOR, timeout=5)
    assert assignment.active and assignment.granted_by == "op-1"
    orgs.stub.GrantRole(
        pb.GrantRoleRequest(
            person_id=person, organization_id=city["compound"].id, role=pb.ORGANIZATION_ROLE_GRID_WORKER
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    scopes = orgs.stub.GetVisibleScopes(pb.GetVisibleScopesRequest(person_id=person), metadata=OPERATOR, timeout=5)
    assert list(scopes.root_ids) == [city["community"].id]
    assert [s.nested for s in scopes.scopes] == [False, True]
    revoked = orgs.stub.RevokeRole(
        pb.RevokeRoleRequest(
            person_id=person, organization_id=city["community"].id, role=pb.ORGANIZATION_ROLE_DISPATCHER
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    assert revoked.was_active and not revoked.assignment.active
    scopes = orgs.stub.GetVisibleScopes(pb.GetVisibleScopesRequest(person_id=person), metadata=OPERATOR, timeout=5)
    assert list(scopes.root_ids) == [city["compound"].id]


def test_a_restarted_service_reloads_everything_and_repairs_interrupted_moves(
    infra: Infra, orgs: RunningOrganizations, city: dict[str, pb.Organization]
) -> None:
    database = orgs.config.mongo_db
    collection = orgs.service.repository.stores[type(orgs.service.organization(city["building"].id))].collection
    # as if the service died after moving the compound's parent link but before fixing the paths below it
    collection.update_one({"_id": city["building"].id}, {"$set": {"path": ["stale"]}})
    orgs.stop()
    restarted = start_organizations(infra, database)
    try:
        building = restarted.stub.GetOrganization(pb.GetOrganizationRequest(id=city["building"].id), timeout=5)
        assert list(building.path) == list(city["building"].path)
        reloaded = restarted.service.repository.stores[type(restarted.service.organization(building.id))].collection
        stored = reloaded.find_one({"_id": city["building"].id})
        assert stored is not None and stored["path"] == list(city["building"].path)  # repaired in the database too
        assert restarted.service.directory.organizations.keys() >= {o.id for o in city.values()}
    finally:
        orgs.runtime, orgs.channel, orgs.stub, orgs.service = (
            restarted.runtime,
            restarted.channel,
            restarted.stub,
            restarted.service,
        )
