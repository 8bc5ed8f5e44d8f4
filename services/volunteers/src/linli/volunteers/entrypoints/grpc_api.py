"""gRPC servicer of linli.v1.VolunteerService: translates messages, calls the service layer.

Errors raised below (domain and kit errors) are mapped to status codes, with the field in
trailing metadata, by the kit's interceptor; nothing here catches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import grpc

from linli.common.paging import paginate
from linli.v1 import common_pb2, volunteers_pb2_grpc
from linli.v1 import volunteers_pb2 as pb
from linli.volunteers.domain.model import Volunteer
from linli.volunteers.entrypoints import convert
from linli.volunteers.service_layer.service import Services

Context: TypeAlias = grpc.ServicerContext


def _page(items: Sequence[Any], page: common_pb2.PageRequest) -> tuple[Sequence[Any], common_pb2.PageInfo]:
    selected, next_token, total = paginate(items, page.page_size, page.page_token)
    return selected, common_pb2.PageInfo(next_page_token=next_token, total_size=total)


class VolunteerServicer(volunteers_pb2_grpc.VolunteerServiceServicer):
    def __init__(self, services: Services) -> None:
        self.volunteers = services.volunteers
        self.teams = services.teams
        self.points = services.points

    def _volunteer(self, volunteer: Volunteer) -> pb.Volunteer:
        return convert.volunteer(volunteer, personal=self.volunteers.may_see_personal(volunteer))

    # -- volunteers ---------------------------------------------------------------------------
    def RegisterVolunteer(self, request: pb.RegisterVolunteerRequest, context: Context) -> pb.Volunteer:
        return self._volunteer(self.volunteers.register(request.idempotency_key, convert.registration(request)))

    def UpdateVolunteer(self, request: pb.UpdateVolunteerRequest, context: Context) -> pb.Volunteer:
        paths, values = convert.profile_changes(request)
        return self._volunteer(self.volunteers.update(request.id, request.expected_version, paths, values))

    def SuspendVolunteer(self, request: pb.SuspendVolunteerRequest, context: Context) -> pb.Volunteer:
        return self._volunteer(self.volunteers.suspend(request.id, request.expected_version, request.reason))

    def ReactivateVolunteer(self, request: pb.ReactivateVolunteerRequest, context: Context) -> pb.Volunteer:
        return self._volunteer(self.volunteers.reactivate(request.id, request.expected_version))

    def GetVolunteer(self, request: pb.GetVolunteerRequest, context: Context) -> pb.Volunteer:
        return self._volunteer(self.volunteers.get(request.id, request.person_id))

    def GetIdentityCard(self, request: pb.GetIdentityCardRequest, context: Context) -> pb.IdentityCard:
        return convert.identity_card(self.volunteers.identity_card(request.volunteer_id))

    def SearchVolunteers(self, request: pb.SearchVolunteersRequest, context: Context) -> pb.SearchVolunteersResponse:
        found = self.volunteers.search(request.community_id, request.skill, request.post, request.team_id,
                                       request.include_suspended)
        page, info = _page(found, request.page)
        return pb.SearchVolunteersResponse(volunteers=[self._volunteer(v) for v in page], page=info)

    # -- teams ------------------------------------------------------------------------------------
    def CreateTeam(self, request: pb.CreateTeamRequest, context: Context) -> pb.Team:
        return convert.team(self.teams.create(
            idempotency_key=request.idempotency_key, name=request.name,
            leader_volunteer_id=request.leader_volunteer_id, focus=request.focus,
            owning_organization_id=request.owning_organization_id, rapid_response=request.rapid_response))

    def JoinTeam(self, request: pb.JoinTeamRequest, context: Context) -> pb.Team:
        return convert.team(self.teams.join(request.team_id, request.volunteer_id, request.expected_version))

    def LeaveTeam(self, request: pb.LeaveTeamRequest, context: Context) -> pb.Team:
        return convert.team(self.teams.leave(request.team_id, request.volunteer_id, request.expected_version))

    def GetTeam(self, request: pb.GetTeamRequest, context: Context) -> pb.TeamRoster:
        team, members = self.teams.roster(request.id)
        return convert.team_roster(team, members)

    def ListTeams(self, request: pb.ListTeamsRequest, context: Context) -> pb.ListTeamsResponse:
        found = self.teams.list_teams(request.owning_organization_id, request.focus, request.rapid_response_only)
        page, info = _page(found, request.page)
        return pb.ListTeamsResponse(teams=[convert.team(t) for t in page], page=info)

    # -- catalogue ----------------------------------------------------------------------------------
    def ListPosts(self, request: pb.ListPostsRequest, context: Context) -> pb.ListPostsResponse:
        return pb.ListPostsResponse(posts=convert.posts())

    def ListSkills(self, request: pb.ListSkillsRequest, context: Context) -> pb.ListSkillsResponse:
        return pb.ListSkillsResponse(skills=convert.skills())

    # -- points and hours -----------------------------------------------------------------------------
    def GetPointsBalance(self, request: pb.GetPointsBalanceRequest, context: Context) -> pb.PointsBalance:
        return convert.points_balance(self.points.balance(request.volunteer_id))

    def ListLedgerEntries(self, request: pb.ListLedgerEntriesRequest,
                          context: Context) -> pb.ListLedgerEntriesResponse:
        found = self.points.history(request.volunteer_id, request.community_id)
        page, info = _page(found, request.page)
        return pb.ListLedgerEntriesResponse(entries=[convert.ledger_entry(e) for e in page], page=info)

    def RecordCorrection(self, request: pb.RecordCorrectionRequest, context: Context) -> pb.LedgerEntry:
        return convert.ledger_entry(self.points.record_correction(
            idempotency_key=request.idempotency_key, volunteer_id=request.volunteer_id,
            community_id=request.community_id, hours_delta=request.hours_delta, points_delta=request.points_delta,
            reason=request.reason, corrects_entry_id=request.corrects_entry_id, request_id=request.request_id))

    def GetLeaderboard(self, request: pb.GetLeaderboardRequest, context: Context) -> pb.Leaderboard:
        board = self.points.leaderboard(request.community_id, request.period, convert.timestamp(request, "at"),
                                        request.limit)
        return convert.leaderboard(board)

    # -- matching -------------------------------------------------------------------------------------
    def MatchVolunteers(self, request: pb.MatchVolunteersRequest, context: Context) -> pb.MatchVolunteersResponse:
        used, found = self.volunteers.match(convert.point(request, "location"), list(request.skills),
                                            request.category, convert.timestamp(request, "at"), request.k)
        return pb.MatchVolunteersResponse(candidates=[convert.candidate(c) for c in found], skills=list(used))
