"""Handlers of teams: create, join, leave, roster, list.

The team document is the source of truth for membership; members' lists of teams follow the
rosters in the read model (see ``adapters.directory``), so a join or leave is one write.
Commands lock the team and the volunteer concerned; a create also locks
``team-name:<org>:<name>``, the invariant "one team of a name per organisation".
"""

from __future__ import annotations

import unicodedata

from linli.common import validation
from linli.common.errors import AlreadyExists
from linli.common.unit_of_work import UnitOfWork
from linli.volunteers.domain import teams, volunteers
from linli.volunteers.domain.model import Team, Volunteer
from linli.volunteers.domain.volunteers import IdentityCard
from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.access import Access
from linli.volunteers.service_layer.handlers.common import (
    Clock,
    check_same_payload,
    context_of,
    fresh_id,
    payload_digest,
    stored_team,
    stored_volunteer,
    working_team,
)
from linli.volunteers.service_layer.ports import VolunteersReadModel

#: Longest focus filter ListTeams looks at (team focuses are short texts).
FOCUS_FILTER_MAX_LENGTH = 200


def name_key(owning_organization_id: str, name: str) -> str:
    """The lock key of a team name (names compare trimmed, NFC and case-folded)."""
    return f"team-name:{owning_organization_id.strip()}:{unicodedata.normalize('NFC', name.strip()).casefold()}"


def create_team(
    command: c.CreateTeam, uow: UnitOfWork, directory: VolunteersReadModel, access: Access, clock: Clock
) -> Team:
    actor = command.actor
    access.require_staff(
        actor.identity, (command.owning_organization_id.strip(),), "create teams for this organisation"
    )
    team_id = fresh_id("team", actor, command.idempotency_key)
    digest = payload_digest(command)
    with uow.start(
        team_id, command.leader_volunteer_id, name_key(command.owning_organization_id, command.name)
    ) as work:
        if (existing := directory.find(Team, team_id)) is not None:
            check_same_payload(existing.request_hash, digest, "team")
            return existing  # a retry of a create that succeeded
        leader = stored_volunteer(directory, command.leader_volunteer_id, "leader_volunteer_id")
        team = teams.create_team(
            team_id,
            name=command.name,
            leader=leader,
            focus=command.focus,
            owning_organization_id=command.owning_organization_id,
            rapid_response=command.rapid_response,
            now=clock(),
            context=context_of(actor),
        )
        team.request_hash = digest
        holder = directory.team_named(team.owning_organization_id, team.name)
        if holder is not None:
            raise AlreadyExists(
                f"{team.owning_organization_id} already has a team named {team.name!r} ({holder})", field="name"
            )
        work.add(team)
        work.commit()
    return team


def join_team(
    command: c.JoinTeam, uow: UnitOfWork, directory: VolunteersReadModel, access: Access, clock: Clock
) -> Team:
    return _change(command, uow, directory, access, clock, joining=True)


def leave_team(
    command: c.LeaveTeam, uow: UnitOfWork, directory: VolunteersReadModel, access: Access, clock: Clock
) -> Team:
    return _change(command, uow, directory, access, clock, joining=False)


def _change(
    command: c.JoinTeam | c.LeaveTeam,
    uow: UnitOfWork,
    directory: VolunteersReadModel,
    access: Access,
    clock: Clock,
    *,
    joining: bool,
) -> Team:
    actor = command.actor
    with uow.start(command.team_id, command.volunteer_id) as work:
        team = working_team(work, command.team_id, "team_id")
        volunteer = stored_volunteer(directory, command.volunteer_id, "volunteer_id")
        leader = directory.find(Volunteer, team.leader_volunteer_id)
        access.require_one_of(
            actor.identity,
            (volunteer.person_id, leader.person_id if leader else ""),
            (team.owning_organization_id,),
            f"{'add' if joining else 'remove'} members of this team",
        )
        if joining:
            teams.join_team(
                team, volunteer, clock(), expected_version=command.expected_version, context=context_of(actor)
            )
        else:
            teams.leave_team(
                team, volunteer.id, clock(), expected_version=command.expected_version, context=context_of(actor)
            )
        work.commit()
    return team


# -- queries --------------------------------------------------------------------------------------
def get_team_roster(command: c.GetTeamRoster, directory: VolunteersReadModel) -> tuple[Team, list[IdentityCard]]:
    team = stored_team(directory, command.team_id)
    cards = []
    for member_id in team.member_ids:
        member = directory.find(Volunteer, member_id)
        if member is not None:
            cards.append(volunteers.identity_card(member, directory.teams_of(member)))
    return team, cards


def list_teams(command: c.ListTeams, directory: VolunteersReadModel) -> list[Team]:
    owner = validation.optional_identifier(command.owning_organization_id, "owning_organization_id")
    if len(command.focus) > FOCUS_FILTER_MAX_LENGTH:
        raise validation.invalid("focus", f"must be at most {FOCUS_FILTER_MAX_LENGTH} characters")
    wanted_focus = command.focus.strip().casefold()
    found = [
        team
        for team in directory.all_teams()
        if (not owner or team.owning_organization_id == owner)
        and (not wanted_focus or team.focus.casefold() == wanted_focus)
        and (not command.rapid_response_only or team.rapid_response)
    ]
    return sorted(found, key=lambda t: (t.name.casefold(), t.id))
