"""Translation between protobuf messages and domain values, both directions.

Outgoing: each aggregate and query result is built in protobuf's JSON mapping (``*_json``,
the canonical rules: lowerCamelCase names, enums by name, int64 as strings, Timestamps as
RFC 3339 UTC, defaults left out) and parsed into its message. Personal data (phone, home
location) is included only when the handler said the caller may see it. Match results are
built directly: they are computed per call, not stored, and a hundred of them are parsed
faster as messages.

Incoming: messages become domain values (registrations, profile changes, points, times, the
leaderboard period).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from linli.common.domain_events import JsonDict, optional_timestamp_json
from linli.common.errors import InvalidArgument
from linli.common.protojson import parse_dict
from linli.v1 import common_pb2
from linli.v1 import volunteers_pb2 as pb
from linli.volunteers.adapters import event_payloads
from linli.volunteers.domain.catalogue import CatalogueEntry
from linli.volunteers.domain.ledger import LeaderboardPeriod, PointsBalance
from linli.volunteers.domain.matching import Candidate
from linli.volunteers.domain.model import GeoPoint, LedgerEntry, Team, TimeWindow, Volunteer, VolunteerStatus
from linli.volunteers.domain.volunteers import IdentityCard, ProfileChanges, Registration
from linli.volunteers.service_layer.handlers.points import Leaderboard

M = TypeVar("M", bound=Message)


# -- out -------------------------------------------------------------------------------------
VOLUNTEER_STATUS: dict[VolunteerStatus, str] = {status: f"VOLUNTEER_STATUS_{status.name}" for status in VolunteerStatus}
LEDGER_ENTRY_KIND = event_payloads.LEDGER_ENTRY_KIND
#: ``linli.v1.LeaderboardPeriod`` numbers.
LEADERBOARD_PERIOD: dict[int, LeaderboardPeriod] = {
    pb.LEADERBOARD_PERIOD_WEEK: LeaderboardPeriod.WEEK,
    pb.LEADERBOARD_PERIOD_MONTH: LeaderboardPeriod.MONTH,
    pb.LEADERBOARD_PERIOD_QUARTER: LeaderboardPeriod.QUARTER,
    pb.LEADERBOARD_PERIOD_YEAR: LeaderboardPeriod.YEAR,
    pb.LEADERBOARD_PERIOD_ALL_TIME: LeaderboardPeriod.ALL_TIME,
}


def _parse(json_dict: dict[str, Any], message: M) -> M:
    return parse_dict(json_dict, message)


def _compact(values: dict[str, Any]) -> JsonDict:
    """Drops defaults (None, "", 0, False, empty lists) like the canonical mapping."""
    return {k: v for k, v in values.items() if v not in (None, "", 0, 0.0, "0", False, [], {})}


def time_window_json(value: TimeWindow) -> JsonDict:
    return {"weekday": value.weekday, "start": value.start, "end": value.end}


def volunteer_json(value: Volunteer, *, personal: bool) -> JsonDict:
    """``linli.v1.Volunteer``: the whole profile when ``personal`` (the volunteer themself,
    staff in scope), else the public fields only (``PUBLIC_VOLUNTEER_FIELDS``)."""
    full = _full_volunteer_json(value)
    if personal:
        return full
    return {name: found for name, found in full.items() if name in PUBLIC_VOLUNTEER_FIELDS}


#: What anyone may see of a volunteer (README, "volunteers: who sees what"): no person id,
#: phone, home, workplace, service radius, availability, load (open and maximum tasks) or
#: suspension time and reason.
PUBLIC_VOLUNTEER_FIELDS = frozenset(
    {
        "id",
        "displayName",
        "homeCommunityId",
        "skills",
        "posts",
        "languages",
        "status",
        "teamIds",
        "version",
        "createdAt",
        "updatedAt",
    }
)


def _full_volunteer_json(value: Volunteer) -> JsonDict:
    return _compact(
        {
            "id": value.id,
            "personId": value.person_id,
            "displayName": value.display_name,
            "phone": value.phone,
            "homeCommunityId": value.home_community_id,
            "workplaceCommunityId": value.workplace_community_id,
            "skills": list(value.skills),
            "posts": list(value.posts),
            "languages": list(value.languages),
            "serviceRadiusKm": value.service_radius_km,
            "home": {"lat": value.home.lat, "lng": value.home.lng},
            "availability": [time_window_json(w) for w in value.availability],
            "maxConcurrentTasks": value.max_concurrent_tasks,
            "openTasks": value.open_tasks,
            "status": VOLUNTEER_STATUS[value.status],
            "teamIds": list(value.team_ids),
            "version": str(value.version),
            "createdAt": optional_timestamp_json(value.created_at),
            "updatedAt": optional_timestamp_json(value.updated_at),
            "suspendedAt": optional_timestamp_json(value.suspended_at),
            "suspensionReason": value.suspension_reason,
        }
    )


def post_json(entry: CatalogueEntry) -> JsonDict:
    """``linli.v1.Post``."""
    return {"code": entry.code, "name": {"zh": entry.zh, "en": entry.en}}


def skill_json(entry: CatalogueEntry) -> JsonDict:
    """``linli.v1.Skill``."""
    return {"code": entry.code, "name": {"zh": entry.zh, "en": entry.en}, "group": entry.group}


def identity_card_json(card: IdentityCard) -> JsonDict:
    """``linli.v1.IdentityCard``."""
    return _compact(
        {
            "volunteerId": card.volunteer_id,
            "displayName": card.display_name,
            "homeCommunityId": card.home_community_id,
            "teams": [_compact({"teamId": t, "name": n, "leader": lead}) for t, n, lead in card.teams],
            "posts": [post_json(p) for p in card.posts],
            "active": card.active,
            "memberSince": optional_timestamp_json(card.member_since),
        }
    )


def team_json(value: Team) -> JsonDict:
    """``linli.v1.Team``."""
    return _compact(
        {
            "id": value.id,
            "name": value.name,
            "leaderVolunteerId": value.leader_volunteer_id,
            "focus": value.focus,
            "owningOrganizationId": value.owning_organization_id,
            "rapidResponse": value.rapid_response,
            "memberIds": list(value.member_ids),
            "version": str(value.version),
            "createdAt": optional_timestamp_json(value.created_at),
            "updatedAt": optional_timestamp_json(value.updated_at),
        }
    )


def team_roster_json(value: Team, members: Sequence[IdentityCard]) -> JsonDict:
    """``linli.v1.TeamRoster``."""
    return {"team": team_json(value), "members": [identity_card_json(m) for m in members]}


def ledger_entry_json(value: LedgerEntry) -> JsonDict:
    """``linli.v1.LedgerEntry``."""
    return _compact(
        {
            "id": value.id,
            "volunteerId": value.volunteer_id,
            "requestId": value.request_id,
            "hours": value.hours,
            "points": str(value.points),
            "creditedCommunityId": value.credited_community_id,
            "kind": LEDGER_ENTRY_KIND[value.kind],
            "causeEventId": value.cause_event_id,
            "rating": value.rating,
            "reason": value.reason,
            "correctsEntryId": value.corrects_entry_id,
            "occurredAt": optional_timestamp_json(value.occurred_at),
            "createdAt": optional_timestamp_json(value.created_at),
            "recordedBy": {"personId": value.recorded_by} if value.recorded_by else None,
        }
    )


def points_balance_json(value: PointsBalance) -> JsonDict:
    """``linli.v1.PointsBalance``."""
    return _compact(
        {
            "volunteerId": value.volunteer_id,
            "serviceHours": value.service_hours,
            "totalPoints": str(value.total_points),
            "communities": [
                _compact({"communityId": c.community_id, "hours": c.hours, "points": str(c.points)})
                for c in value.communities
            ],
            "entryCount": value.entry_count,
        }
    )


def leaderboard_json(board: Leaderboard) -> JsonDict:
    """``linli.v1.Leaderboard``."""
    bounds = board.bounds
    return _compact(
        {
            "communityId": board.community_id,
            "period": f"LEADERBOARD_PERIOD_{board.period.name}",
            "periodStart": optional_timestamp_json(bounds[0]) if bounds else None,
            "periodEnd": optional_timestamp_json(bounds[1]) if bounds else None,
            "rows": [
                _compact(
                    {
                        "rank": row.rank,
                        "volunteerId": row.volunteer_id,
                        "displayName": board.names.get(row.volunteer_id, ""),
                        "points": str(row.points),
                        "hours": row.hours,
                    }
                )
                for row in board.rows
            ],
        }
    )


def volunteer(value: Volunteer, *, personal: bool) -> pb.Volunteer:
    return _parse(volunteer_json(value, personal=personal), pb.Volunteer())


def team(value: Team) -> pb.Team:
    return _parse(team_json(value), pb.Team())


def identity_card(card: IdentityCard) -> pb.IdentityCard:
    return _parse(identity_card_json(card), pb.IdentityCard())


def team_roster(value: Team, members: Sequence[IdentityCard]) -> pb.TeamRoster:
    return _parse(team_roster_json(value, members), pb.TeamRoster())


def ledger_entry(value: LedgerEntry) -> pb.LedgerEntry:
    return _parse(ledger_entry_json(value), pb.LedgerEntry())


def post(entry: CatalogueEntry) -> pb.Post:
    return _parse(post_json(entry), pb.Post())


def skill(entry: CatalogueEntry) -> pb.Skill:
    return _parse(skill_json(entry), pb.Skill())


def points_balance(value: PointsBalance) -> pb.PointsBalance:
    return _parse(points_balance_json(value), pb.PointsBalance())


def leaderboard(board: Leaderboard) -> pb.Leaderboard:
    return _parse(leaderboard_json(board), pb.Leaderboard())


def candidate(found: Candidate) -> pb.MatchCandidate:
    parts = found.breakdown
    return pb.MatchCandidate(
        volunteer_id=found.volunteer_id,
        score=found.score,
        distance_km=found.distance_km,
        breakdown=pb.ScoreBreakdown(
            skill_fit=parts.skill_fit,
            distance=parts.distance,
            availability=parts.availability,
            load=parts.load,
            fairness=parts.fairness,
            total=parts.total,
        ),
    )


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
        person_id=request.person_id,
        display_name=request.display_name,
        phone=request.phone,
        home_community_id=request.home_community_id,
        workplace_community_id=request.workplace_community_id,
        skills=list(request.skills),
        posts=list(request.posts),
        languages=list(request.languages),
        service_radius_km=request.service_radius_km,
        home=point(request, "home"),
        availability=time_windows(request.availability),
        max_concurrent_tasks=request.max_concurrent_tasks,
    )


def profile_changes(request: pb.UpdateVolunteerRequest) -> tuple[list[str], ProfileChanges]:
    """(mask paths, values). With a mask every named field is taken as given (so a field can
    be cleared); without one, only fields holding a non-default value are changed."""
    paths = list(request.update_mask.paths)
    if paths:
        if "home" in paths and not request.HasField("home"):
            raise InvalidArgument("home is required when update_mask names it", field="home")
        return paths, ProfileChanges(
            display_name=request.display_name,
            phone=request.phone,
            home_community_id=request.home_community_id,
            workplace_community_id=request.workplace_community_id,
            skills=list(request.skills),
            posts=list(request.posts),
            languages=list(request.languages),
            service_radius_km=request.service_radius_km,
            home=point(request, "home"),
            availability=time_windows(request.availability),
            max_concurrent_tasks=request.max_concurrent_tasks,
        )
    return paths, ProfileChanges(
        display_name=request.display_name or None,
        phone=request.phone or None,
        home_community_id=request.home_community_id or None,
        workplace_community_id=request.workplace_community_id or None,
        skills=list(request.skills) or None,
        posts=list(request.posts) or None,
        languages=list(request.languages) or None,
        service_radius_km=request.service_radius_km or None,
        home=point(request, "home"),
        availability=time_windows(request.availability) or None,
        max_concurrent_tasks=request.max_concurrent_tasks or None,
    )


def leaderboard_period(number: int) -> LeaderboardPeriod:
    """The period a request names; InvalidArgument for a number this service does not know."""
    period = LEADERBOARD_PERIOD.get(number)
    if period is None:
        raise InvalidArgument(f"period must be WEEK, MONTH, QUARTER, YEAR or ALL_TIME, got {number}", field="period")
    return period
