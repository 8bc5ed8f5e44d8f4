"""Issue 10 over real gRPC: anonymous reads of the organizations service carry only public
fields; idempotency keys are bound to their payload; oversized input is refused fast."""

from __future__ import annotations

import math
import time

import grpc
from google.protobuf import timestamp_pb2

from linli.v1 import common_pb2
from linli.v1 import organizations_pb2 as pb
from tests.integration.organizations.conftest import OPERATOR, RunningOrganizations
from tests.integration.organizations.test_organizations_api import K, create, field_of, rpc_error, unique
from tests.support.identity import who

RESIDENT = who("resident-9", "resident")


def ring(n: int, lat: float, lng: float, radius: float = 0.004) -> list[common_pb2.GeoPoint]:
    return [
        common_pb2.GeoPoint(
            lat=lat + radius * math.sin(2 * math.pi * i / n), lng=lng + radius * math.cos(2 * math.pi * i / n)
        )
        for i in range(n)
    ]


def test_anonymous_reads_carry_no_person_data(orgs: RunningOrganizations) -> None:
    street = create(orgs, K.ORGANIZATION_KIND_STREET_OFFICE, zh="隐私街道")
    community = create(
        orgs,
        K.ORGANIZATION_KIND_COMMUNITY_COMMITTEE,
        street.id,
        zh="隐私社区",
        contacts=[common_pb2.Contact(name="社区值班室", phone="0576-88880000", role="duty phone")],
    )
    grid = orgs.stub.CreateGrid(
        pb.CreateGridRequest(
            organization_id=community.id,
            code=unique("GP"),
            name=common_pb2.LocalizedText(zh="隐私网格"),
            shape=pb.GridShape(polygon=pb.GridPolygon(vertices=ring(12, 29.5, 122.5))),
            leader_person_id="p-grid-leader",
            worker_person_ids=["p-grid-worker"],
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    station = orgs.stub.CreateStation(
        pb.CreateStationRequest(
            organization_id=community.id,
            kind=pb.STATION_KIND_LIVING_ROOM,
            code=unique("SP"),
            name=common_pb2.LocalizedText(zh="隐私会客厅"),
            duty_roster=[
                pb.DutyRosterEntry(
                    person_id="p-duty",
                    name="值班张三",
                    phone="13900001234",
                    window=common_pb2.TimeWindow(weekday=1, start="08:00", end="12:00"),
                )
            ],
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    starts = timestamp_pb2.Timestamp(seconds=int(time.time()) + 3600)
    event = orgs.stub.ScheduleStationEvent(
        pb.ScheduleStationEventRequest(
            station_id=station.id,
            title=common_pb2.LocalizedText(zh="茶话会"),
            starts_at=starts,
            ends_at=timestamp_pb2.Timestamp(seconds=starts.seconds + 3600),
        ),
        metadata=OPERATOR,
        timeout=5,
    )
    orgs.stub.SignUpForEvent(pb.SignUpForEventRequest(event_id=event.id), metadata=RESIDENT, timeout=5)
    orgs.stub.GrantRole(
        pb.GrantRoleRequest(person_id="p-disp", organization_id=community.id, role=pb.ORGANIZATION_ROLE_DISPATCHER),
        metadata=OPERATOR,
        timeout=5,
    )

    secrets = ("p-grid-leader", "p-grid-worker", "p-duty", "值班张三", "13900001234", "resident-9", "p-disp", "op-1")
    anonymous = [
        orgs.stub.GetGrid(pb.GetGridRequest(id=grid.id), timeout=5),
        orgs.stub.ListGrids(pb.ListGridsRequest(organization_id=community.id), timeout=5),
        orgs.stub.LocateGrid(pb.LocateGridRequest(point=common_pb2.GeoPoint(lat=29.5, lng=122.5)), timeout=5),
        orgs.stub.GetStation(pb.GetStationRequest(id=station.id), timeout=5),
        orgs.stub.ListStations(pb.ListStationsRequest(organization_id=community.id), timeout=5),
        orgs.stub.ListStationEvents(pb.ListStationEventsRequest(station_id=station.id), timeout=5),
    ]
    for answer in anonymous:
        text = str(answer)
        assert not [s for s in secrets if s in text], (type(answer).__name__, text)
    located = anonymous[2]
    assert located.found and located.grid.id == grid.id
    public_station = anonymous[3]
    assert public_station.duty_roster[0].window.start == "08:00"
    assert anonymous[5].events[0].signup_count == 1
    # the organisation's official duty phone stays public
    shown = orgs.stub.GetOrganization(pb.GetOrganizationRequest(id=community.id), timeout=5)
    assert shown.contacts[0].phone == "0576-88880000"
    # role holders and a person's scopes are not for anonymous callers
    roles = rpc_error(lambda: orgs.stub.ListRoles(pb.ListRolesRequest(organization_id=community.id), timeout=5))
    assert roles.code() == grpc.StatusCode.UNAUTHENTICATED
    scopes = rpc_error(lambda: orgs.stub.GetVisibleScopes(pb.GetVisibleScopesRequest(person_id="p-disp"), timeout=5))
    assert scopes.code() == grpc.StatusCode.UNAUTHENTICATED
    by_person = rpc_error(lambda: orgs.stub.ListGrids(pb.ListGridsRequest(person_id="p-grid-worker"), timeout=5))
    assert by_person.code() == grpc.StatusCode.UNAUTHENTICATED
    # the resident sees their own sign-up, staff see everything
    own = orgs.stub.ListStationEvents(pb.ListStationEventsRequest(station_id=station.id), metadata=RESIDENT, timeout=5)
    assert list(own.events[0].signed_up_person_ids) == ["resident-9"]
    staff = orgs.stub.GetGrid(pb.GetGridRequest(id=grid.id), metadata=OPERATOR, timeout=5)
    assert list(staff.worker_person_ids) == ["p-grid-worker"]
    staff_station = orgs.stub.GetStation(pb.GetStationRequest(id=station.id), metadata=OPERATOR, timeout=5)
    assert staff_station.duty_roster[0].phone == "13900001234"


def test_a_key_reused_with_another_payload_is_aborted_and_stores_nothing(orgs: RunningOrganizations) -> None:
    street = create(orgs, K.ORGANIZATION_KIND_STREET_OFFICE, zh="幂等街道")
    key = unique("key")
    request = pb.CreateOrganizationRequest(
        idempotency_key=key,
        kind=K.ORGANIZATION_KIND_COMMUNITY_COMMITTEE,
        code=unique("IDEM"),
        parent_id=street.id,
        name=common_pb2.LocalizedText(zh="幂等社区"),
    )
    first = orgs.stub.CreateOrganization(request, metadata=OPERATOR, timeout=5)
    assert orgs.stub.CreateOrganization(request, metadata=OPERATOR, timeout=5).id == first.id
    other = pb.CreateOrganizationRequest()
    other.CopyFrom(request)
    other.name.zh = "另一个社区"
    aborted = rpc_error(lambda: orgs.stub.CreateOrganization(other, metadata=OPERATOR, timeout=5))
    assert aborted.code() == grpc.StatusCode.ABORTED and field_of(aborted) == "idempotency_key"
    assert orgs.stub.GetOrganization(pb.GetOrganizationRequest(id=first.id), timeout=5).name.zh == "幂等社区"


def test_oversized_and_non_finite_input_is_refused_fast(orgs: RunningOrganizations) -> None:
    street = create(orgs, K.ORGANIZATION_KIND_STREET_OFFICE, zh="边界街道")
    community = create(orgs, K.ORGANIZATION_KIND_COMMUNITY_COMMITTEE, street.id, zh="边界社区")
    started = time.perf_counter()
    huge = rpc_error(
        lambda: orgs.stub.CreateGrid(
            pb.CreateGridRequest(
                organization_id=community.id,
                code=unique("GH"),
                name=common_pb2.LocalizedText(zh="巨型网格"),
                shape=pb.GridShape(polygon=pb.GridPolygon(vertices=ring(10_000, 29.7, 122.7))),
            ),
            metadata=OPERATOR,
            timeout=5,
        )
    )
    assert time.perf_counter() - started < 0.5
    assert huge.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(huge) == "shape.polygon.vertices"
    assert "2000" in (huge.details() or "")
    biggest = orgs.stub.CreateGrid(
        pb.CreateGridRequest(
            organization_id=community.id,
            code=unique("GM"),
            name=common_pb2.LocalizedText(zh="最大网格"),
            shape=pb.GridShape(polygon=pb.GridPolygon(vertices=ring(2_000, 29.8, 122.8))),
        ),
        metadata=OPERATOR,
        timeout=10,
    )
    assert len(biggest.shape.polygon.vertices) == 2_000
    nan = rpc_error(
        lambda: orgs.stub.LocateGrid(pb.LocateGridRequest(point=common_pb2.GeoPoint(lat=math.nan, lng=1)), timeout=5)
    )
    assert nan.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(nan) == "point.lat"
    search = rpc_error(
        lambda: orgs.stub.SearchOrganizations(pb.SearchOrganizationsRequest(query="东" * 1_000_000), timeout=10)
    )
    assert search.code() == grpc.StatusCode.INVALID_ARGUMENT and len(search.details() or "") < 200
    long_id = rpc_error(lambda: orgs.stub.GetStation(pb.GetStationRequest(id="s" * 100_000), timeout=5))
    assert long_id.code() == grpc.StatusCode.INVALID_ARGUMENT and len(long_id.details() or "") < 200
    token = rpc_error(
        lambda: orgs.stub.ListGrids(
            pb.ListGridsRequest(page=common_pb2.PageRequest(page_token="t" * 10_000)), timeout=5
        )
    )
    assert token.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(token) == "page.page_token"
