"""The volunteers gRPC API against real FerretDB and Kafka: profiles, teams, the ledger,
matching and the events they publish."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2

from linli.v1 import common_pb2
from linli.v1 import volunteers_pb2 as pb
from linli.volunteers.domain.model import LedgerEntry, Team, Volunteer
from tests.integration.volunteers.conftest import (
    COMMUNITY,
    OPERATOR,
    OTHER_COMMUNITY,
    STREET,
    RunningVolunteers,
    person,
)
from tests.integration.volunteers.support import (
    MONDAY_10,
    events_for,
    field_of,
    register,
    registration,
    rpc_error,
    timestamp,
    unique,
    window,
)
from tests.support.infra import Infra


def stored_counts(vols: RunningVolunteers) -> dict[str, int]:
    stores = vols.services.core.repository.stores
    return {kind.__name__: stores[kind].collection.count_documents({}) for kind in (Volunteer, Team, LedgerEntry)}


def test_register_read_update_and_identity_card(vols: RunningVolunteers) -> None:
    me = unique("person")
    mine = person(me)
    created = register(
        vols,
        mine,
        person_id=me,
        skills=["plumbing", "first_aid"],
        posts=["safety_patrol"],
        workplace_community_id=OTHER_COMMUNITY,
    )
    assert created.id.startswith("vol_") and created.version == 1
    assert created.status == pb.VOLUNTEER_STATUS_ACTIVE and created.phone == "13800001111"
    assert created.HasField("home") and list(created.skills) == ["plumbing", "first_aid"]

    stranger = vols.stub.GetVolunteer(pb.GetVolunteerRequest(id=created.id), metadata=person("nosy"), timeout=5)
    assert stranger.phone == "" and not stranger.HasField("home") and stranger.display_name == "王秀英"
    admin = vols.stub.GetVolunteer(
        pb.GetVolunteerRequest(person_id=me), metadata=person("adm", f"admin@{STREET}"), timeout=5
    )
    assert admin.id == created.id and admin.phone == "13800001111"

    updated = vols.stub.UpdateVolunteer(
        pb.UpdateVolunteerRequest(
            id=created.id,
            expected_version=1,
            skills=["tutoring"],
            display_name="",
            update_mask=field_mask_pb2.FieldMask(paths=["skills"]),
        ),
        metadata=mine,
        timeout=5,
    )
    assert list(updated.skills) == ["tutoring"] and updated.version == 2 and updated.display_name == "王秀英"
    stale = rpc_error(
        lambda: vols.stub.UpdateVolunteer(
            pb.UpdateVolunteerRequest(id=created.id, expected_version=1, display_name="李四"), metadata=mine, timeout=5
        )
    )
    assert stale.code() == grpc.StatusCode.ABORTED and field_of(stale) == "expected_version"
    bad_path = rpc_error(
        lambda: vols.stub.UpdateVolunteer(
            pb.UpdateVolunteerRequest(id=created.id, update_mask=field_mask_pb2.FieldMask(paths=["status"])),
            metadata=mine,
            timeout=5,
        )
    )
    assert bad_path.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(bad_path) == "update_mask.paths[0]"
    other = rpc_error(
        lambda: vols.stub.UpdateVolunteer(
            pb.UpdateVolunteerRequest(id=created.id, display_name="冒名"), metadata=person("someone-else"), timeout=5
        )
    )
    assert other.code() == grpc.StatusCode.PERMISSION_DENIED

    card = vols.stub.GetIdentityCard(pb.GetIdentityCardRequest(volunteer_id=created.id), timeout=5)
    assert card.display_name == "王秀英" and card.active and card.home_community_id == COMMUNITY
    assert [(p.code, p.name.zh) for p in card.posts] == [("safety_patrol", "平安巡逻岗")]
    assert "13800001111" not in str(card)


def test_suspend_and_reactivate_need_staff_in_scope(vols: RunningVolunteers) -> None:
    volunteer = register(vols)
    request = pb.SuspendVolunteerRequest(id=volunteer.id, reason="repeated no-shows")
    denied = rpc_error(lambda: vols.stub.SuspendVolunteer(request, metadata=person(volunteer.person_id), timeout=5))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    anonymous = rpc_error(lambda: vols.stub.SuspendVolunteer(request, timeout=5))
    assert anonymous.code() == grpc.StatusCode.UNAUTHENTICATED
    other_admin = rpc_error(
        lambda: vols.stub.SuspendVolunteer(request, metadata=person("adm-west", f"admin@{OTHER_COMMUNITY}"), timeout=5)
    )
    assert other_admin.code() == grpc.StatusCode.PERMISSION_DENIED
    street_admin = person("adm-street", f"admin@{STREET}")  # scope above the community: asks the tree
    suspended = vols.stub.SuspendVolunteer(request, metadata=street_admin, timeout=5)
    assert suspended.status == pb.VOLUNTEER_STATUS_SUSPENDED and suspended.suspension_reason == "repeated no-shows"
    again = vols.stub.SuspendVolunteer(request, metadata=street_admin, timeout=5)
    assert again.version == suspended.version  # suspending a suspended volunteer changes nothing
    hidden = vols.stub.SearchVolunteers(
        pb.SearchVolunteersRequest(community_id=COMMUNITY, page=common_pb2.PageRequest(page_size=500))
    )
    assert volunteer.id not in {v.id for v in hidden.volunteers}
    reactivated = vols.stub.ReactivateVolunteer(pb.ReactivateVolunteerRequest(id=volunteer.id), metadata=OPERATOR)
    assert reactivated.status == pb.VOLUNTEER_STATUS_ACTIVE and not reactivated.HasField("suspended_at")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"skills": ["plumbing", "juggling"]}, grpc.StatusCode.INVALID_ARGUMENT, "skills[1]"),
        ({"posts": ["mayor"]}, grpc.StatusCode.INVALID_ARGUMENT, "posts[0]"),
        ({"home": common_pb2.GeoPoint(lat=91.0, lng=121.4)}, grpc.StatusCode.INVALID_ARGUMENT, "home.lat"),
        ({"home": common_pb2.GeoPoint(lat=28.6, lng=181.0)}, grpc.StatusCode.INVALID_ARGUMENT, "home.lng"),
        ({"home": None}, grpc.StatusCode.INVALID_ARGUMENT, "home"),
        (
            {"availability": [window(1, "08:00", "12:00"), window(1, "11:00", "13:00")]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "availability[1]",
        ),
        ({"availability": [window(2, "18:00", "09:00")]}, grpc.StatusCode.INVALID_ARGUMENT, "availability[0].end"),
        ({"availability": [window(8, "08:00", "09:00")]}, grpc.StatusCode.INVALID_ARGUMENT, "availability[0].weekday"),
        ({"service_radius_km": -1.0}, grpc.StatusCode.INVALID_ARGUMENT, "service_radius_km"),
        ({"max_concurrent_tasks": 99}, grpc.StatusCode.INVALID_ARGUMENT, "max_concurrent_tasks"),
        ({"display_name": ""}, grpc.StatusCode.INVALID_ARGUMENT, "display_name"),
        ({"languages": ["chinese!"]}, grpc.StatusCode.INVALID_ARGUMENT, "languages[0]"),
    ],
)
def test_bad_registrations_name_the_field_and_store_nothing(
    vols: RunningVolunteers, overrides: dict[str, Any], code: grpc.StatusCode, field: str
) -> None:
    before = stored_counts(vols)
    error = rpc_error(lambda: register(vols, **overrides))
    assert error.code() == code and field_of(error) == field
    assert field.partition("[")[0].partition(".")[0] in (error.details() or "")
    assert stored_counts(vols) == before


def test_duplicate_registration_and_idempotent_retry(infra: Infra, vols: RunningVolunteers) -> None:
    request = registration()
    first = vols.stub.RegisterVolunteer(
        pb.RegisterVolunteerRequest(idempotency_key="k1", **_fields(request)), metadata=OPERATOR, timeout=5
    )
    retry = vols.stub.RegisterVolunteer(
        pb.RegisterVolunteerRequest(idempotency_key="k1", **_fields(request)), metadata=OPERATOR, timeout=5
    )
    assert retry.id == first.id and retry.version == 1
    before = stored_counts(vols)
    duplicate = rpc_error(
        lambda: vols.stub.RegisterVolunteer(
            pb.RegisterVolunteerRequest(idempotency_key="k2", **_fields(request)), metadata=OPERATOR, timeout=5
        )
    )
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS and field_of(duplicate) == "person_id"
    assert first.id in (duplicate.details() or "")
    assert stored_counts(vols) == before
    assert events_for(infra, {first.id}, 1) == [("org.linli.volunteer.registered.v1", first.id)]


def _fields(request: pb.RegisterVolunteerRequest) -> dict[str, Any]:
    return {f.name: v for f, v in request.ListFields() if f.name != "idempotency_key"}


def test_search_by_community_skill_post_and_team(vols: RunningVolunteers) -> None:
    community = unique("org_c")
    a = register(vols, home_community_id=community, skills=["plumbing"], posts=["safety_patrol"])
    b = register(vols, home_community_id=community, skills=["tutoring"], posts=["safety_patrol"])
    c = register(vols, home_community_id=OTHER_COMMUNITY, workplace_community_id=community, skills=["tutoring"])

    def search(**filters: Any) -> list[str]:
        found = vols.stub.SearchVolunteers(pb.SearchVolunteersRequest(**filters), timeout=5)
        return [v.id for v in found.volunteers]

    assert search(community_id=community) == sorted([a.id, b.id, c.id])
    assert search(community_id=community, skill="tutoring") == sorted([b.id, c.id])
    assert search(community_id=community, post="safety_patrol") == sorted([a.id, b.id])
    paged = vols.stub.SearchVolunteers(
        pb.SearchVolunteersRequest(community_id=community, page=common_pb2.PageRequest(page_size=2)), timeout=5
    )
    assert len(paged.volunteers) == 2 and paged.page.total_size == 3 and paged.page.next_page_token
    assert all(not v.phone for v in paged.volunteers)  # anonymous caller: no personal data
    team = vols.stub.CreateTeam(
        pb.CreateTeamRequest(name=unique("队"), leader_volunteer_id=a.id, owning_organization_id=community),
        metadata=OPERATOR,
    )
    assert search(team_id=team.id, skill="plumbing") == [a.id]
    nothing = rpc_error(search)
    assert nothing.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(nothing) == "community_id"
    unknown_skill = rpc_error(lambda: search(community_id=community, skill="juggling"))
    assert unknown_skill.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(unknown_skill) == "skill"


def test_teams_join_leave_and_roster(infra: Infra, vols: RunningVolunteers) -> None:
    leader, member, stranger = register(vols), register(vols), register(vols)
    name = unique("东山应急突击队")
    create = pb.CreateTeamRequest(
        idempotency_key=name,
        name=name,
        leader_volunteer_id=leader.id,
        focus="emergency",
        owning_organization_id=COMMUNITY,
        rapid_response=True,
    )
    denied = rpc_error(lambda: vols.stub.CreateTeam(create, metadata=person(leader.person_id), timeout=5))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    team = vols.stub.CreateTeam(create, metadata=person("adm", f"admin@{COMMUNITY}"), timeout=5)
    assert list(team.member_ids) == [leader.id] and team.rapid_response
    assert vols.stub.CreateTeam(create, metadata=person("adm", f"admin@{COMMUNITY}"), timeout=5).id == team.id
    same_name = rpc_error(
        lambda: vols.stub.CreateTeam(
            pb.CreateTeamRequest(name=name, leader_volunteer_id=member.id, owning_organization_id=COMMUNITY),
            metadata=OPERATOR,
            timeout=5,
        )
    )
    assert same_name.code() == grpc.StatusCode.ALREADY_EXISTS and field_of(same_name) == "name"

    by_stranger = rpc_error(
        lambda: vols.stub.JoinTeam(
            pb.JoinTeamRequest(team_id=team.id, volunteer_id=member.id), metadata=person(stranger.person_id), timeout=5
        )
    )
    assert by_stranger.code() == grpc.StatusCode.PERMISSION_DENIED
    joined = vols.stub.JoinTeam(
        pb.JoinTeamRequest(team_id=team.id, volunteer_id=member.id), metadata=person(member.person_id), timeout=5
    )
    assert list(joined.member_ids) == [leader.id, member.id]
    again = vols.stub.JoinTeam(
        pb.JoinTeamRequest(team_id=team.id, volunteer_id=member.id), metadata=person(member.person_id), timeout=5
    )
    assert again.version == joined.version
    added_by_leader = vols.stub.JoinTeam(
        pb.JoinTeamRequest(team_id=team.id, volunteer_id=stranger.id), metadata=person(leader.person_id), timeout=5
    )
    assert stranger.id in added_by_leader.member_ids
    assert list(vols.stub.GetVolunteer(pb.GetVolunteerRequest(id=member.id), timeout=5).team_ids) == [team.id]

    roster = vols.stub.GetTeam(pb.GetTeamRequest(id=team.id), timeout=5)
    assert [m.volunteer_id for m in roster.members] == [leader.id, member.id, stranger.id]
    assert roster.members[0].teams[0].leader and not roster.members[1].teams[0].leader
    card = vols.stub.GetIdentityCard(pb.GetIdentityCardRequest(volunteer_id=member.id), timeout=5)
    assert [(t.team_id, t.name) for t in card.teams] == [(team.id, name)]

    leader_leaves = rpc_error(
        lambda: vols.stub.LeaveTeam(
            pb.LeaveTeamRequest(team_id=team.id, volunteer_id=leader.id), metadata=OPERATOR, timeout=5
        )
    )
    assert leader_leaves.code() == grpc.StatusCode.FAILED_PRECONDITION and field_of(leader_leaves) == "volunteer_id"
    left = vols.stub.LeaveTeam(
        pb.LeaveTeamRequest(team_id=team.id, volunteer_id=member.id, expected_version=added_by_leader.version),
        metadata=person(member.person_id),
        timeout=5,
    )
    assert list(left.member_ids) == [leader.id, stranger.id]
    assert list(vols.stub.GetVolunteer(pb.GetVolunteerRequest(id=member.id), timeout=5).team_ids) == []
    unknown = rpc_error(
        lambda: vols.stub.JoinTeam(
            pb.JoinTeamRequest(team_id="team_missing", volunteer_id=member.id), metadata=OPERATOR, timeout=5
        )
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND and field_of(unknown) == "team_id"

    listed = vols.stub.ListTeams(pb.ListTeamsRequest(owning_organization_id=COMMUNITY, rapid_response_only=True))
    assert team.id in {t.id for t in listed.teams}
    assert events_for(infra, {team.id}, 4) == [
        ("org.linli.team.created.v1", team.id),
        ("org.linli.team.member_joined.v1", team.id),
        ("org.linli.team.member_joined.v1", team.id),
        ("org.linli.team.member_left.v1", team.id),
    ]


def test_catalogue(vols: RunningVolunteers) -> None:
    posts = vols.stub.ListPosts(pb.ListPostsRequest(), timeout=5).posts
    assert len(posts) == 10 and posts[0].name.zh == "文明劝导岗"
    skills = vols.stub.ListSkills(pb.ListSkillsRequest(), timeout=5).skills
    assert {s.code for s in skills} >= {"plumbing", "electrical_repair"} and all(s.group for s in skills)


def test_match_ranks_a_hand_made_neighbourhood(vols: RunningVolunteers) -> None:
    lat, lng = 31.2000, 121.5000  # away from every other test's volunteers
    km = 1 / 111.2  # about one kilometre of latitude

    def at(distance_km: float, **overrides: Any) -> pb.Volunteer:
        return register(vols, home=common_pb2.GeoPoint(lat=lat + distance_km * km, lng=lng), **overrides)

    near = at(0.5)
    far = at(2.0)
    busy_hours = at(1.0, availability=[window(6, "08:00", "12:00")])  # Saturdays only
    at(0.3, skills=["electrical_repair"])  # lacks the skill
    at(0.2, service_radius_km=0.1)  # request outside their radius
    suspended = at(0.4)
    vols.stub.SuspendVolunteer(pb.SuspendVolunteerRequest(id=suspended.id, reason="test"), metadata=OPERATOR)

    request = pb.MatchVolunteersRequest(
        location=common_pb2.GeoPoint(lat=lat, lng=lng), skills=["plumbing"], at=timestamp(MONDAY_10), k=10
    )
    found = vols.stub.MatchVolunteers(request, timeout=5)
    assert [c.volunteer_id for c in found.candidates] == [near.id, far.id, busy_hours.id]
    assert list(found.skills) == ["plumbing"]
    best = found.candidates[0]
    assert best.distance_km == pytest.approx(0.5, abs=0.01)
    assert best.breakdown.availability == 1.0 and best.breakdown.skill_fit == 1.0 and best.breakdown.load == 1.0
    assert best.score == pytest.approx(0.3 + 0.3 / (1 + 0.5 / 2) + 0.2 + 0.1 + 0.1, abs=1e-3)
    assert found.candidates[2].breakdown.availability == 0.0

    by_category = vols.stub.MatchVolunteers(
        pb.MatchVolunteersRequest(location=request.location, category="water_supply", at=request.at, k=2), timeout=5
    )
    assert [c.volunteer_id for c in by_category.candidates] == [near.id, far.id]
    assert list(by_category.skills) == ["plumbing"]
    no_location = rpc_error(lambda: vols.stub.MatchVolunteers(pb.MatchVolunteersRequest(skills=["plumbing"])))
    assert no_location.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(no_location) == "location"
    too_many = rpc_error(lambda: vols.stub.MatchVolunteers(pb.MatchVolunteersRequest(location=request.location, k=500)))
    assert field_of(too_many) == "k"


def test_corrections_balance_and_leaderboard(infra: Infra, vols: RunningVolunteers) -> None:
    community = unique("org_lb")
    first = register(vols, home_community_id=community, display_name="陈静")
    second = register(vols, home_community_id=community, display_name="刘洋")
    staff = person("adm", f"admin@{community}")

    def correct(volunteer: pb.Volunteer, key: str, points: int, hours: float = 1.0, **extra: Any) -> pb.LedgerEntry:
        entry: pb.LedgerEntry = vols.stub.RecordCorrection(
            pb.RecordCorrectionRequest(
                idempotency_key=key,
                volunteer_id=volunteer.id,
                community_id=community,
                hours_delta=hours,
                points_delta=points,
                reason="offline service day",
                **extra,
            ),
            metadata=staff,
            timeout=5,
        )
        return entry

    entry = correct(first, "day-1", 30)
    assert correct(first, "day-1", 30).id == entry.id  # a retry, not a second entry
    changed = rpc_error(lambda: correct(first, "day-1", 31))
    assert changed.code() == grpc.StatusCode.ABORTED and field_of(changed) == "cause_event_id"
    correct(second, "day-1", 50, hours=2.0)
    minus = correct(first, "fix-1", -10, hours=0.0, corrects_entry_id=entry.id)
    assert minus.kind == pb.LEDGER_ENTRY_KIND_CORRECTION and minus.corrects_entry_id == entry.id
    assert minus.recorded_by.person_id == "adm"

    balance = vols.stub.GetPointsBalance(pb.GetPointsBalanceRequest(volunteer_id=first.id), timeout=5)
    assert (balance.total_points, balance.service_hours, balance.entry_count) == (20, 1.0, 2)
    history = vols.stub.ListLedgerEntries(pb.ListLedgerEntriesRequest(volunteer_id=first.id), timeout=5)
    assert {e.id for e in history.entries} == {entry.id, minus.id}
    board = vols.stub.GetLeaderboard(
        pb.GetLeaderboardRequest(community_id=community, period=pb.LEADERBOARD_PERIOD_MONTH), timeout=5
    )
    assert [(r.rank, r.display_name, r.points) for r in board.rows] == [(1, "刘洋", 50), (2, "陈静", 20)]
    assert board.HasField("period_start") and board.HasField("period_end")

    def bad_correction(**bad: Any) -> grpc.RpcError:
        values: dict[str, Any] = {
            "idempotency_key": unique("k"),
            "volunteer_id": first.id,
            "community_id": community,
            "hours_delta": -1.0,
            "points_delta": -5,
            "reason": "why",
            **bad,
        }
        return rpc_error(
            lambda: vols.stub.RecordCorrection(pb.RecordCorrectionRequest(**values), metadata=staff, timeout=5)
        )

    bad_inputs: list[tuple[dict[str, Any], str]] = [
        ({"hours_delta": -5000.0}, "hours_delta"),
        ({"hours_delta": 0.0, "points_delta": 0}, "points_delta"),
        ({"reason": ""}, "reason"),
        ({"idempotency_key": ""}, "idempotency_key"),
    ]
    for bad, field in bad_inputs:
        error = bad_correction(**bad)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and field_of(error) == field, bad
    not_staff = rpc_error(
        lambda: vols.stub.RecordCorrection(
            pb.RecordCorrectionRequest(
                idempotency_key="self", volunteer_id=first.id, community_id=community, points_delta=1000, reason="me"
            ),
            metadata=person(first.person_id),
            timeout=5,
        )
    )
    assert not_staff.code() == grpc.StatusCode.PERMISSION_DENIED
    period = rpc_error(lambda: vols.stub.GetLeaderboard(pb.GetLeaderboardRequest(community_id=community)))
    assert field_of(period) == "period"
    assert events_for(infra, {first.id}, 3)[-2:] == [("org.linli.points.credited.v1", first.id)] * 2


def test_every_change_is_an_event_keyed_by_the_volunteer(infra: Infra, vols: RunningVolunteers) -> None:
    volunteer = register(vols)
    vols.stub.UpdateVolunteer(pb.UpdateVolunteerRequest(id=volunteer.id, display_name="张伟"), metadata=OPERATOR)
    vols.stub.SuspendVolunteer(pb.SuspendVolunteerRequest(id=volunteer.id, reason="leave"), metadata=OPERATOR)
    vols.stub.ReactivateVolunteer(pb.ReactivateVolunteerRequest(id=volunteer.id), metadata=OPERATOR)
    assert events_for(infra, {volunteer.id}, 4) == [
        ("org.linli.volunteer.registered.v1", volunteer.id),
        ("org.linli.volunteer.updated.v1", volunteer.id),
        ("org.linli.volunteer.suspended.v1", volunteer.id),
        ("org.linli.volunteer.reactivated.v1", volunteer.id),
    ]
