"""The team aggregate's behaviour: create, join, leave.

The Team document is the source of truth for membership (its roster); ``Volunteer.team_ids``
is a copy the service layer keeps from TeamMemberJoined/TeamMemberLeft (the local database
has no multi-document transactions, so the two are never written together). Joining twice
or leaving a team one is not in changes nothing, so retries are harmless.
"""

from __future__ import annotations

from datetime import datetime

from linli.common.errors import FailedPrecondition

from . import events as ev
from . import rules
from .events import EventContext
from .model import Team, Volunteer
from .volunteers import require_active

FOCUS_MAX_LENGTH = 60
#: A roster this long is a data error, not a team (Taizhou: 54,000 volunteers in 1,600 teams).
MAX_TEAM_MEMBERS = 2000


def create_team(
    team_id: str,
    *,
    name: str,
    leader: Volunteer,
    focus: str,
    owning_organization_id: str,
    rapid_response: bool,
    now: datetime,
    context: EventContext | None = None,
) -> Team:
    """A team at version 1 whose first member is its (active) leader, with TeamCreated."""
    cleaned_name = rules.validate_text(name, "name", max_length=rules.TEAM_NAME_MAX_LENGTH, required=True)
    cleaned_focus = rules.validate_text(focus, "focus", max_length=FOCUS_MAX_LENGTH)
    org = rules.validate_id(owning_organization_id, "owning_organization_id")
    require_active(leader, "leader_volunteer_id")
    team = Team(
        id=team_id,
        name=cleaned_name,
        leader_volunteer_id=leader.id,
        focus=cleaned_focus,
        owning_organization_id=org,
        rapid_response=rapid_response,
        member_ids=(leader.id,),
        created_at=now,
        updated_at=now,
    )
    team.pending_events.append(
        ev.TeamCreated(
            team_id=team_id,
            name=cleaned_name,
            leader_volunteer_id=leader.id,
            focus=cleaned_focus,
            owning_organization_id=org,
            rapid_response=rapid_response,
            at=now,
            context=context or EventContext(),
        )
    )
    return team


def join_team(
    team: Team,
    volunteer: Volunteer,
    now: datetime,
    *,
    expected_version: int = 0,
    context: EventContext | None = None,
) -> bool:
    """Adds an active volunteer; False (no change) when already a member."""
    rules.check_version(team.version, expected_version)
    if volunteer.id in team.member_ids:
        return False
    require_active(volunteer)
    if len(team.member_ids) >= MAX_TEAM_MEMBERS:
        raise FailedPrecondition(f"team {team.id} already has {MAX_TEAM_MEMBERS} members", field="team_id")
    team.member_ids = (*team.member_ids, volunteer.id)
    team.touch(now)
    team.pending_events.append(
        ev.TeamMemberJoined(
            team_id=team.id, volunteer_id=volunteer.id, version=team.version, at=now, context=context or EventContext()
        )
    )
    return True


def leave_team(
    team: Team,
    volunteer_id: str,
    now: datetime,
    *,
    expected_version: int = 0,
    context: EventContext | None = None,
) -> bool:
    """Removes a member; False (no change) when not a member. The leader cannot leave."""
    rules.check_version(team.version, expected_version)
    if volunteer_id not in team.member_ids:
        return False
    if volunteer_id == team.leader_volunteer_id:
        raise FailedPrecondition(
            f"volunteer {volunteer_id} leads team {team.id}; hand the team to another leader first",
            field="volunteer_id",
        )
    team.member_ids = tuple(m for m in team.member_ids if m != volunteer_id)
    team.touch(now)
    team.pending_events.append(
        ev.TeamMemberLeft(
            team_id=team.id, volunteer_id=volunteer_id, version=team.version, at=now, context=context or EventContext()
        )
    )
    return True


def add_team_id(volunteer: Volunteer, team_id: str) -> bool:
    """Keeps the volunteer's copy of its teams in step with a join (idempotent)."""
    if team_id in volunteer.team_ids:
        return False
    volunteer.team_ids = (*volunteer.team_ids, team_id)
    return True


def remove_team_id(volunteer: Volunteer, team_id: str) -> bool:
    """Keeps the volunteer's copy of its teams in step with a leave (idempotent)."""
    if team_id not in volunteer.team_ids:
        return False
    volunteer.team_ids = tuple(t for t in volunteer.team_ids if t != team_id)
    return True
