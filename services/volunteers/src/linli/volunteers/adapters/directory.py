"""The in-memory read model: every volunteer, team and ledger entry, and the MatchIndex.

Why in memory: the local MongoDB-compatible server pushes only `_id` lookups down to its
storage, so "volunteers of this community with this skill", a leaderboard or the nearest
volunteers as database queries would scan whole collections. A city has 10^4-10^5
volunteers (Taizhou: 54,000), a few tens of megabytes here; the MatchIndex is built for 10^6.
The directory is loaded from the database at start and changed only by the unit of work,
after the database write succeeded (``put``), so it never shows what was not stored.

``put`` keeps everything derived in step, so handlers never touch an index:

- a volunteer is refiled under its communities, skills, posts and held requests, and
  reindexed in the MatchIndex when a matching-relevant field changed (its profile fully,
  its load and fairness counter in place);
- a team's roster is the source of truth for membership: each member's ``team_ids`` is
  derived from the rosters here (teams in creation order), at load and on every put, so a
  join is one write (the team) and a volunteer's version only changes with their profile
  or load.

Aggregates held here are never mutated after they were put: the unit of work changes a copy
and swaps it in, so a reader holding an object sees a consistent snapshot without a lock.
Readers copy a collection (``list(...)``, one C-level step under the GIL) before iterating
it, because a writer may add to it meanwhile. Writers (``put``) are serialised by a lock of
their own: commands on different aggregates run in parallel up to here. The MatchIndex is
changed in place, so queries and updates of it take ``index_lock`` (a query costs well
under a millisecond at city scale).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from linli.volunteers.domain.match_index import MatchIndex
from linli.volunteers.domain.matching import Candidate
from linli.volunteers.domain.model import LedgerEntry, Team, Volunteer

A = TypeVar("A")

_LATEST = datetime.max.replace(tzinfo=UTC)


def _profile(volunteer: Volunteer) -> tuple[Any, ...]:
    """What the MatchIndex files a volunteer under (a change means a full reindex)."""
    return (
        volunteer.home,
        volunteer.service_radius_km,
        volunteer.skills,
        volunteer.availability,
        volunteer.max_concurrent_tasks,
        volunteer.status,
    )


def _load(volunteer: Volunteer) -> tuple[Any, ...]:
    """What the MatchIndex updates in place."""
    return volunteer.open_tasks, volunteer.recent_assignments


class Directory:
    def __init__(self, reference_lat: float = 28.65) -> None:
        self.reference_lat = reference_lat
        self.volunteers: dict[str, Volunteer] = {}
        self.by_person: dict[str, str] = {}  # person id -> volunteer id
        self.by_community: defaultdict[str, set[str]] = defaultdict(set)  # home or workplace community
        self.by_skill: defaultdict[str, set[str]] = defaultdict(set)
        self.by_post: defaultdict[str, set[str]] = defaultdict(set)
        self.holders: dict[str, str] = {}  # request id -> volunteer holding it
        self.teams: dict[str, Team] = {}
        self.team_names: dict[tuple[str, str], str] = {}  # (owning org, casefolded name) -> team id
        self.memberships: defaultdict[str, set[str]] = defaultdict(set)  # volunteer id -> team ids (rosters)
        self.entries: dict[str, LedgerEntry] = {}
        self.entries_by_volunteer: defaultdict[str, list[LedgerEntry]] = defaultdict(list)
        self.entries_by_community: defaultdict[str, list[LedgerEntry]] = defaultdict(list)
        self.index = MatchIndex(reference_lat=reference_lat)
        self.index_lock = threading.Lock()
        self._write_lock = threading.RLock()

    # -- the read model port ----------------------------------------------------------------------
    def find(self, kind: type[A], aggregate_id: str) -> A | None:
        found: Any
        if kind is Volunteer:
            found = self.volunteers.get(aggregate_id)
        elif kind is Team:
            found = self.teams.get(aggregate_id)
        elif kind is LedgerEntry:
            found = self.entries.get(aggregate_id)
        else:
            raise TypeError(f"the directory holds no {kind.__name__}")
        return found  # type: ignore[no-any-return]

    def put(self, aggregate: object) -> None:
        """Swaps a stored aggregate in, with everything derived from it."""
        with self._write_lock:
            if isinstance(aggregate, Volunteer):
                self._put_volunteer(aggregate)
            elif isinstance(aggregate, Team):
                self._put_team(aggregate)
            elif isinstance(aggregate, LedgerEntry):
                self._put_entry(aggregate)
            else:
                raise TypeError(f"the directory holds no {type(aggregate).__name__}")

    # -- volunteers ---------------------------------------------------------------------------
    def _put_volunteer(self, volunteer: Volunteer, *, index: bool = True) -> None:
        volunteer.team_ids = self._team_ids(volunteer.id)
        previous = self.volunteers.get(volunteer.id)
        if previous is not None:
            for keys, key in self._keys(previous):
                keys[key].discard(previous.id)
            for request_id in previous.open_request_ids:
                if self.holders.get(request_id) == previous.id:
                    del self.holders[request_id]
        self.volunteers[volunteer.id] = volunteer
        self.by_person[volunteer.person_id] = volunteer.id
        for keys, key in self._keys(volunteer):
            keys[key].add(volunteer.id)
        for request_id in volunteer.open_request_ids:
            self.holders[request_id] = volunteer.id
        if index:
            self._reindex(previous, volunteer)

    def _reindex(self, previous: Volunteer | None, volunteer: Volunteer) -> None:
        if previous is not None and _profile(previous) == _profile(volunteer):
            if _load(previous) != _load(volunteer):
                with self.index_lock:
                    self.index.set_load(volunteer.id, volunteer.open_tasks)
                    self.index.set_recent(volunteer.id, volunteer.recent_assignments)
            return
        with self.index_lock:
            self.index.upsert(volunteer)

    def _keys(self, volunteer: Volunteer) -> list[tuple[defaultdict[str, set[str]], str]]:
        """(secondary index, key) pairs a volunteer is filed under."""
        keys = [(self.by_community, volunteer.home_community_id)]
        if volunteer.workplace_community_id:
            keys.append((self.by_community, volunteer.workplace_community_id))
        keys += [(self.by_skill, code) for code in volunteer.skills]
        keys += [(self.by_post, code) for code in volunteer.posts]
        return keys

    def volunteer_of_person(self, person_id: str) -> Volunteer | None:
        return self.volunteers.get(self.by_person.get(person_id, ""))

    def holder_of(self, request_id: str) -> str:
        return self.holders.get(request_id, "")

    def ids_matching(self, community_id: str, skill: str, post: str, team_id: str) -> set[str]:
        """Volunteer ids passing every filter given (at least one must be)."""
        sets: list[set[str]] = []
        if community_id:
            sets.append(set(self.by_community.get(community_id, ())))
        if skill:
            sets.append(set(self.by_skill.get(skill, ())))
        if post:
            sets.append(set(self.by_post.get(post, ())))
        if team_id:
            team = self.teams.get(team_id)
            sets.append(set(team.member_ids) if team else set())
        sets.sort(key=len)
        found = sets[0]
        for other in sets[1:]:
            found &= other
        return found

    def match(
        self, lat: float, lng: float, skills: tuple[str, ...], at: datetime, k: int, category: str
    ) -> list[Candidate]:
        with self.index_lock:
            index = self.index
            return [
                Candidate(vid, score, distance, index.breakdown(vid, lat, lng, skills, at, category=category))
                for vid, score, distance in index.match(lat, lng, skills, at, k, category=category)
            ]

    # -- teams ----------------------------------------------------------------------------------
    def _put_team(self, team: Team) -> None:
        previous = self.teams.get(team.id)
        before = set(previous.member_ids) if previous is not None else set()
        if previous is not None:
            self.team_names.pop(_team_key(previous), None)
        self.teams[team.id] = team
        self.team_names[_team_key(team)] = team.id
        after = set(team.member_ids)
        for member in after - before:
            self.memberships[member].add(team.id)
        for member in before - after:
            self.memberships[member].discard(team.id)
        for member in sorted(after ^ before):
            self._refresh_teams_of(member)

    def _refresh_teams_of(self, volunteer_id: str) -> None:
        """Replaces the member's snapshot by one listing the teams its rosters say."""
        current = self.volunteers.get(volunteer_id)
        if current is not None and current.team_ids != self._team_ids(volunteer_id):
            self.volunteers[volunteer_id] = dataclasses.replace(current, team_ids=self._team_ids(volunteer_id))

    def _team_ids(self, volunteer_id: str) -> tuple[str, ...]:
        """The volunteer's teams in the order they were created."""
        return tuple(sorted(self.memberships.get(volunteer_id, ()), key=self._team_order))

    def _team_order(self, team_id: str) -> tuple[datetime, str]:
        team = self.teams.get(team_id)
        return (team.created_at if team else _LATEST), team_id

    def team_named(self, owning_organization_id: str, name: str) -> str | None:
        return self.team_names.get((owning_organization_id, name.casefold()))

    def teams_of(self, volunteer: Volunteer) -> list[Team]:
        return [team for team_id in volunteer.team_ids if (team := self.teams.get(team_id)) is not None]

    def all_teams(self) -> list[Team]:
        return list(self.teams.values())

    # -- ledger -----------------------------------------------------------------------------------
    def _put_entry(self, entry: LedgerEntry) -> None:
        """Adds an entry once (entries are never replaced: the ledger is append-only)."""
        if entry.id in self.entries:
            return
        self.entries[entry.id] = entry
        self.entries_by_volunteer[entry.volunteer_id].append(entry)
        self.entries_by_community[entry.credited_community_id].append(entry)

    def entries_of_volunteer(self, volunteer_id: str) -> list[LedgerEntry]:
        return list(self.entries_by_volunteer.get(volunteer_id, ()))

    def entries_of_community(self, community_id: str) -> list[LedgerEntry]:
        return list(self.entries_by_community.get(community_id, ()))

    # -- start-up ---------------------------------------------------------------------------------
    def load(self, volunteers: Iterable[Volunteer], teams: Iterable[Team], entries: Iterable[LedgerEntry]) -> None:
        """Fills the directory (at start) and builds the MatchIndex in one pass. Volunteers'
        team lists come from the rosters, whatever their stored copy says."""
        with self._write_lock:
            for team in teams:
                self._put_team(team)
            for volunteer in volunteers:
                self._put_volunteer(volunteer, index=False)
            for entry in entries:
                self._put_entry(entry)
            with self.index_lock:
                self.index = MatchIndex.build(self.volunteers.values(), reference_lat=self.reference_lat)


def _team_key(team: Team) -> tuple[str, str]:
    return team.owning_organization_id, team.name.casefold()
