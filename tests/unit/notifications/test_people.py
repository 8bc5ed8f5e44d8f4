"""The people directory over fake gRPC stubs: what it asks, as whom, how it caches (TTL and
size bound), and what a missing or unreachable peer gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from linli.common.errors import Unavailable
from linli.common.identity import Identity, current_identity
from linli.notifications.adapters.people import GrpcPeopleDirectory, TtlCache
from linli.notifications.domain.model import EventFacts
from linli.v1 import common_pb2, organizations_pb2, volunteers_pb2


class FakeRpcError(grpc.RpcError):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode, details: str = "") -> None:
        self._code = code
        self._details = details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[()]:
        return ()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeStub:
    """Records every call (method, request, the identity it ran as, its timeout)."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any, Identity, float | None]] = []
        self.down = False

    def __getattr__(self, name: str) -> Any:
        def method(request: Any, timeout: float | None = None) -> Any:
            self.calls.append((name, request, current_identity.get(), timeout))
            if self.down:
                raise FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused")
            answer = self.answers[name]
            result = answer(request) if callable(answer) else answer
            if isinstance(result, grpc.StatusCode):
                raise FakeRpcError(result, "not found")
            return result

        return method


def role(
    person: str, org: str, value: organizations_pb2.OrganizationRole, active: bool = True
) -> organizations_pb2.RoleAssignment:
    return organizations_pb2.RoleAssignment(person_id=person, organization_id=org, role=value, active=active)


def list_roles(request: organizations_pb2.ListRolesRequest) -> organizations_pb2.ListRolesResponse:
    dispatcher = organizations_pb2.ORGANIZATION_ROLE_DISPATCHER
    if request.organization_id == "c1":
        pages = {
            "": (
                [role("p-d1", "c1", dispatcher), role("p-old", "c1", dispatcher, active=False)],
                "next",
            ),
            "next": ([role("p-d2", "c1", dispatcher), role("p-d1", "c1", dispatcher)], ""),
        }
        items, token = pages[request.page.page_token]
        return organizations_pb2.ListRolesResponse(assignments=items, page=common_pb2.PageInfo(next_page_token=token))
    return organizations_pb2.ListRolesResponse()


def volunteer(request: volunteers_pb2.GetVolunteerRequest) -> Any:
    if request.id.startswith("v-"):
        return volunteers_pb2.Volunteer(id=request.id, person_id="p-" + request.id[2:])
    return grpc.StatusCode.NOT_FOUND


def ancestors(request: organizations_pb2.GetAncestorsRequest) -> Any:
    if request.id == "c1":
        return organizations_pb2.GetAncestorsResponse(
            ancestors=[organizations_pb2.Organization(id="d1"), organizations_pb2.Organization(id="s1")]
        )
    return grpc.StatusCode.NOT_FOUND


def team(request: volunteers_pb2.GetTeamRequest) -> Any:
    if request.id == "t1":
        return volunteers_pb2.TeamRoster(team=volunteers_pb2.Team(id="t1", leader_volunteer_id="v-lead"))
    return grpc.StatusCode.NOT_FOUND


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def orgs() -> FakeStub:
    return FakeStub({"ListRoles": list_roles, "GetAncestors": ancestors})


@pytest.fixture
def vols() -> FakeStub:
    return FakeStub({"GetVolunteer": volunteer, "GetTeam": team})


@pytest.fixture
def directory(orgs: FakeStub, vols: FakeStub, clock: Clock) -> GrpcPeopleDirectory:
    return GrpcPeopleDirectory(
        "unused:1",
        "unused:2",
        ttl_seconds=60,
        negative_ttl_seconds=5,
        max_entries=3,
        timeout=1.5,
        clock=clock,
        organizations_stub=orgs,
        volunteers_stub=vols,
    )


def test_role_holders_pages_keeps_active_holders_at_that_org_and_caches(
    directory: GrpcPeopleDirectory, orgs: FakeStub, clock: Clock
) -> None:
    assert directory.role_holders("dispatcher", "c1") == ("p-d1", "p-d2")
    assert len(orgs.calls) == 2  # two pages
    name, request, identity, timeout = orgs.calls[0]
    assert name == "ListRoles"
    assert request.organization_id == "c1" and list(request.roles) == [organizations_pb2.ORGANIZATION_ROLE_DISPATCHER]
    assert not request.include_subtree
    assert identity.subject == "system" and identity.has_role("system")
    assert timeout == 1.5
    assert directory.role_holders("dispatcher", "c1") == ("p-d1", "p-d2")
    assert len(orgs.calls) == 2  # cached
    clock.now += 61
    directory.role_holders("dispatcher", "c1")
    assert len(orgs.calls) == 4  # expired, asked again


def test_unknown_roles_and_empty_orgs_ask_nothing(directory: GrpcPeopleDirectory, orgs: FakeStub) -> None:
    assert directory.role_holders("mayor", "c1") == ()
    assert directory.role_holders("dispatcher", "") == ()
    assert orgs.calls == []


