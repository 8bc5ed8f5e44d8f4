"""gRPC servicer of linli.v1.OrganizationService: translates messages, calls the service layer.

Errors raised below (domain and kit errors) are mapped to status codes by the kit's
interceptor; nothing here catches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import grpc

from linli.common.paging import paginate
from linli.organizations.domain import grids as grid_rules
from linli.organizations.domain import roles as role_rules
from linli.organizations.domain import rules, tree
from linli.organizations.domain import stations as station_rules
from linli.organizations.entrypoints import convert
from linli.organizations.service_layer.service import OrganizationsService
from linli.v1 import common_pb2, organizations_pb2_grpc
from linli.v1 import organizations_pb2 as pb

Context: TypeAlias = grpc.ServicerContext


def _page(items: Sequence[Any], page: common_pb2.PageRequest) -> tuple[Sequence[Any], common_pb2.PageInfo]:
    selected, next_token, total = paginate(items, page.page_size, page.page_token)
    return selected, common_pb2.PageInfo(next_page_token=next_token, total_size=total)


class OrganizationServicer(organizations_pb2_grpc.OrganizationServiceServicer):
    def __init__(self, service: OrganizationsService) -> None:
        self.service = service

    # -- organisations ------------------------------------------------------------------------
    def CreateOrganization(self, request: pb.CreateOrganizationRequest, context: Context) -> pb.Organization:
        org = self.service.create_organization(
            idempotency_key=request.idempotency_key, kind=rules.parse_organization_kind(request.kind),
            code=request.code, name=convert.localized(request.name), parent_id=request.parent_id,
            address=convert.address(request), location=convert.point(request, "location"),
            contacts=convert.contacts(request.contacts), served_org_ids=list(request.served_org_ids),
            accepted_categories=list(request.accepted_categories),
            response_deadline_minutes=request.response_deadline_minutes)
        return convert.organization(org)

    def UpdateOrganization(self, request: pb.UpdateOrganizationRequest, context: Context) -> pb.Organization:
        values = tree.OrganizationUpdate(
            name=convert.localized(request.name), code=request.code, address=convert.address(request),
            location=convert.point(request, "location"), contacts=convert.contacts(request.contacts),
            served_org_ids=tuple(request.served_org_ids), accepted_categories=tuple(request.accepted_categories),
            response_deadline_minutes=request.response_deadline_minutes)
        org = self.service.update_organization(request.id, request.expected_version, list(request.update_mask.paths),
                                               values)
        return convert.organization(org)

    def MoveOrganization(self, request: pb.MoveOrganizationRequest, context: Context) -> pb.MoveOrganizationResponse:
        org, moved = self.service.move_organization(request.id, request.new_parent_id, request.expected_version)
        return pb.MoveOrganizationResponse(organization=convert.organization(org), moved_descendants=moved)

    def ArchiveOrganization(self, request: pb.ArchiveOrganizationRequest,
                            context: Context) -> pb.ArchiveOrganizationResponse:
        org, archived = self.service.archive_organization(request.id, request.expected_version, request.cascade,
                                                          request.reason)
        return pb.ArchiveOrganizationResponse(organization=convert.organization(org), archived_ids=archived)

    def GetOrganization(self, request: pb.GetOrganizationRequest, context: Context) -> pb.Organization:
        return convert.organization(self.service.get_organization(request.id, request.code))

    def ListChildren(self, request: pb.ListChildrenRequest, context: Context) -> pb.ListChildrenResponse:
        found = self.service.list_children(request.parent_id, request.include_archived, convert.kinds(request.kinds))
        page, info = _page(found, request.page)
        return pb.ListChildrenResponse(organizations=[convert.organization(o) for o in page], page=info)

    def GetAncestors(self, request: pb.GetAncestorsRequest, context: Context) -> pb.GetAncestorsResponse:
        return pb.GetAncestorsResponse(ancestors=[convert.organization(o) for o in self.service.ancestors(request.id)])

    def ListSubtree(self, request: pb.ListSubtreeRequest, context: Context) -> pb.ListSubtreeResponse:
        found = self.service.list_subtree(request.root_id, request.include_root, request.include_archived,
                                          convert.kinds(request.kinds), request.max_depth)
        page, info = _page(found, request.page)
        return pb.ListSubtreeResponse(organizations=[convert.organization(o) for o in page], page=info)

    def SearchOrganizations(self, request: pb.SearchOrganizationsRequest,
                            context: Context) -> pb.SearchOrganizationsResponse:
        found = self.service.search(request.query, convert.kinds(request.kinds), request.within_id,
                                    request.include_archived)
        page, info = _page(found, request.page)
        return pb.SearchOrganizationsResponse(organizations=[convert.organization(o) for o in page], page=info)

    def ListResponders(self, request: pb.ListRespondersRequest, context: Context) -> pb.ListRespondersResponse:
        found = self.service.responders(request.category, request.org_id)
        return pb.ListRespondersResponse(responders=[
            pb.Responder(organization=convert.organization(r.organization), served_org_id=r.served_org_id,
                         distance=r.distance) for r in found])

    # -- grids ------------------------------------------------------------------------------------
    def CreateGrid(self, request: pb.CreateGridRequest, context: Context) -> pb.Grid:
        grid = self.service.create_grid(
            idempotency_key=request.idempotency_key, organization_id=request.organization_id, code=request.code,
            name=convert.localized(request.name), shape=convert.grid_shape(request.shape),
            households_count=request.households_count, leader_person_id=request.leader_person_id,
            worker_person_ids=list(request.worker_person_ids))
        return convert.grid(grid)

    def UpdateGrid(self, request: pb.UpdateGridRequest, context: Context) -> pb.Grid:
        values = grid_rules.GridUpdate(
            code=request.code, name=convert.localized(request.name), shape=convert.optional_grid_shape(request),
            households_count=request.households_count, leader_person_id=request.leader_person_id,
            worker_person_ids=tuple(request.worker_person_ids))
        return convert.grid(self.service.update_grid(request.id, request.expected_version,
                                                     list(request.update_mask.paths), values))

    def GetGrid(self, request: pb.GetGridRequest, context: Context) -> pb.Grid:
        return convert.grid(self.service.grid(request.id))

    def ListGrids(self, request: pb.ListGridsRequest, context: Context) -> pb.ListGridsResponse:
        found = self.service.list_grids(request.organization_id, request.include_archived, request.person_id)
        page, info = _page(found, request.page)
        return pb.ListGridsResponse(grids=[convert.grid(g) for g in page], page=info)

    def LocateGrid(self, request: pb.LocateGridRequest, context: Context) -> pb.LocateGridResponse:
        located = self.service.locate(convert.required_point(request, "point"))
        if located is None:
            return pb.LocateGridResponse(found=False)
        response = pb.LocateGridResponse(found=True, grid=convert.grid(located.grid),
                                         owner=convert.organization(located.owner))
        if located.community is not None:
            response.community.CopyFrom(convert.organization(located.community))
        if located.street is not None:
            response.street.CopyFrom(convert.organization(located.street))
        return response

    # -- stations ---------------------------------------------------------------------------------
    def CreateStation(self, request: pb.CreateStationRequest, context: Context) -> pb.Station:
        station = self.service.create_station(
            idempotency_key=request.idempotency_key, organization_id=request.organization_id,
            kind=rules.parse_station_kind(request.kind), code=request.code, name=convert.localized(request.name),
            address=convert.address(request), location=convert.point(request, "location"),
            opening_hours=convert.time_windows(request.opening_hours), capacity=request.capacity,
            duty_roster=convert.duty_roster(request.duty_roster), contacts=convert.contacts(request.contacts))
        return convert.station(station)

    def UpdateStation(self, request: pb.UpdateStationRequest, context: Context) -> pb.Station:
        values = station_rules.StationUpdate(
            kind=rules.parse_station_kind(request.kind) if request.kind else None, code=request.code,
            name=convert.localized(request.name), address=convert.address(request),
            location=convert.point(request, "location"), opening_hours=convert.time_windows(request.opening_hours),
            capacity=request.capacity, duty_roster=convert.duty_roster(request.duty_roster),
            contacts=convert.contacts(request.contacts))
        return convert.station(self.service.update_station(request.id, request.expected_version,
                                                           list(request.update_mask.paths), values))

    def GetStation(self, request: pb.GetStationRequest, context: Context) -> pb.Station:
        return convert.station(self.service.station(request.id))

    def ListStations(self, request: pb.ListStationsRequest, context: Context) -> pb.ListStationsResponse:
        found = self.service.list_stations(request.organization_id, convert.station_kinds(request.kinds),
                                           request.include_archived)
        page, info = _page(found, request.page)
        return pb.ListStationsResponse(stations=[convert.station(s) for s in page], page=info)

    def ScheduleStationEvent(self, request: pb.ScheduleStationEventRequest, context: Context) -> pb.StationEvent:
        event = self.service.schedule_event(
            idempotency_key=request.idempotency_key, station_id=request.station_id,
            title=convert.localized(request.title), description=request.description,
            starts_at=convert.required_timestamp(request, "starts_at"),
            ends_at=convert.required_timestamp(request, "ends_at"), capacity=request.capacity)
        return convert.station_event(event)

    def SignUpForEvent(self, request: pb.SignUpForEventRequest, context: Context) -> pb.SignUpForEventResponse:
        event, already = self.service.sign_up(request.event_id, request.person_id)
        return pb.SignUpForEventResponse(event=convert.station_event(event), already_signed_up=already)

    def RecordAttendance(self, request: pb.RecordAttendanceRequest, context: Context) -> pb.StationEvent:
        return convert.station_event(self.service.record_attendance(request.event_id, request.attendance_count,
                                                                    request.expected_version))

    def ListStationEvents(self, request: pb.ListStationEventsRequest,
                          context: Context) -> pb.ListStationEventsResponse:
        found = self.service.list_station_events(
            request.station_id, request.organization_id, convert.timestamp(request, "starts_after"),
            convert.timestamp(request, "starts_before"), request.include_cancelled)
        page, info = _page(found, request.page)
        return pb.ListStationEventsResponse(events=[convert.station_event(e) for e in page], page=info)

    # -- roles ------------------------------------------------------------------------------------
    def GrantRole(self, request: pb.GrantRoleRequest, context: Context) -> pb.RoleAssignment:
        assignment = self.service.grant_role(request.person_id, request.organization_id,
                                             rules.parse_role(request.role))
        return convert.role_assignment(assignment)

    def RevokeRole(self, request: pb.RevokeRoleRequest, context: Context) -> pb.RevokeRoleResponse:
        assignment, was_active = self.service.revoke_role(request.person_id, request.organization_id,
                                                          rules.parse_role(request.role))
        return pb.RevokeRoleResponse(assignment=convert.role_assignment(assignment), was_active=was_active)

    def ListRoles(self, request: pb.ListRolesRequest, context: Context) -> pb.ListRolesResponse:
        found = self.service.list_roles(request.person_id, request.organization_id, request.include_subtree,
                                        convert.roles(request.roles), request.include_revoked)
        page, info = _page(found, request.page)
        return pb.ListRolesResponse(assignments=[convert.role_assignment(a) for a in page], page=info)

    def GetVisibleScopes(self, request: pb.GetVisibleScopesRequest, context: Context) -> pb.GetVisibleScopesResponse:
        scopes = self.service.visible_scopes(request.person_id)
        return pb.GetVisibleScopesResponse(
            scopes=[pb.VisibleScope(root_id=s.root.id, root_kind=s.root.kind.wire_name,
                                    root_name=convert.localized_out(s.root.name), root_path=list(s.root.path),
                                    roles=[r.wire_name for r in s.sorted_roles()], nested=s.nested) for s in scopes],
            root_ids=role_rules.root_ids(scopes))
