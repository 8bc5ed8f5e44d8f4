"""gRPC servicer of linli.v1.VolunteerService: reads the caller once per call, translates the
request into a command, runs it on the bus and translates the result.

Errors raised below (domain and kit errors) are mapped to status codes, with the field in
trailing metadata, by the kit's interceptor; nothing here catches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import grpc

from linli.common import validation
from linli.common.commands import Actor
from linli.common.messagebus import MessageBus
from linli.common.paging import paginate
from linli.v1 import common_pb2, volunteers_pb2_grpc
from linli.v1 import volunteers_pb2 as pb
from linli.volunteers.entrypoints import convert
from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.handlers.common import VolunteerView

Context: TypeAlias = grpc.ServicerContext


#: Page tokens this service issues are a few characters; longer ones are refused unread.
PAGE_TOKEN_MAX_LENGTH = 64


def _page(items: Sequence[Any], page: common_pb2.PageRequest) -> tuple[Sequence[Any], common_pb2.PageInfo]:
    if len(page.page_token) > PAGE_TOKEN_MAX_LENGTH:
        raise validation.invalid("page.page_token", "not a page token this service issued")
    selected, next_token, total = paginate(items, page.page_size, page.page_token)
    return selected, common_pb2.PageInfo(next_page_token=next_token, total_size=total)


def _volunteer(shown: VolunteerView) -> pb.Volunteer:
    return convert.volunteer(shown.volunteer, personal=shown.personal)


class VolunteerServicer(volunteers_pb2_grpc.VolunteerServiceServicer):
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    # -- volunteers ---------------------------------------------------------------------------
    def RegisterVolunteer(self, request: pb.RegisterVolunteerRequest, context: Context) -> pb.Volunteer:
        return _volunteer(
            self.bus.handle(
                c.RegisterVolunteer(
                    actor=Actor.current(),
                    idempotency_key=request.idempotency_key,
                    registration=convert.registration(request),
                )
            )
        )

    def UpdateVolunteer(self, request: pb.UpdateVolunteerRequest, context: Context) -> pb.Volunteer:
        actor = Actor.current()
        paths, values = convert.profile_changes(request)
        return _volunteer(
            self.bus.handle(
                c.UpdateVolunteer(
                    actor=actor,
                    volunteer_id=request.id,
                    expected_version=request.expected_version,
                    paths=tuple(paths),
                    changes=values,
                )
            )
        )

    def SuspendVolunteer(self, request: pb.SuspendVolunteerRequest, context: Context) -> pb.Volunteer:
        return _volunteer(
            self.bus.handle(
                c.SuspendVolunteer(
                    actor=Actor.current(),
                    volunteer_id=request.id,
                    expected_version=request.expected_version,
                    reason=request.reason,
                )
            )
        )

    def ReactivateVolunteer(self, request: pb.ReactivateVolunteerRequest, context: Context) -> pb.Volunteer:
        return _volunteer(
            self.bus.handle(
                c.ReactivateVolunteer(
                    actor=Actor.current(), volunteer_id=request.id, expected_version=request.expected_version
                )
            )
        )

    def GetVolunteer(self, request: pb.GetVolunteerRequest, context: Context) -> pb.Volunteer:
        return _volunteer(
            self.bus.handle(c.GetVolunteer(actor=Actor.current(), volunteer_id=request.id, person_id=request.person_id))
        )

    def GetIdentityCard(self, request: pb.GetIdentityCardRequest, context: Context) -> pb.IdentityCard:
        return convert.identity_card(
            self.bus.handle(c.GetIdentityCard(actor=Actor.current(), volunteer_id=request.volunteer_id))
        )

    def SearchVolunteers(self, request: pb.SearchVolunteersRequest, context: Context) -> pb.SearchVolunteersResponse:
        found = self.bus.handle(
            c.SearchVolunteers(
                actor=Actor.current(),
                community_id=request.community_id,
                skill=request.skill,
                post=request.post,
                team_id=request.team_id,
                include_suspended=request.include_suspended,
            )
        )
        page, info = _page(found, request.page)
        return pb.SearchVolunteersResponse(volunteers=[_volunteer(v) for v in page], page=info)

    # -- teams ------------------------------------------------------------------------------------
    def CreateTeam(self, request: pb.CreateTeamRequest, context: Context) -> pb.Team:
        return convert.team(
            self.bus.handle(
                c.CreateTeam(
                    actor=Actor.current(),
                    idempotency_key=request.idempotency_key,
                    name=request.name,
                    leader_volunteer_id=request.leader_volunteer_id,
                    focus=request.focus,
                    owning_organization_id=request.owning_organization_id,
                    rapid_response=request.rapid_response,
                )
            )
        )

    def JoinTeam(self, request: pb.JoinTeamRequest, context: Context) -> pb.Team:
        return convert.team(
            self.bus.handle(
                c.JoinTeam(
                    actor=Actor.current(),
                    team_id=request.team_id,
                    volunteer_id=request.volunteer_id,
                    expected_version=request.expected_version,
                )
            )
        )

    def LeaveTeam(self, request: pb.LeaveTeamRequest, context: Context) -> pb.Team:
        return convert.team(
            self.bus.handle(
                c.LeaveTeam(
                    actor=Actor.current(),
                    team_id=request.team_id,
                    volunteer_id=request.volunteer_id,
                    expected_version=request.expected_version,
                )
            )
        )

    def GetTeam(self, request: pb.GetTeamRequest, context: Context) -> pb.TeamRoster:
        team, members = self.bus.handle(c.GetTeamRoster(actor=Actor.current(), team_id=request.id))
        return convert.team_roster(team, members)

    def ListTeams(self, request: pb.ListTeamsRequest, context: Context) -> pb.ListTeamsResponse:
        found = self.bus.handle(
            c.ListTeams(
                actor=Actor.current(),
                owning_organization_id=request.owning_organization_id,
                focus=request.focus,
                rapid_response_only=request.rapid_response_only,
            )
        )
        page, info = _page(found, request.page)
        return pb.ListTeamsResponse(teams=[convert.team(t) for t in page], page=info)

    # -- catalogue ----------------------------------------------------------------------------------
    def ListPosts(self, request: pb.ListPostsRequest, context: Context) -> pb.ListPostsResponse:
        return pb.ListPostsResponse(
            posts=[convert.post(p) for p in self.bus.handle(c.ListPosts(actor=Actor.current()))]
        )

    def ListSkills(self, request: pb.ListSkillsRequest, context: Context) -> pb.ListSkillsResponse:
        return pb.ListSkillsResponse(
            skills=[convert.skill(s) for s in self.bus.handle(c.ListSkills(actor=Actor.current()))]
        )

    # -- points and hours -----------------------------------------------------------------------------
    def GetPointsBalance(self, request: pb.GetPointsBalanceRequest, context: Context) -> pb.PointsBalance:
        return convert.points_balance(
            self.bus.handle(c.GetPointsBalance(actor=Actor.current(), volunteer_id=request.volunteer_id))
        )

    def ListLedgerEntries(self, request: pb.ListLedgerEntriesRequest, context: Context) -> pb.ListLedgerEntriesResponse:
        found = self.bus.handle(
            c.ListLedgerEntries(
                actor=Actor.current(), volunteer_id=request.volunteer_id, community_id=request.community_id
            )
        )
        page, info = _page(found, request.page)
        return pb.ListLedgerEntriesResponse(entries=[convert.ledger_entry(e) for e in page], page=info)

    def RecordCorrection(self, request: pb.RecordCorrectionRequest, context: Context) -> pb.LedgerEntry:
        return convert.ledger_entry(
            self.bus.handle(
                c.RecordCorrection(
                    actor=Actor.current(),
                    idempotency_key=request.idempotency_key,
                    volunteer_id=request.volunteer_id,
                    community_id=request.community_id,
                    hours_delta=request.hours_delta,
                    points_delta=request.points_delta,
                    reason=request.reason,
                    corrects_entry_id=request.corrects_entry_id,
                    request_id=request.request_id,
                )
            )
        )

    def GetLeaderboard(self, request: pb.GetLeaderboardRequest, context: Context) -> pb.Leaderboard:
        return convert.leaderboard(
            self.bus.handle(
                c.GetLeaderboard(
                    actor=Actor.current(),
                    community_id=request.community_id,
                    period=convert.leaderboard_period(request.period),
                    at=convert.timestamp(request, "at"),
                    limit=request.limit,
                )
            )
        )

    # -- matching -------------------------------------------------------------------------------------
    def MatchVolunteers(self, request: pb.MatchVolunteersRequest, context: Context) -> pb.MatchVolunteersResponse:
        result = self.bus.handle(
            c.MatchVolunteers(
                actor=Actor.current(),
                location=convert.point(request, "location"),
                skills=tuple(request.skills),
                category=request.category,
                at=convert.timestamp(request, "at"),
                k=request.k,
            )
        )
        return pb.MatchVolunteersResponse(
            candidates=[convert.candidate(x) for x in result.candidates], skills=list(result.skills)
        )
