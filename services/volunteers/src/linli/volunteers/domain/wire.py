"""Aggregates and query results in protobuf's JSON mapping (``linli/v1/volunteers.proto``).

The events already carry their payloads in this form (``volunteers``, ``teams``,
``ledger``); building responses the same way keeps one mapping for both, and the gRPC
adapter only parses it (``json_format.ParseDict``). Canonical mapping rules: lowerCamelCase
names, enums by name, int64 as strings, Timestamps as RFC 3339 UTC; fields at their default
are left out.

Personal data (phone, home location) is included only when the caller says the reader may
see it (``personal=True``); the identity card never has it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from linli.common.domain_events import optional_timestamp_json as timestamp

from .catalogue import CatalogueEntry
from .events import JsonDict
from .ledger import LeaderboardPeriod, LeaderboardRow, PointsBalance
from .model import LedgerEntry, Team, TimeWindow, Volunteer
from .volunteers import IdentityCard


def _compact(values: dict[str, Any]) -> JsonDict:
    """Drops defaults (None, "", 0, False, empty lists) like the canonical mapping."""
    return {k: v for k, v in values.items() if v not in (None, "", 0, 0.0, "0", False, [], {})}


def time_window(value: TimeWindow) -> JsonDict:
    return {"weekday": value.weekday, "start": value.start, "end": value.end}


def volunteer(value: Volunteer, *, personal: bool) -> JsonDict:
    """``linli.v1.Volunteer``; phone and home only when ``personal``."""
    return _compact(
        {
            "id": value.id,
            "personId": value.person_id,
            "displayName": value.display_name,
            "phone": value.phone if personal else "",
            "homeCommunityId": value.home_community_id,
            "workplaceCommunityId": value.workplace_community_id,
            "skills": list(value.skills),
            "posts": list(value.posts),
            "languages": list(value.languages),
            "serviceRadiusKm": value.service_radius_km,
            "home": {"lat": value.home.lat, "lng": value.home.lng} if personal else None,
            "availability": [time_window(w) for w in value.availability],
            "maxConcurrentTasks": value.max_concurrent_tasks,
            "openTasks": value.open_tasks,
            "status": value.status.wire_name,
            "teamIds": list(value.team_ids),
            "version": str(value.version),
            "createdAt": timestamp(value.created_at),
            "updatedAt": timestamp(value.updated_at),
            "suspendedAt": timestamp(value.suspended_at),
            "suspensionReason": value.suspension_reason,
        }
    )


def post(entry: CatalogueEntry) -> JsonDict:
    """``linli.v1.Post``."""
    return {"code": entry.code, "name": {"zh": entry.zh, "en": entry.en}}


def skill(entry: CatalogueEntry) -> JsonDict:
    """``linli.v1.Skill``."""
    return {"code": entry.code, "name": {"zh": entry.zh, "en": entry.en}, "group": entry.group}


def identity_card(card: IdentityCard) -> JsonDict:
    """``linli.v1.IdentityCard``."""
    return _compact(
        {
            "volunteerId": card.volunteer_id,
            "displayName": card.display_name,
            "homeCommunityId": card.home_community_id,
            "teams": [_compact({"teamId": t, "name": n, "leader": lead}) for t, n, lead in card.teams],
            "posts": [post(p) for p in card.posts],
            "active": card.active,
            "memberSince": timestamp(card.member_since),
        }
    )


def team(value: Team) -> JsonDict:
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
            "createdAt": timestamp(value.created_at),
            "updatedAt": timestamp(value.updated_at),
        }
    )


def team_roster(value: Team, members: Sequence[IdentityCard]) -> JsonDict:
    """``linli.v1.TeamRoster``."""
    return {"team": team(value), "members": [identity_card(m) for m in members]}


def ledger_entry(value: LedgerEntry) -> JsonDict:
    """``linli.v1.LedgerEntry``."""
    return _compact(
        {
            "id": value.id,
            "volunteerId": value.volunteer_id,
            "requestId": value.request_id,
            "hours": value.hours,
            "points": str(value.points),
            "creditedCommunityId": value.credited_community_id,
            "kind": value.kind.wire_name,
            "causeEventId": value.cause_event_id,
            "rating": value.rating,
            "reason": value.reason,
            "correctsEntryId": value.corrects_entry_id,
            "occurredAt": timestamp(value.occurred_at),
            "createdAt": timestamp(value.created_at),
            "recordedBy": {"personId": value.recorded_by} if value.recorded_by else None,
        }
    )


def points_balance(value: PointsBalance) -> JsonDict:
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


def leaderboard(
    community_id: str,
    period: LeaderboardPeriod,
    bounds: tuple[datetime, datetime] | None,
    rows: Sequence[LeaderboardRow],
    names: dict[str, str],
) -> JsonDict:
    """``linli.v1.Leaderboard``; ``names`` maps volunteer ids to display names."""
    return _compact(
        {
            "communityId": community_id,
            "period": f"LEADERBOARD_PERIOD_{period.name}",
            "periodStart": timestamp(bounds[0]) if bounds else None,
            "periodEnd": timestamp(bounds[1]) if bounds else None,
            "rows": [
                _compact(
                    {
                        "rank": row.rank,
                        "volunteerId": row.volunteer_id,
                        "displayName": names.get(row.volunteer_id, ""),
                        "points": str(row.points),
                        "hours": row.hours,
                    }
                )
                for row in rows
            ],
        }
    )
