"""Command and query handlers for teams: create, join, leave, roster, list.

The team document is the source of truth for membership. Each member's ``team_ids`` is
derived from the rosters: computed at start (``VolunteersService.load``) and kept in step in
memory on join and leave, without writing the volunteer's document. So a join is one write
(the team, with its event), there is no second write that a crash could leave undone, and a
volunteer's version only changes when their profile or load does.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from linli.common.errors import AlreadyExists
from linli.volunteers.domain import teams, volunteers
from linli.volunteers.domain.model import Team, Volunteer
from linli.volunteers.domain.volunteers import IdentityCard
from linli.volunteers.service_layer.core import Core


class TeamsService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.directory = core.directory
        self.access = core.access

    def create(self, *, idempotency_key: str, name: str, leader_volunteer_id: str, focus: str,
               owning_organization_id: str, rapid_response: bool) -> Team:
        core = self.core
        with core.lock:
            self.access.require_staff((owning_organization_id.strip(),), "create teams for this organisation")
            team_id = core.new_id("team", idempotency_key)
            if (existing := self.directory.teams.get(team_id)) is not None:
                return existing  # a retry of a create that succeeded
            leader = core.volunteer(leader_volunteer_id, "leader_volunteer_id")
            team = teams.create_team(team_id, name=name, leader=leader, focus=focus,
                                     owning_organization_id=owning_organization_id, rapid_response=rapid_response,
                                     now=core.clock(), context=core.context())
            holder = self.directory.team_named(team.owning_organization_id, team.name)
            if holder is not None:
                raise AlreadyExists(f"{team.owning_organization_id} already has a team named {team.name!r} ({holder})",
                                    field="name")
            core.repository.add(team)
            self.directory.put_team(team)
            self._copy_membership(leader.id, team.id, teams.add_team_id)
            return team

    def join(self, team_id: str, volunteer_id: str, expected_version: int) -> Team:
        return self._change(team_id, volunteer_id, expected_version, joining=True)

    def leave(self, team_id: str, volunteer_id: str, expected_version: int) -> Team:
        return self._change(team_id, volunteer_id, expected_version, joining=False)

    def _change(self, team_id: str, volunteer_id: str, expected_version: int, *, joining: bool) -> Team:
        core = self.core
        with core.lock:
            current = core.team(team_id, "team_id")
            volunteer = core.volunteer(volunteer_id, "volunteer_id")
            leader = self.directory.volunteers.get(current.leader_volunteer_id)
            self.access.require_one_of(
                (volunteer.person_id, leader.person_id if leader else ""), (current.owning_organization_id,),
                f"{'add' if joining else 'remove'} members of this team")
            working = copy.deepcopy(current)
            stored_version = working.version
            if joining:
                changed = teams.join_team(working, volunteer, core.clock(), expected_version=expected_version,
                                          context=core.context())
            else:
                changed = teams.leave_team(working, volunteer.id, core.clock(), expected_version=expected_version,
                                           context=core.context())
            if changed:
                core.repository.save(working, stored_version)
                self.directory.put_team(working)
            self._copy_membership(volunteer.id, team_id, teams.add_team_id if joining else teams.remove_team_id)
            return self.directory.teams[team_id]

    def _copy_membership(self, volunteer_id: str, team_id: str, change: Callable[[Volunteer, str], bool]) -> None:
        """Brings the member's in-memory list of teams in step with the roster."""
        working = dataclasses.replace(self.directory.volunteers[volunteer_id])
        if change(working, team_id):
            working.team_ids = tuple(sorted(working.team_ids, key=self._team_order))
            self.directory.put_volunteer(working)

    def _team_order(self, team_id: str) -> tuple[datetime, str]:
        """Teams in the order they were created (as ``VolunteersService.load`` lists them)."""
        team = self.directory.teams.get(team_id)
        return (team.created_at if team else datetime.max.replace(tzinfo=UTC)), team_id

    # -- queries ------------------------------------------------------------------------------
    def roster(self, team_id: str) -> tuple[Team, list[IdentityCard]]:
        team = self.core.team(team_id)
        cards = []
        for member_id in team.member_ids:
            member = self.directory.volunteers.get(member_id)
            if member is not None:
                cards.append(volunteers.identity_card(member, self.directory.teams_of(member)))
        return team, cards

    def list_teams(self, owning_organization_id: str, focus: str, rapid_response_only: bool) -> list[Team]:
        """Teams passing the filters, ordered by name (then id)."""
        wanted_focus = focus.strip().casefold()
        found = [
            team for team in list(self.directory.teams.values())
            if (not owning_organization_id or team.owning_organization_id == owning_organization_id)
            and (not wanted_focus or team.focus.casefold() == wanted_focus)
            and (not rapid_response_only or team.rapid_response)
        ]
        return sorted(found, key=lambda t: (t.name.casefold(), t.id))
