"""`/api/v1` routes of the organizations service: the tree, grids, stations and their events,
roles and visible scopes.

The tree and its official contacts are public; changes need an admin of the organisation (or
an ancestor) or an operator; person ids on grids, rosters, sign-ups and roles are shown only to
staff in scope (the organizations service decides).
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from marshmallow import fields, validate

from linli.gateway.api import schemas as s
from linli.gateway.api.support import require_person, unary
from linli.v1 import organizations_pb2 as og

bp = APIBlueprint("api_organizations", __name__, tag="Organizations")

_KINDS = og.OrganizationKind.DESCRIPTOR
_TREE_FLAGS: dict[str, Any] = {
    "include_archived": fields.Boolean(),
    "kinds": s.ENUMS(_KINDS, "Kinds (repeatable)", data_key="kind"),
}

unary(
    bp,
    "POST",
    "/organizations",
    name="create_organization",
    summary="Create an organisation (admins of the parent, operators)",
    service="organizations",
    rpc="CreateOrganization",
    request_type=og.CreateOrganizationRequest,
    response_type=og.Organization,
    body=s.body_schema(og.CreateOrganizationRequest, "CreateOrganizationBody", required=("kind", "code", "name")),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda o: f"/organizations/{o.id}",
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/organizations",
    name="list_root_organizations",
    summary="The roots of the tree (or the children of parent)",
    service="organizations",
    rpc="ListChildren",
    request_type=og.ListChildrenRequest,
    response_type=og.ListChildrenResponse,
    query=s.query_schema("ListRootsQuery", {"parent_id": s.ID("Parent", data_key="parent"), **_TREE_FLAGS}),
)

unary(
    bp,
    "GET",
    "/organizations/search",
    name="search_organizations",
    summary="Organisations whose name or code contains q",
    service="organizations",
    rpc="SearchOrganizations",
    request_type=og.SearchOrganizationsRequest,
    response_type=og.SearchOrganizationsResponse,
    query=s.query_schema(
        "SearchOrganizationsQuery",
        {
            "query": fields.String(data_key="q", required=True, validate=validate.Length(min=1, max=100)),
            "within_id": s.ID("Only inside this subtree", data_key="within"),
            **_TREE_FLAGS,
        },
    ),
)

unary(
    bp,
    "GET",
    "/organizations/<org_id>",
    name="get_organization",
    summary="An organisation",
    service="organizations",
    rpc="GetOrganization",
    request_type=og.GetOrganizationRequest,
    response_type=og.Organization,
    path={"org_id": "id"},
)

unary(
    bp,
    "PATCH",
    "/organizations/<org_id>",
    name="update_organization",
    summary="Change an organisation's descriptive fields (those the body carries)",
    service="organizations",
    rpc="UpdateOrganization",
    request_type=og.UpdateOrganizationRequest,
    response_type=og.Organization,
    body=s.body_schema(
        og.UpdateOrganizationRequest, "UpdateOrganizationBody", exclude=("id", "expected_version", "update_mask")
    ),
    path={"org_id": "id"},
    version_field="expected_version",
    mask_fields=(
        "name",
        "code",
        "address",
        "location",
        "contacts",
        "served_org_ids",
        "accepted_categories",
        "response_deadline_minutes",
    ),
)

unary(
    bp,
    "POST",
    "/organizations/<org_id>/move",
    name="move_organization",
    summary="Move an organisation and its subtree under a new parent",
    service="organizations",
    rpc="MoveOrganization",
    request_type=og.MoveOrganizationRequest,
    response_type=og.MoveOrganizationResponse,
    body=s.body_schema(og.MoveOrganizationRequest, "MoveOrganizationBody", exclude=("id", "expected_version")),
    path={"org_id": "id"},
    version_field="expected_version",
    etag=lambda r: int(r.organization.version),
)

unary(
    bp,
    "POST",
    "/organizations/<org_id>/archive",
    name="archive_organization",
    summary="Archive an organisation (cascade: with its active descendants)",
    service="organizations",
    rpc="ArchiveOrganization",
    request_type=og.ArchiveOrganizationRequest,
    response_type=og.ArchiveOrganizationResponse,
    body=s.body_schema(og.ArchiveOrganizationRequest, "ArchiveOrganizationBody", exclude=("id", "expected_version")),
    path={"org_id": "id"},
    version_field="expected_version",
    etag=lambda r: int(r.organization.version),
)

unary(
    bp,
    "GET",
    "/organizations/<org_id>/children",
    name="list_children",
    summary="Direct children of an organisation",
    service="organizations",
    rpc="ListChildren",
    request_type=og.ListChildrenRequest,
    response_type=og.ListChildrenResponse,
    path={"org_id": "parent_id"},
    query=s.query_schema("ListChildrenQuery", dict(_TREE_FLAGS)),
)

unary(
    bp,
    "GET",
    "/organizations/<org_id>/ancestors",
    name="get_ancestors",
    summary="Ancestors, root first",
    service="organizations",
    rpc="GetAncestors",
    request_type=og.GetAncestorsRequest,
    response_type=og.GetAncestorsResponse,
    path={"org_id": "id"},
)

unary(
    bp,
    "GET",
    "/organizations/<org_id>/subtree",
    name="list_subtree",
    summary="Every descendant, ordered by depth then code",
    service="organizations",
    rpc="ListSubtree",
    request_type=og.ListSubtreeRequest,
    response_type=og.ListSubtreeResponse,
    path={"org_id": "root_id"},
    query=s.query_schema(
        "ListSubtreeQuery",
        {
            "include_root": fields.Boolean(),
            "max_depth": fields.Integer(validate=validate.Range(min=0, max=64)),
            **_TREE_FLAGS,
        },
    ),
)

unary(
    bp,
    "GET",
    "/organizations/<org_id>/responders",
    name="list_responders",
    summary="Units and departments accepting a category for an organisation, nearest first",
    service="organizations",
    rpc="ListResponders",
    request_type=og.ListRespondersRequest,
    response_type=og.ListRespondersResponse,
    path={"org_id": "org_id"},
    query=s.query_schema(
        "RespondersQuery",
        {"category": fields.String(required=True, validate=validate.Length(min=1, max=100))},
        paged=False,
    ),
)

# --- grids --------------------------------------------------------------------------------

_GRID_FIELDS = ("code", "name", "shape", "households_count", "leader_person_id", "worker_person_ids")

unary(
    bp,
    "POST",
    "/grids",
    name="create_grid",
    summary="Create a grid (admins of the owning organisation, operators)",
    service="organizations",
    rpc="CreateGrid",
    request_type=og.CreateGridRequest,
    response_type=og.Grid,
    body=s.body_schema(og.CreateGridRequest, "CreateGridBody", required=("organization_id", "code", "name", "shape")),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda grid: f"/grids/{grid.id}",
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/grids",
    name="list_grids",
    summary="Grids of a subtree, or of a person (that person or staff)",
    service="organizations",
    rpc="ListGrids",
    request_type=og.ListGridsRequest,
    response_type=og.ListGridsResponse,
    query=s.query_schema(
        "ListGridsQuery",
        {
            "organization_id": s.ID("Owner subtree", data_key="organization"),
            "person_id": s.ID("Grids this person leads or works in", data_key="person"),
            "include_archived": fields.Boolean(),
        },
    ),
)


def _point(data: dict[str, Any]) -> dict[str, Any]:
    return {"point": {"lat": data.pop("lat"), "lng": data.pop("lng")}}


unary(
    bp,
    "GET",
    "/grids/locate",
    name="locate_grid",
    summary="Which grid, community and street contain a point",
    service="organizations",
    rpc="LocateGrid",
    request_type=og.LocateGridRequest,
    response_type=og.LocateGridResponse,
    query=s.query_schema(
        "LocateGridQuery",
        {
            "lat": fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-90, max=90)),
            "lng": fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180)),
        },
        paged=False,
    ),
    build=_point,
)

unary(
    bp,
    "GET",
    "/grids/<grid_id>",
    name="get_grid",
    summary="A grid (leader and workers for staff in scope)",
    service="organizations",
    rpc="GetGrid",
    request_type=og.GetGridRequest,
    response_type=og.Grid,
    path={"grid_id": "id"},
)

unary(
    bp,
    "PATCH",
    "/grids/<grid_id>",
    name="update_grid",
    summary="Change a grid (the fields the body carries)",
    service="organizations",
    rpc="UpdateGrid",
    request_type=og.UpdateGridRequest,
    response_type=og.Grid,
    body=s.body_schema(og.UpdateGridRequest, "UpdateGridBody", exclude=("id", "expected_version", "update_mask")),
    path={"grid_id": "id"},
    version_field="expected_version",
    mask_fields=_GRID_FIELDS,
)

# --- stations and events --------------------------------------------------------------------

_STATION_FIELDS = (
    "kind",
    "code",
    "name",
    "address",
    "location",
    "opening_hours",
    "capacity",
    "duty_roster",
    "contacts",
)

unary(
    bp,
    "POST",
    "/stations",
    name="create_station",
    summary="Create a service station",
    service="organizations",
    rpc="CreateStation",
    request_type=og.CreateStationRequest,
    response_type=og.Station,
    body=s.body_schema(
        og.CreateStationRequest, "CreateStationBody", required=("organization_id", "kind", "code", "name")
    ),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda st: f"/stations/{st.id}",
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/stations",
    name="list_stations",
    summary="Stations of a subtree",
    service="organizations",
    rpc="ListStations",
    request_type=og.ListStationsRequest,
    response_type=og.ListStationsResponse,
    query=s.query_schema(
        "ListStationsQuery",
        {
            "organization_id": s.ID("Subtree", data_key="organization"),
            "kinds": s.ENUMS(og.StationKind.DESCRIPTOR, data_key="kind"),
            "include_archived": fields.Boolean(),
        },
    ),
)

unary(
    bp,
    "GET",
    "/stations/<station_id>",
    name="get_station",
    summary="A station (duty roster people for staff in scope)",
    service="organizations",
    rpc="GetStation",
    request_type=og.GetStationRequest,
    response_type=og.Station,
    path={"station_id": "id"},
)

unary(
    bp,
    "PATCH",
    "/stations/<station_id>",
    name="update_station",
    summary="Change a station (the fields the body carries)",
    service="organizations",
    rpc="UpdateStation",
    request_type=og.UpdateStationRequest,
    response_type=og.Station,
    body=s.body_schema(og.UpdateStationRequest, "UpdateStationBody", exclude=("id", "expected_version", "update_mask")),
    path={"station_id": "id"},
    version_field="expected_version",
    mask_fields=_STATION_FIELDS,
)

unary(
    bp,
    "POST",
    "/stations/<station_id>/events",
    name="schedule_station_event",
    summary="Put an event on a station's calendar",
    service="organizations",
    rpc="ScheduleStationEvent",
    request_type=og.ScheduleStationEventRequest,
    response_type=og.StationEvent,
    body=s.body_schema(
        og.ScheduleStationEventRequest,
        "ScheduleStationEventBody",
        exclude=("idempotency_key", "station_id"),
        required=("title", "starts_at", "ends_at"),
    ),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda ev: f"/station-events?station={ev.station_id}",
)

unary(
    bp,
    "GET",
    "/station-events",
    name="list_station_events",
    summary="Events of a station or of the stations of a subtree, by start time",
    service="organizations",
    rpc="ListStationEvents",
    request_type=og.ListStationEventsRequest,
    response_type=og.ListStationEventsResponse,
    query=s.query_schema(
        "ListStationEventsQuery",
        {
            "station_id": s.ID("Station", data_key="station"),
            "organization_id": s.ID("Subtree", data_key="organization"),
            "starts_after": s.WHEN("Starting at or after"),
            "starts_before": s.WHEN("Starting before"),
            "include_cancelled": fields.Boolean(),
        },
    ),
)


def _signup(data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("person_id"):
        data["person_id"] = require_person().id
    return data


unary(
    bp,
    "POST",
    "/station-events/<event_id>/signups",
    name="sign_up_for_event",
    summary="Sign the signed-in person (or, for staff, person_id) up for an event",
    service="organizations",
    rpc="SignUpForEvent",
    request_type=og.SignUpForEventRequest,
    response_type=og.SignUpForEventResponse,
    body=s.body_schema(og.SignUpForEventRequest, "SignUpBody", exclude=("idempotency_key", "event_id")),
    idempotency_field="idempotency_key",
    build=_signup,
    requires_identity=True,
    etag=lambda r: int(r.event.version),
)


unary(
    bp,
    "POST",
    "/station-events/<event_id>/attendance",
    name="record_attendance",
    summary="Record how many people attended (absolute count)",
    service="organizations",
    rpc="RecordAttendance",
    request_type=og.RecordAttendanceRequest,
    response_type=og.StationEvent,
    body=s.body_schema(
        og.RecordAttendanceRequest,
        "RecordAttendanceBody",
        exclude=("idempotency_key", "event_id", "expected_version"),
        required=("attendance_count",),
    ),
    version_field="expected_version",
    idempotency_field="idempotency_key",
)

# --- roles and scopes --------------------------------------------------------------------------

_ROLES = og.OrganizationRole.DESCRIPTOR

unary(
    bp,
    "POST",
    "/roles",
    name="grant_role",
    summary="Give a person a role in an organisation (admins in scope, operators)",
    service="organizations",
    rpc="GrantRole",
    request_type=og.GrantRoleRequest,
    response_type=og.RoleAssignment,
    body=s.body_schema(og.GrantRoleRequest, "GrantRoleBody", required=("person_id", "organization_id", "role")),
    status=201,
    idempotency_field="idempotency_key",
    location=lambda a: f"/roles?person={a.person_id}",
    requires_identity=True,
)

unary(
    bp,
    "POST",
    "/roles/revoke",
    name="revoke_role",
    summary="Take a role away",
    service="organizations",
    rpc="RevokeRole",
    request_type=og.RevokeRoleRequest,
    response_type=og.RevokeRoleResponse,
    body=s.body_schema(og.RevokeRoleRequest, "RevokeRoleBody", required=("person_id", "organization_id", "role")),
    requires_identity=True,
)

unary(
    bp,
    "GET",
    "/roles",
    name="list_roles",
    summary="Role assignments of a person or an organisation",
    service="organizations",
    rpc="ListRoles",
    request_type=og.ListRolesRequest,
    response_type=og.ListRolesResponse,
    query=s.query_schema(
        "ListRolesQuery",
        {
            "person_id": s.ID("Person", data_key="person"),
            "organization_id": s.ID("Organisation", data_key="organization"),
            "include_subtree": fields.Boolean(),
            "roles": s.ENUMS(_ROLES, data_key="role"),
            "include_revoked": fields.Boolean(),
        },
    ),
    requires_identity=True,
)


def _scopes(data: dict[str, Any]) -> dict[str, Any]:
    return {"person_id": data.get("person_id") or require_person().id}


unary(
    bp,
    "GET",
    "/scopes",
    name="get_visible_scopes",
    summary="The subtrees a person (default: the signed-in person) holds roles in",
    service="organizations",
    rpc="GetVisibleScopes",
    request_type=og.GetVisibleScopesRequest,
    response_type=og.GetVisibleScopesResponse,
    query=s.query_schema("ScopesQuery", {"person_id": s.ID("Person (staff only)", data_key="person")}, paged=False),
    build=_scopes,
    requires_identity=True,
)
