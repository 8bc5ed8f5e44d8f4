"""`/api/v1` routes of the volunteers service: profiles, teams, the catalogue, points and hours,
leaderboards and matching.

Volunteers register and change themselves; admins of their community (and operators) manage
others; the public sees public fields only (the volunteers service decides). `GET
/volunteers/me` is the signed-in person's own profile.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from marshmallow import fields, validate

from linli.gateway.api import schemas as s
from linli.gateway.api.support import require_person, unary
from linli.v1 import volunteers_pb2 as vo

bp = APIBlueprint("api_volunteers", __name__, tag="Volunteers")

_PROFILE_FIELDS = (
    "display_name",
    "phone",
    "home_community_id",
    "workplace_community_id",
    "skills",
    "posts",
    "languages",
    "service_radius_km",
    "home",
    "availability",
    "max_concurrent_tasks",
)

unary(
    bp,
    "POST",
    "/volunteers",
    name="register_volunteer",
    summary="Register the signed-in person (or, for admins, person_id) as a volunteer",
    service="volunteers",
    rpc="RegisterVolunteer",
    request_type=vo.RegisterVolunteerRequest,
    response_type=vo.Volunteer,
    body=s.body_schema(
        vo.RegisterVolunteerRequest, "RegisterVolunteerBody", required=("display_name", "home_community_id")
    ),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda v: f"/volunteers/{v.id}",
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/volunteers",
    name="search_volunteers",
    summary="Volunteers by community, skill, post or team (at least one)",
    service="volunteers",
    rpc="SearchVolunteers",
    request_type=vo.SearchVolunteersRequest,
    response_type=vo.SearchVolunteersResponse,
    query=s.query_schema(
        "SearchVolunteersQuery",
        {
            "community_id": s.ID("Home or workplace community", data_key="community"),
            "skill": s.ID("Skill code"),
            "team_id": s.ID("Team id", data_key="team"),
            "post": s.ID("Post code"),
            "include_suspended": fields.Boolean(),
        },
    ),
)


def _me(data: dict[str, object]) -> dict[str, object]:
    person = require_person()
    return {"person_id": person.id}


unary(
    bp,
    "GET",
    "/volunteers/me",
    name="get_my_volunteer",
    summary="The signed-in person's own volunteer profile",
    service="volunteers",
    rpc="GetVolunteer",
    request_type=vo.GetVolunteerRequest,
    response_type=vo.Volunteer,
    build=_me,
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/volunteers/<volunteer_id>",
    name="get_volunteer",
    summary="A volunteer (personal fields only for the volunteer and staff in scope)",
    service="volunteers",
    rpc="GetVolunteer",
    request_type=vo.GetVolunteerRequest,
    response_type=vo.Volunteer,
    path={"volunteer_id": "id"},
)

unary(
    bp,
    "PATCH",
    "/volunteers/<volunteer_id>",
    name="update_volunteer",
    summary="Change a profile (the fields the body carries)",
    service="volunteers",
    rpc="UpdateVolunteer",
    request_type=vo.UpdateVolunteerRequest,
    response_type=vo.Volunteer,
    body=s.body_schema(
        vo.UpdateVolunteerRequest, "UpdateVolunteerBody", exclude=("id", "expected_version", "update_mask")
    ),
    path={"volunteer_id": "id"},
    version_field="expected_version",
    mask_fields=_PROFILE_FIELDS,
)

unary(
    bp,
    "POST",
    "/volunteers/<volunteer_id>/suspend",
    name="suspend_volunteer",
    summary="Suspend a volunteer",
    service="volunteers",
    rpc="SuspendVolunteer",
    request_type=vo.SuspendVolunteerRequest,
    response_type=vo.Volunteer,
    body=s.body_schema(vo.SuspendVolunteerRequest, "SuspendVolunteerBody", exclude=("id", "expected_version")),
    path={"volunteer_id": "id"},
    version_field="expected_version",
)

unary(
    bp,
    "POST",
    "/volunteers/<volunteer_id>/reactivate",
    name="reactivate_volunteer",
    summary="Reactivate a suspended volunteer",
    service="volunteers",
    rpc="ReactivateVolunteer",
    request_type=vo.ReactivateVolunteerRequest,
    response_type=vo.Volunteer,
    path={"volunteer_id": "id"},
    version_field="expected_version",
)

unary(
    bp,
    "GET",
    "/volunteers/<volunteer_id>/card",
    name="get_identity_card",
    summary="The public identity card (building notice board)",
    service="volunteers",
    rpc="GetIdentityCard",
    request_type=vo.GetIdentityCardRequest,
    response_type=vo.IdentityCard,
)

unary(
    bp,
    "GET",
    "/volunteers/<volunteer_id>/points",
    name="get_points_balance",
    summary="Hours and points per crediting community",
    service="volunteers",
    rpc="GetPointsBalance",
    request_type=vo.GetPointsBalanceRequest,
    response_type=vo.PointsBalance,
)

unary(
    bp,
    "GET",
    "/volunteers/<volunteer_id>/ledger",
    name="list_ledger_entries",
    summary="A volunteer's ledger, newest first (whole entries for the volunteer and staff)",
    service="volunteers",
    rpc="ListLedgerEntries",
    request_type=vo.ListLedgerEntriesRequest,
    response_type=vo.ListLedgerEntriesResponse,
    query=s.query_schema("LedgerQuery", {"community_id": s.ID("Only this community's entries", data_key="community")}),
)

unary(
    bp,
    "POST",
    "/volunteers/<volunteer_id>/corrections",
    name="record_correction",
    summary="Append a correction entry (admins)",
    service="volunteers",
    rpc="RecordCorrection",
    request_type=vo.RecordCorrectionRequest,
    response_type=vo.LedgerEntry,
    body=s.body_schema(
        vo.RecordCorrectionRequest,
        "RecordCorrectionBody",
        exclude=("idempotency_key", "volunteer_id"),
        required=("community_id", "reason"),
    ),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda e: f"/volunteers/{e.volunteer_id}/ledger",
)

# --- teams ------------------------------------------------------------------------------------

unary(
    bp,
    "POST",
    "/teams",
    name="create_team",
    summary="Create a team; the leader is its first member",
    service="volunteers",
    rpc="CreateTeam",
    request_type=vo.CreateTeamRequest,
    response_type=vo.Team,
    body=s.body_schema(
        vo.CreateTeamRequest, "CreateTeamBody", required=("name", "leader_volunteer_id", "owning_organization_id")
    ),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda t: f"/teams/{t.id}",
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/teams",
    name="list_teams",
    summary="Teams, ordered by name",
    service="volunteers",
    rpc="ListTeams",
    request_type=vo.ListTeamsRequest,
    response_type=vo.ListTeamsResponse,
    query=s.query_schema(
        "ListTeamsQuery",
        {
            "owning_organization_id": s.ID("Owning organisation", data_key="organization"),
            "focus": fields.String(validate=validate.Length(max=200)),
            "rapid_response_only": fields.Boolean(data_key="rapid_response"),
        },
    ),
)

unary(
    bp,
    "GET",
    "/teams/<team_id>",
    name="get_team",
    summary="A team with its roster of identity cards",
    service="volunteers",
    rpc="GetTeam",
    request_type=vo.GetTeamRequest,
    response_type=vo.TeamRoster,
    path={"team_id": "id"},
    etag=lambda r: int(r.team.version),
)

unary(
    bp,
    "POST",
    "/teams/<team_id>/members",
    name="join_team",
    summary="Add a volunteer to a team",
    service="volunteers",
    rpc="JoinTeam",
    request_type=vo.JoinTeamRequest,
    response_type=vo.Team,
    body=s.body_schema(
        vo.JoinTeamRequest, "JoinTeamBody", exclude=("team_id", "expected_version"), required=("volunteer_id",)
    ),
    version_field="expected_version",
)

unary(
    bp,
    "DELETE",
    "/teams/<team_id>/members/<volunteer_id>",
    name="leave_team",
    summary="Remove a volunteer from a team",
    service="volunteers",
    rpc="LeaveTeam",
    request_type=vo.LeaveTeamRequest,
    response_type=vo.Team,
    version_field="expected_version",
)

# --- catalogue, leaderboard, matching ----------------------------------------------------------

DEFAULT_LEADERBOARD_PERIOD = "month"


def _default_period(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "period": data.get("period") or DEFAULT_LEADERBOARD_PERIOD}


unary(
    bp,
    "GET",
    "/catalogue/posts",
    name="list_posts",
    summary="The posts catalogue",
    service="volunteers",
    rpc="ListPosts",
    request_type=vo.ListPostsRequest,
    response_type=vo.ListPostsResponse,
)

unary(
    bp,
    "GET",
    "/catalogue/skills",
    name="list_skills",
    summary="The skills taxonomy",
    service="volunteers",
    rpc="ListSkills",
    request_type=vo.ListSkillsRequest,
    response_type=vo.ListSkillsResponse,
)

unary(
    bp,
    "GET",
    "/leaderboard",
    name="get_leaderboard",
    summary="Volunteers ranked by one community's points in a period",
    service="volunteers",
    rpc="GetLeaderboard",
    request_type=vo.GetLeaderboardRequest,
    response_type=vo.Leaderboard,
    query=s.query_schema(
        "LeaderboardQuery",
        {
            "community_id": s.ID("Community", data_key="community", required=True),
            "period": s.ENUM(vo.LeaderboardPeriod.DESCRIPTOR, f"The period (default {DEFAULT_LEADERBOARD_PERIOD})"),
            "at": s.WHEN("Any instant inside the period (default now)"),
            "limit": fields.Integer(validate=validate.Range(min=1, max=100)),
        },
        paged=False,
    ),
    build=_default_period,
    description=f"Without `period`, the current {DEFAULT_LEADERBOARD_PERIOD}.",
)

#: Who may ask for matches: the roles that dispatch work or do it. Answers rank volunteers
#: near a place (banded distances for all but dispatching roles), so a stranger could still
#: probe where volunteers live by moving the point: sign-in and a role are required.
MATCHING_ROLES = ("dispatcher", "grid_worker", "admin", "operator", "volunteer")

unary(
    bp,
    "POST",
    "/matches",
    name="match_volunteers",
    summary="The best volunteers for a place, skills or category and time (exact distances for staff)",
    service="volunteers",
    rpc="MatchVolunteers",
    request_type=vo.MatchVolunteersRequest,
    response_type=vo.MatchVolunteersResponse,
    body=s.body_schema(vo.MatchVolunteersRequest, "MatchVolunteersBody", required=("location",)),
    roles=MATCHING_ROLES,
    description="For signed-in callers holding one of: " + ", ".join(MATCHING_ROLES) + ".",
)