def test_no_holder_is_cached_for_the_short_time(directory: GrpcPeopleDirectory, orgs: FakeStub, clock: Clock) -> None:
    assert directory.role_holders("liaison", "dept-x") == ()
    directory.role_holders("liaison", "dept-x")
    assert len(orgs.calls) == 1
    clock.now += 6
    directory.role_holders("liaison", "dept-x")
    assert len(orgs.calls) == 2


def test_ancestors_nearest_first_and_unknown_org(directory: GrpcPeopleDirectory) -> None:
    assert directory.ancestors("c1") == ("s1", "d1")
    assert directory.ancestors("nowhere") == ()
    assert directory.ancestors("") == ()


def test_volunteers_to_persons_skips_unknown(directory: GrpcPeopleDirectory, vols: FakeStub) -> None:
    assert directory.persons_of_volunteers(["v-1", "ghost", "v-2", "v-1", ""]) == {"v-1": "p-1", "v-2": "p-2"}
    assert [c[0] for c in vols.calls] == ["GetVolunteer"] * 3
    assert all(c[2].subject == "system" for c in vols.calls)


def test_team_leader_is_the_leaders_person(directory: GrpcPeopleDirectory, vols: FakeStub) -> None:
    assert directory.team_leader("t1") == "p-lead"
    assert directory.team_leader("t1") == "p-lead"
    assert [c[0] for c in vols.calls] == ["GetTeam", "GetVolunteer"]
    assert directory.team_leader("t-missing") == ""


def test_the_cache_is_bounded(directory: GrpcPeopleDirectory, vols: FakeStub) -> None:
    directory.persons_of_volunteers([f"v-{i}" for i in range(10)])
    assert len(directory._volunteers) == 3
    vols.calls.clear()
    directory.persons_of_volunteers(["v-9"])  # recent: still cached
    directory.persons_of_volunteers(["v-0"])  # evicted: asked again
    assert [c[1].id for c in vols.calls] == ["v-0"]


def test_a_peer_down_raises_unavailable_and_caches_nothing(
    directory: GrpcPeopleDirectory, orgs: FakeStub, vols: FakeStub
) -> None:
    orgs.down = True
    with pytest.raises(Unavailable):
        directory.role_holders("dispatcher", "c1")
    vols.down = True
    with pytest.raises(Unavailable):
        directory.persons_of_volunteers(["v-1"])
    orgs.down = vols.down = False
    assert directory.role_holders("dispatcher", "c1") == ("p-d1", "p-d2")
    assert directory.persons_of_volunteers(["v-1"]) == {"v-1": "p-1"}


def test_the_callers_identity_is_restored(directory: GrpcPeopleDirectory, orgs: FakeStub) -> None:
    caller = Identity.of("p-someone", ["resident"])
    token = current_identity.set(caller)
    try:
        directory.ancestors("c1")
        assert current_identity.get() is caller
    finally:
        current_identity.reset(token)
    assert orgs.calls[0][2].subject == "system"


def test_ttl_cache_expiry_and_lru() -> None:
    clock = Clock()
    cache: TtlCache[str] = TtlCache(2, clock)
    cache.put("a", "1", ttl=10)
    cache.put("b", "2", ttl=10)
    assert cache.get("a") == (True, "1")
    cache.put("c", "3", ttl=10)  # b is the least recently used
    assert cache.get("b") == (False, None)
    clock.now += 11
    assert cache.get("a") == (False, None)
    assert len(cache) == 1


def test_signed_up_reads_the_station_calendar_as_the_system(clock: Clock, vols: FakeStub) -> None:
    def events(request: organizations_pb2.ListStationEventsRequest) -> Any:
        assert request.station_id == "st1"
        if request.page.page_token == "":
            return organizations_pb2.ListStationEventsResponse(
                events=[organizations_pb2.StationEvent(id="ev-0")], page=common_pb2.PageInfo(next_page_token="2")
            )
        return organizations_pb2.ListStationEventsResponse(
            events=[organizations_pb2.StationEvent(id="ev-1", signed_up_person_ids=["p-a", "p-b", "p-a"])]
        )

    orgs = FakeStub({"ListStationEvents": events})
    directory = GrpcPeopleDirectory("x:1", "x:2", clock=clock, organizations_stub=orgs, volunteers_stub=vols)
    assert directory.signed_up("st1", "ev-1") == ("p-a", "p-b")
    assert directory.signed_up("st1", "ev-9") == ()
    assert directory.signed_up("", "ev-1") == ()
    assert all(call[2].subject == "system" for call in orgs.calls)


def test_a_registration_seen_on_the_volunteers_topic_spares_the_lookup(
    directory: GrpcPeopleDirectory, vols: FakeStub
) -> None:
    directory.observe(
        EventFacts(
            event_id="e1",
            event_type="org.linli.volunteer.registered.v1",
            source="/linli/volunteers",
            subject_id="v-new",
            occurred_at=datetime(2025, 3, 1, tzinfo=UTC),
            people={"volunteer_person": ("p-new",)},
            volunteer_ids={"volunteer": ("v-new",)},
        )
    )
    assert directory.persons_of_volunteers(["v-new"]) == {"v-new": "p-new"}
    assert vols.calls == []
