"""gRPC servicer of linli.v1.OrganizationService: reads the caller once, translates the
message into a command, runs it through the bus and translates the result back.

Errors raised below (domain and kit errors) are mapped to status codes by the kit's
interceptor; nothing here catches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import grpc

from linli.common.commands import Actor
from linli.common.messagebus import MessageBus
from linli.common.paging import paginate
from linli.organizations.domain import grids as grid_rules
from linli.organizations.domain import roles as role_rules
from linli.organizations.domain import stations as station_rules
from linli.organizations.domain import tree
from linli.organizations.domain.errors import ValidationError
from linli.organizations.domain.model import Grid, Organization, RoleAssignment, Station, StationEvent
from linli.organizations.domain.responders import Responder
from linli.organizations.entrypoints import convert
from linli.organizations.service_layer import commands as c
from linli.organizations.service_layer.results import Archived, Located, Moved, Revoked, SignedUp
from linli.v1 import common_pb2, organizations_pb2_grpc
from linli.v1 import organizations_pb2 as pb

Context: TypeAlias = grpc.ServicerContext


#: Page tokens this service issues are a few characters; longer ones are refused unread.
PAGE_TOKEN_MAX_LENGTH = 64


def _page(items: Sequence[Any], page: common_pb2.PageRequest) -> tuple[Sequence[Any], common_pb2.PageInfo]:
    if len(page.page_token) > PAGE_TOKEN_MAX_LENGTH:
        raise ValidationError("page.page_token", "not a page token this service issued")
    selected, next_token, total = paginate(items, page.page_size, page.page_token)
    return selected, common_pb2.PageInfo(next_page_token=next_token, total_size=total)


class OrganizationServicer(organizations_pb2_grpc.OrganizationServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    # -- organisations ------------------------------------------------------------------------
    def CreateOrganization(self, request: pb.CreateOrganizationRequest, context: Context) -> pb.Organization:
        actor = Actor.current()
        org: Organization = self.bus.handle(
            c.CreateOrganization(
                actor=actor,
                idempotency_key=request.idempotency_key,
                kind=convert.parse_organization_kind(request.kind),
                code=request.code,
                name=convert.localized(request.name),
                parent_id=request.parent_id,
                address=convert.address(request),
                location=convert.point(request, "location"),
                contacts=convert.contacts(request.contacts),
                served_org_ids=list(request.served_org_ids),
                accepted_categories=list(request.accepted_categories),
                response_deadline_minutes=request.response_deadline_minutes,
            )
        )
        return convert.organization(org)

    def UpdateOrganization(self, request: pb.UpdateOrganizationRequest, context: Context) -> pb.Organization:
        actor = Actor.current()
        values = tree.OrganizationUpdate(
            name=convert.localized(request.name),
            code=request.code,
            address=convert.address(request),
            location=convert.point(request, "location"),
            contacts=convert.contacts(request.contacts),
            served_org_ids=tuple(request.served_org_ids),
            accepted_categories=tuple(request.accepted_categories),
            response_deadline_minutes=request.response_deadline_minutes,
        )
        org: Organization = self.bus.handle(
            c.UpdateOrganization(
                actor=actor,
                id=request.id,
                expected_version=request.expected_version,
                mask=list(request.update_mask.paths),
                values=values,
            )
        )
        return convert.organization(org)

    def MoveOrganization(self, request: pb.MoveOrganizationRequest, context: Context) -> pb.MoveOrganizationResponse:
        actor = Actor.current()
        moved: Moved = self.bus.handle(
            c.MoveOrganization(
                actor=actor,
                id=request.id,
                new_parent_id=request.new_parent_id,
                expected_version=request.expected_version,
            )
        )
        return pb.MoveOrganizationResponse(
            organization=convert.organization(moved.organization), moved_descendants=moved.moved_descendants
        )

    def ArchiveOrganization(
        self, request: pb.ArchiveOrganizationRequest, context: Context
    ) -> pb.ArchiveOrganizationResponse:
        actor = Actor.current()
        archived: Archived = self.bus.handle(
            c.ArchiveOrganization(
                actor=actor,
                id=request.id,
                expected_version=request.expected_version,
                cascade=request.cascade,
                reason=request.reason,
            )
        )
        return pb.ArchiveOrganizationResponse(
            organization=convert.organization(archived.organization), archived_ids=archived.archived_ids
        )

    def GetOrganization(self, request: pb.GetOrganizationRequest, context: Context) -> pb.Organization:
        actor = Actor.current()
        org: Organization = self.bus.handle(c.GetOrganization(actor=actor, id=request.id, code=request.code))
        return convert.organization(org)

    def ListChildren(self, request: pb.ListChildrenRequest, context: Context) -> pb.ListChildrenResponse:
        actor = Actor.current()
        found: list[Organization] = self.bus.handle(
            c.ListChildren(
                actor=actor,
                parent_id=request.parent_id,
                include_archived=request.include_archived,
                kinds=convert.kinds(request.kinds),
            )
        )
        page, info = _page(found, request.page)
        return pb.ListChildrenResponse(organizations=[convert.organization(o) for o in page], page=info)

    def GetAncestors(self, request: pb.GetAncestorsRequest, context: Context) -> pb.GetAncestorsResponse:
        actor = Actor.current()
        found: list[Organization] = self.bus.handle(c.GetAncestors(actor=actor, id=request.id))
        return pb.GetAncestorsResponse(ancestors=[convert.organization(o) for o in found])

    def ListSubtree(self, request: pb.ListSubtreeRequest, context: Context) -> pb.ListSubtreeResponse:
        actor = Actor.current()
        found: list[Organization] = self.bus.handle(
            c.ListSubtree(
                actor=actor,
                root_id=request.root_id,
                include_root=request.include_root,
                include_archived=request.include_archived,
                kinds=convert.kinds(request.kinds),
                max_depth=request.max_depth,
            )
        )
        page, info = _page(found, request.page)
        return pb.ListSubtreeResponse(organizations=[convert.organization(o) for o in page], page=info)

    def SearchOrganizations(
        self, request: pb.SearchOrganizationsRequest, context: Context
    ) -> pb.SearchOrganizationsResponse:
        actor = Actor.current()
        found: list[Organization] = self.bus.handle(
            c.SearchOrganizations(
                actor=actor,
                query=request.query,
                kinds=convert.kinds(request.kinds),
                within_id=request.within_id,
                include_archived=request.include_archived,
            )
        )
        page, info = _page(found, request.page)
        return pb.SearchOrganizationsResponse(organizations=[convert.organization(o) for o in page], page=info)

    def ListResponders(self, request: pb.ListRespondersRequest, context: Context) -> pb.ListRespondersResponse:
        actor = Actor.current()
        found: list[Responder] = self.bus.handle(
            c.ListResponders(actor=actor, category=request.category, org_id=request.org_id)
        )
        return pb.ListRespondersResponse(
            responders=[
                pb.Responder(
                    organization=convert.organization(r.organization),
                    served_org_id=r.served_org_id,
                    distance=r.distance,
                )
                for r in found
            ]
        )

    # -- grids ------------------------------------------------------------------------------------
    def CreateGrid(self, request: pb.CreateGridRequest, context: Context) -> pb.Grid:
        actor = Actor.current()
        grid: Grid = self.bus.handle(
            c.CreateGrid(
                actor=actor,
                idempotency_key=request.idempotency_key,
                organization_id=request.organization_id,
                code=request.code,
                name=convert.localized(request.name),
                shape=convert.grid_shape(request.shape),
                households_count=request.households_count,
                leader_person_id=request.leader_person_id,
                worker_person_ids=list(request.worker_person_ids),
            )
        )
        return convert.grid(grid)

    def UpdateGrid(self, request: pb.UpdateGridRequest, context: Context) -> pb.Grid:
        actor = Actor.current()
        values = grid_rules.GridUpdate(
            code=request.code,
            name=convert.localized(request.name),
            shape=convert.optional_grid_shape(request),
            households_count=request.households_count,
            leader_person_id=request.leader_person_id,
            worker_person_ids=tuple(request.worker_person_ids),
        )
        grid: Grid = self.bus.handle(
            c.UpdateGrid(
                actor=actor,
                id=request.id,
                expected_version=request.expected_version,
                mask=list(request.update_mask.paths),
                values=values,
            )
        )
        return convert.grid(grid)

    def GetGrid(self, request: pb.GetGridRequest, context: Context) -> pb.Grid:
        actor = Actor.current()
        grid: Grid = self.bus.handle(c.GetGrid(actor=actor, id=request.id))
        return convert.grid(grid)

    def ListGrids(self, request: pb.ListGridsRequest, context: Context) -> pb.ListGridsResponse:
        actor = Actor.current()
        found: list[Grid] = self.bus.handle(
            c.ListGrids(
                actor=actor,
                organization_id=request.organization_id,
                include_archived=request.include_archived,
                person_id=request.person_id,
            )
        )
        page, info = _page(found, request.page)
        return pb.ListGridsResponse(grids=[convert.grid(g) for g in page], page=info)

    def LocateGrid(self, request: pb.LocateGridRequest, context: Context) -> pb.LocateGridResponse:
        actor = Actor.current()
        located: Located | None = self.bus.handle(
            c.LocateGrid(actor=actor, point=convert.required_point(request, "point"))
        )
        if located is None:
            return pb.LocateGridResponse(found=False)
        response = pb.LocateGridResponse(
            found=True, grid=convert.grid(located.grid), owner=convert.organization(located.owner)
        )
        if located.community is not None:
            response.community.CopyFrom(convert.organization(located.community))
        if located.street is not None:
            response.street.CopyFrom(convert.organization(located.street))
        return response

    # -- stations ---------------------------------------------------------------------------------
    def CreateStation(self, request: pb.CreateStationRequest, context: Context) -> pb.Station:
        actor = Actor.current()
        station: Station = self.bus.handle(
            c.CreateStation(
                actor=actor,
                idempotency_key=request.idempotency_key,
                organization_id=request.organization_id,
                kind=convert.parse_station_kind(request.kind),
                code=request.code,
                name=convert.localized(request.name),
                address=convert.address(request),
                location=convert.point(request, "location"),
                opening_hours=convert.time_windows(request.opening_hours),
                capacity=request.capacity,
                duty_roster=convert.duty_roster(request.duty_roster),
                contacts=convert.contacts(request.contacts),
            )
        )
        return convert.station(station)

    def UpdateStation(self, request: pb.UpdateStationRequest, context: Context) -> pb.Station:
        actor = Actor.current()
        values = station_rules.StationUpdate(
            kind=convert.parse_station_kind(request.kind) if request.kind else None,
            code=request.code,
            name=convert.localized(request.name),
            address=convert.address(request),
            location=convert.point(request, "location"),
            opening_hours=convert.time_windows(request.opening_hours),
            capacity=request.capacity,
            duty_roster=convert.duty_roster(request.duty_roster),
            contacts=convert.contacts(request.contacts),
        )
        station: Station = self.bus.handle(
            c.UpdateStation(
                actor=actor,
                id=request.id,
                expected_version=request.expected_version,
                mask=list(request.update_mask.paths),
                values=values,
            )
        )
        return convert.station(station)

    def GetStation(self, request: pb.GetStationRequest, context: Context) -> pb.Station:
        actor = Actor.current()
        station: Station = self.bus.handle(c.GetStation(actor=actor, id=request.id))
        return convert.station(station)

    def ListStations(self, request: pb.ListStationsRequest, context: Context) -> pb.ListStationsResponse:
        actor = Actor.current()
        found: list[Station] = self.bus.handle(
            c.ListStations(
                actor=actor,
                organization_id=request.organization_id,
                kinds=convert.station_kinds(request.kinds),
                include_archived=request.include_archived,
            )
        )
        page, info = _page(found, request.page)
        return pb.ListStationsResponse(stations=[convert.station(s) for s in page], page=info)

    def ScheduleStationEvent(self, request: pb.ScheduleStationEventRequest, context: Context) -> pb.StationEvent:
        actor = Actor.current()
        event: StationEvent = self.bus.handle(
            c.ScheduleStationEvent(
                actor=actor,
                idempotency_key=request.idempotency_key,
                station_id=request.station_id,
                title=convert.localized(request.title),
                description=request.description,
                starts_at=convert.required_timestamp(request, "starts_at"),
                ends_at=convert.required_timestamp(request, "ends_at"),
                capacity=request.capacity,
            )
        )
        return convert.station_event(event)

    def SignUpForEvent(self, request: pb.SignUpForEventRequest, context: Context) -> pb.SignUpForEventResponse:
        actor = Actor.current()
        signed: SignedUp = self.bus.handle(
            c.SignUpForEvent(actor=actor, event_id=request.event_id, person_id=request.person_id)
        )
        return pb.SignUpForEventResponse(
            event=convert.station_event(signed.event), already_signed_up=signed.already_signed_up
        )

    def RecordAttendance(self, request: pb.RecordAttendanceRequest, context: Context) -> pb.StationEvent:
        actor = Actor.current()
        event: StationEvent = self.bus.handle(
            c.RecordAttendance(
                actor=actor,
                event_id=request.event_id,
                attendance_count=request.attendance_count,
                expected_version=request.expected_version,
            )
        )
        return convert.station_event(event)

    def ListStationEvents(self, request: pb.ListStationEventsRequest, context: Context) -> pb.ListStationEventsResponse:
        actor = Actor.current()
        found: list[StationEvent] = self.bus.handle(
            c.ListStationEvents(
                actor=actor,
                station_id=request.station_id,
                organization_id=request.organization_id,
                starts_after=convert.timestamp(request, "starts_after"),
                starts_before=convert.timestamp(request, "starts_before"),
                include_cancelled=request.include_cancelled,
            )
        )
        page, info = _page(found, request.page)
        return pb.ListStationEventsResponse(events=[convert.station_event(e) for e in page], page=info)

    # -- roles ------------------------------------------------------------------------------------
    def GrantRole(self, request: pb.GrantRoleRequest, context: Context) -> pb.RoleAssignment:
        actor = Actor.current()
        assignment: RoleAssignment = self.bus.handle(
            c.GrantRole(
                actor=actor,
                person_id=request.person_id,
                organization_id=request.organization_id,
                role=convert.parse_role(request.role),
            )
        )
        return convert.role_assignment(assignment)

    def RevokeRole(self, request: pb.RevokeRoleRequest, context: Context) -> pb.RevokeRoleResponse:
        actor = Actor.current()
        revoked: Revoked = self.bus.handle(
            c.RevokeRole(
                actor=actor,
                person_id=request.person_id,
                organization_id=request.organization_id,
                role=convert.parse_role(request.role),
            )
        )
        return pb.RevokeRoleResponse(
            assignment=convert.role_assignment(revoked.assignment), was_active=revoked.was_active
        )

    def ListRoles(self, request: pb.ListRolesRequest, context: Context) -> pb.ListRolesResponse:
        actor = Actor.current()
        found: list[RoleAssignment] = self.bus.handle(
            c.ListRoles(
                actor=actor,
                person_id=request.person_id,
                organization_id=request.organization_id,
                include_subtree=request.include_subtree,
                roles=convert.roles(request.roles),
                include_revoked=request.include_revoked,
            )
        )
        page, info = _page(found, request.page)
        return pb.ListRolesResponse(assignments=[convert.role_assignment(a) for a in page], page=info)

    def GetVisibleScopes(self, request: pb.GetVisibleScopesRequest, context: Context) -> pb.GetVisibleScopesResponse:
        actor = Actor.current()
        scopes: list[role_rules.Scope] = self.bus.handle(c.GetVisibleScopes(actor=actor, person_id=request.person_id))
        return pb.GetVisibleScopesResponse(
            scopes=[convert.visible_scope(s) for s in scopes], root_ids=role_rules.root_ids(scopes)
        )
