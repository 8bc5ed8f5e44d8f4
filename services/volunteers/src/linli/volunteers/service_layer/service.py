"""Command and query handlers for volunteer profiles and matching, and the service's start-up.

The other handlers live beside this module and share its ``Core`` (lock, repository,
directory): ``teams`` (teams and rosters), ``points`` (the ledger), ``tasks`` (the requests
consumer's effects). ``Services`` bundles them for the entrypoints.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from linli.common.errors import InvalidArgument, NotFound
from linli.volunteers.domain import catalogue, matching, volunteers
from linli.volunteers.domain.catalogue import CatalogueEntry
from linli.volunteers.domain.match_index import DEFAULT_K
from linli.volunteers.domain.model import GeoPoint, Team, Volunteer
from linli.volunteers.domain.scoring import ScoreBreakdown
from linli.volunteers.domain.volunteers import IdentityCard, ProfileChanges, Registration
from linli.volunteers.service_layer.core import Core
from linli.volunteers.service_layer.points import PointsService
from linli.volunteers.service_layer.tasks import TaskService
from linli.volunteers.service_layer.teams import TeamsService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One MatchVolunteers result with the parts of its score."""

    volunteer_id: str
    score: float
    distance_km: float
    breakdown: ScoreBreakdown


class VolunteersService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.directory = core.directory
        self.repository = core.repository
        self.access = core.access

    # -- start-up -----------------------------------------------------------------------------
    def load(self) -> None:
        """Fills the directory and builds the MatchIndex from the database (at start).

        Volunteers' ``team_ids`` are derived from the team rosters here (see ``teams``): the
        stored copy is whatever the volunteer's last profile write saw.
        """
        teams = list(self.repository.load(Team))
        rosters: dict[str, list[str]] = {}
        for team in sorted(teams, key=lambda t: (t.created_at, t.id)):
            for member in team.member_ids:
                rosters.setdefault(member, []).append(team.id)
        people = list(self.repository.load(Volunteer))
        for volunteer in people:
            volunteer.team_ids = tuple(rosters.get(volunteer.id, ()))
        self.directory.load(people, teams, self.repository.load_entries())
        log.info("directory loaded", extra={"volunteers": len(people), "teams": len(teams),
                                            "ledger_entries": len(self.directory.entries),
                                            **self.directory.index.stats()})

    # -- commands ------------------------------------------------------------------------------
    def register(self, idempotency_key: str, registration: Registration) -> Volunteer:
        """Registers the caller (or, for staff, ``person_id``); a retry with the same key
        returns the first result."""
        core = self.core
        with core.lock:
            person_id = registration.person_id.strip() or self.access.caller().subject
            registration = dataclasses.replace(registration, person_id=person_id)
            self.access.require_self_or_staff(
                person_id, (registration.home_community_id, registration.workplace_community_id),
                "register this person as a volunteer")
            volunteer_id = core.new_id("vol", idempotency_key)
            if (existing := self.directory.volunteers.get(volunteer_id)) is not None:
                return existing  # a retry of a registration that succeeded
            holder = self.directory.volunteers.get(self.directory.by_person.get(person_id, ""))
            volunteer = volunteers.register(volunteer_id, registration, core.clock(), context=core.context(),
                                            existing_for_person=holder)
            self.repository.add(volunteer)
            self.directory.put_volunteer(volunteer)
            self.directory.index_volunteer(volunteer)
            return volunteer

    def update(self, volunteer_id: str, expected_version: int, paths: Sequence[str],
               values: ProfileChanges) -> Volunteer:
        core = self.core
        with core.lock:
            current = core.volunteer(volunteer_id)
            self.access.require_self_or_staff(current.person_id, _communities(current), "change this volunteer")
            changes = volunteers.changes_from_mask(paths, values)
            working = copy.deepcopy(current)
            stored_version = working.version
            if not volunteers.update(working, changes, core.clock(), expected_version=expected_version,
                                     context=core.context()):
                return current
            core.store_volunteer(working, stored_version, reindex=True)
            return working

    def suspend(self, volunteer_id: str, expected_version: int, reason: str) -> Volunteer:
        core = self.core
        with core.lock:
            current = core.volunteer(volunteer_id)
            self.access.require_staff(_communities(current), "suspend this volunteer")
            working = copy.deepcopy(current)
            stored_version = working.version
            if not volunteers.suspend(working, reason, core.clock(), expected_version=expected_version,
                                      context=core.context()):
                return current
            core.store_volunteer(working, stored_version, reindex=True)
            return working

    def reactivate(self, volunteer_id: str, expected_version: int) -> Volunteer:
        core = self.core
        with core.lock:
            current = core.volunteer(volunteer_id)
            self.access.require_staff(_communities(current), "reactivate this volunteer")
            working = copy.deepcopy(current)
            stored_version = working.version
            if not volunteers.reactivate(working, core.clock(), expected_version=expected_version,
                                         context=core.context()):
                return current
            core.store_volunteer(working, stored_version, reindex=True)
            return working

    # -- queries --------------------------------------------------------------------------------
    def get(self, volunteer_id: str, person_id: str) -> Volunteer:
        """By id, or by person id when the id is empty."""
        if volunteer_id or not person_id:
            return self.core.volunteer(volunteer_id)
        found = self.directory.by_person.get(person_id)
        if found is None:
            raise NotFound(f"person {person_id} is not registered as a volunteer", field="person_id")
        return self.directory.volunteers[found]

    def identity_card(self, volunteer_id: str) -> IdentityCard:
        volunteer = self.core.volunteer(volunteer_id, "volunteer_id")
        return volunteers.identity_card(volunteer, self.directory.teams_of(volunteer))

    def search(self, community_id: str, skill: str, post: str, team_id: str,
               include_suspended: bool) -> list[Volunteer]:
        """Volunteers passing every filter given, ordered by id."""
        if not (community_id or skill or post or team_id):
            raise InvalidArgument("give at least one of community_id, skill, post or team_id", field="community_id")
        skill_code = _code(skill, catalogue.skill, "skill")
        post_code = _code(post, catalogue.post, "post")
        if team_id:
            self.core.team(team_id, "team_id")
        ids = self.directory.ids_matching(community_id, skill_code, post_code, team_id)
        found = [v for vid in sorted(ids) if (v := self.directory.volunteers.get(vid)) is not None]
        return found if include_suspended else [v for v in found if v.active]

    def may_see_personal(self, volunteer: Volunteer) -> bool:
        return self.access.may_see_personal(volunteer)

    def match(self, location: GeoPoint | None, skills: Sequence[str], category: str, at: datetime | None,
              k: int) -> tuple[tuple[str, ...], list[Candidate]]:
        """The best k volunteers for a request (the skills used, and the ranked candidates)."""
        if location is None:
            raise InvalidArgument("location is required", field="location")
        used = matching.resolve_skills(skills, category)
        when = at or self.core.clock()
        k = k or DEFAULT_K
        with self.directory.index_lock:
            index = self.directory.index
            found = index.match(location.lat, location.lng, skills, when, k, category=category)
            return used, [
                Candidate(vid, score, distance,
                          index.breakdown(vid, location.lat, location.lng, skills, when, category=category))
                for vid, score, distance in found
            ]


def _code(value: str, lookup: Callable[[str], CatalogueEntry | None], field: str) -> str:
    """A catalogue code given as a filter ("" when not given); InvalidArgument when unknown."""
    code = value.strip().lower()
    if code and lookup(code) is None:
        raise InvalidArgument(f"{field}: unknown {field} {value!r}; see the catalogue for valid codes", field=field)
    return code


def _communities(volunteer: Volunteer) -> tuple[str, str]:
    return volunteer.home_community_id, volunteer.workplace_community_id


@dataclass(frozen=True)
class Services:
    """Every handler of the service, sharing one Core."""

    core: Core
    volunteers: VolunteersService
    teams: TeamsService
    points: PointsService
    tasks: TaskService

    @classmethod
    def of(cls, core: Core) -> Services:
        return cls(core, VolunteersService(core), TeamsService(core), PointsService(core), TaskService(core))

    def load(self) -> None:
        self.volunteers.load()
