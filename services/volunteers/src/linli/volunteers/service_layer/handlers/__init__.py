"""Every command and query of the volunteers service and the function that runs it.

A handler is ``handle(command, <dependencies>)``; the message bus (``bootstrap``) injects the
dependencies by parameter name:

- ``uow``: the kit's ``UnitOfWork`` over the volunteers repository and the directory (per-key
  locks, working copies, one version-checked write with the events, then the swap into the
  read model);
- ``directory``: the read model (``ports.VolunteersReadModel``);
- ``ledger_store``: the append-only ledger and pending resolutions (``ports.LedgerStore``);
- ``access``: the access rules (the caller is taken from ``command.actor``);
- ``clock``: the time now.

Modules: ``volunteers`` (profiles, search, matching, catalogue), ``teams``, ``points`` (the
ledger), ``tasks`` (the requests service's events).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.handlers import points, tasks, teams, volunteers

HANDLERS: Mapping[type[Any], Callable[..., Any]] = {
    c.RegisterVolunteer: volunteers.register_volunteer,
    c.UpdateVolunteer: volunteers.update_volunteer,
    c.SuspendVolunteer: volunteers.suspend_volunteer,
    c.ReactivateVolunteer: volunteers.reactivate_volunteer,
    c.GetVolunteer: volunteers.get_volunteer,
    c.GetIdentityCard: volunteers.get_identity_card,
    c.SearchVolunteers: volunteers.search_volunteers,
    c.MatchVolunteers: volunteers.match_volunteers,
    c.ListPosts: volunteers.list_posts,
    c.ListSkills: volunteers.list_skills,
    c.CreateTeam: teams.create_team,
    c.JoinTeam: teams.join_team,
    c.LeaveTeam: teams.leave_team,
    c.GetTeamRoster: teams.get_team_roster,
    c.ListTeams: teams.list_teams,
    c.RecordCorrection: points.record_correction,
    c.GetPointsBalance: points.get_points_balance,
    c.ListLedgerEntries: points.list_ledger_entries,
    c.GetLeaderboard: points.get_leaderboard,
    c.AssignTask: tasks.assign_task,
    c.ReleaseTask: tasks.release_task,
    c.RecordResolution: tasks.record_resolution,
    c.CreditRating: tasks.credit_rating,
}
