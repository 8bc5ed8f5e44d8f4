"""Translation between protobuf messages and domain values, both directions.

Outgoing: the domain's ``wire`` module builds each aggregate in protobuf's JSON mapping (the
form the events carry), so responses are that JSON parsed into the message: one mapping for
events and responses alike. Match results are built directly: they are computed per call,
not stored, and a hundred of them are parsed faster as messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from linli.common.errors import InvalidArgument
from linli.common.protojson import parse_dict
from linli.v1 import common_pb2
from linli.v1 import volunteers_pb2 as pb
from linli.volunteers.domain import wire
from linli.volunteers.domain.catalogue import CatalogueEntry
from linli.volunteers.domain.ledger import PointsBalance
from linli.volunteers.domain.matching import Candidate
from linli.volunteers.domain.model import GeoPoint, LedgerEntry, Team, TimeWindow, Volunteer
from linli.volunteers.domain.volunteers import IdentityCard, ProfileChanges, Registration
from linli.volunteers.service_layer.handlers.points import Leaderboard

M = TypeVar("M", bound=Message)


# -- out -------------------------------------------------------------------------------------
def _parse(json_dict: dict[str, Any], message: M) -> M:
    return parse_dict(json_dict, message)


def volunteer(value: Volunteer, *, personal: bool) -> pb.Volunteer:
    return _parse(wire.volunteer(value, personal=personal), pb.Volunteer())


def team(value: Team) -> pb.Team:
    return _parse(wire.team(value), pb.Team())


def identity_card(card: IdentityCard) -> pb.IdentityCard:
    return _parse(wire.identity_card(card), pb.IdentityCard())


def team_roster(value: Team, members: Sequence[IdentityCard]) -> pb.TeamRoster:
    return _parse(wire.team_roster(value, members), pb.TeamRoster())


def ledger_entry(value: LedgerEntry) -> pb.LedgerEntry:
    return _parse(wire.ledger_entry(value), pb.LedgerEntry())


def post(entry: CatalogueEntry) -> pb.Post:
    return _parse(wire.post(entry), pb.Post())


def skill(entry: CatalogueEntry) -> pb.Skill:
    return _parse(wire.skill(entry), pb.Skill())


def points_balance(value: PointsBalance) -> pb.PointsBalance:
    return _parse(wire.points_balance(value), pb.PointsBalance())


def leaderboard(board: Leaderboard) -> pb.Leaderboard:
    return _parse(wire.leaderboard(board.community_id, board.period, board.bounds, board.rows, board.names),
                  pb.Leaderboard())


def candidate(found: Candidate) -> pb.MatchCandidate:
    parts = found.breakdown
    return pb.MatchCandidate(
        volunteer_id=found.volunteer_id, score=found.score, distance_km=found.distance_km,
        breakdown=pb.ScoreBreakdown(skill_fit=parts.skill_fit, distance=parts.distance,
                                    availability=parts.availability, load=parts.load, fairness=parts.fairness,
                                    total=parts.total))


# -- in ----------------------------------------------------------------------------------------
def point(message: Message, name: str) -> GeoPoint | None:
    """The GeoPoint field ``name``, or None when it is unset."""
    if not message.HasField(name):
        return None
    value: common_pb2.GeoPoint = getattr(message, name)
    return GeoPoint(lat=value.lat, lng=value.lng)


def time_windows(values: Iterable[common_pb2.TimeWindow]) -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow(weekday=w.weekday, start=w.start, end=w.end) for w in values)


def timestamp(message: Message, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    value: timestamp_pb2.Timestamp = getattr(message, name)
    return value.ToDatetime(tzinfo=UTC)


def registration(request: pb.RegisterVolunteerRequest) -> Registration:
    return Registration(
        person_id=request.person_id, display_name=request.display_name, phone=request.phone,
        home_community_id=request.home_community_id, workplace_community_id=request.workplace_community_id,
        skills=list(request.skills), posts=list(request.posts), languages=list(request.languages),
        service_radius_km=request.service_radius_km, home=point(request, "home"),
        availability=time_windows(request.availability), max_concurrent_tasks=request.max_concurrent_tasks)


def profile_changes(request: pb.UpdateVolunteerRequest) -> tuple[list[str], ProfileChanges]:
    """(mask paths, values). With a mask every named field is taken as given (so a field can
    be cleared); without one, only fields holding a non-default value are changed."""
    paths = list(request.update_mask.paths)
    if paths:
        if "home" in paths and not request.HasField("home"):
            raise InvalidArgument("home is required when update_mask names it", field="home")
        return paths, ProfileChanges(
            display_name=request.display_name, phone=request.phone, home_community_id=request.home_community_id,
            workplace_community_id=request.workplace_community_id, skills=list(request.skills),
            posts=list(request.posts), languages=list(request.languages),
            service_radius_km=request.service_radius_km, home=point(request, "home"),
            availability=time_windows(request.availability), max_concurrent_tasks=request.max_concurrent_tasks)
    return paths, ProfileChanges(
        display_name=request.display_name or None, phone=request.phone or None,
        home_community_id=request.home_community_id or None,
        workplace_community_id=request.workplace_community_id or None,
        skills=list(request.skills) or None, posts=list(request.posts) or None,
        languages=list(request.languages) or None, service_radius_km=request.service_radius_km or None,
        home=point(request, "home"), availability=time_windows(request.availability) or None,
        max_concurrent_tasks=request.max_concurrent_tasks or None)
