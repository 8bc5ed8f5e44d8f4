"""The in-memory read model: every volunteer, team and ledger entry, and the MatchIndex.

Why in memory: the local MongoDB-compatible server pushes only `_id` lookups down to its
storage, so "volunteers of this community with this skill", a leaderboard or the nearest
volunteers as database queries would scan whole collections. A city has 10^4-10^5
volunteers (Taizhou: 54,000), a few tens of megabytes here; the MatchIndex is built for 10^6.
The directory is loaded from the database at start and changed only by the service layer,
after the database write succeeded, so it never shows what was not stored.

Aggregates held here are never mutated: the service layer changes a copy and swaps it in, so
a reader holding an object sees a consistent snapshot without the write lock. Readers copy a
collection (``list(...)``, one C-level step under the GIL) before iterating it, because a
writer may add to it meanwhile. The MatchIndex is the exception: its columns and buckets are
changed in place, so queries and updates of it take ``index_lock`` (a query costs well under
a millisecond at city scale).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from linli.volunteers.domain.match_index import MatchIndex
from linli.volunteers.domain.model import LedgerEntry, Team, Volunteer


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
        self.entries: dict[str, LedgerEntry] = {}
        self.entries_by_volunteer: defaultdict[str, list[LedgerEntry]] = defaultdict(list)
        self.entries_by_community: defaultdict[str, list[LedgerEntry]] = defaultdict(list)
        self.index = MatchIndex(reference_lat=reference_lat)
        self.index_lock = threading.Lock()

    # -- volunteers ---------------------------------------------------------------------------
    def put_volunteer(self, volunteer: Volunteer) -> None:
        """Stores a volunteer and its secondary indexes (not the MatchIndex: see index_*)."""
        previous = self.volunteers.get(volunteer.id)
        if previous is not None:
            for index, key in self._keys(previous):
                index[key].discard(previous.id)
            for request_id in previous.open_request_ids:
                if self.holders.get(request_id) == previous.id:
                    del self.holders[request_id]
        self.volunteers[volunteer.id] = volunteer
        self.by_person[volunteer.person_id] = volunteer.id
        for index, key in self._keys(volunteer):
            index[key].add(volunteer.id)
        for request_id in volunteer.open_request_ids:
            self.holders[request_id] = volunteer.id

    def _keys(self, volunteer: Volunteer) -> list[tuple[defaultdict[str, set[str]], str]]:
        """(secondary index, key) pairs a volunteer is filed under."""
        keys = [(self.by_community, volunteer.home_community_id)]
        if volunteer.workplace_community_id:
            keys.append((self.by_community, volunteer.workplace_community_id))
        keys += [(self.by_skill, code) for code in volunteer.skills]
        keys += [(self.by_post, code) for code in volunteer.posts]
        return keys

    def index_volunteer(self, volunteer: Volunteer) -> None:
        """Adds or replaces the volunteer in the MatchIndex (profile, status, load)."""
        with self.index_lock:
            self.index.upsert(volunteer)

    def index_load(self, volunteer: Volunteer, assigned_at: datetime | None) -> None:
        """Updates only the load (and, for a new assignment, the fairness counter)."""
        with self.index_lock:
            self.index.set_load(volunteer.id, volunteer.open_tasks)
            if assigned_at is not None:
                self.index.record_assignment(volunteer.id, assigned_at)

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

    # -- teams ----------------------------------------------------------------------------------
    def put_team(self, team: Team) -> None:
        previous = self.teams.get(team.id)
        if previous is not None:
            self.team_names.pop(_team_key(previous), None)
        self.teams[team.id] = team
        self.team_names[_team_key(team)] = team.id

    def team_named(self, owning_organization_id: str, name: str) -> str | None:
        return self.team_names.get((owning_organization_id, name.casefold()))

    def teams_of(self, volunteer: Volunteer) -> list[Team]:
        return [team for team_id in volunteer.team_ids if (team := self.teams.get(team_id)) is not None]

    # -- ledger -----------------------------------------------------------------------------------
    def put_entry(self, entry: LedgerEntry) -> bool:
        """Adds an entry once (False when it is already here)."""
        if entry.id in self.entries:
            return False
        self.entries[entry.id] = entry
        self.entries_by_volunteer[entry.volunteer_id].append(entry)
        self.entries_by_community[entry.credited_community_id].append(entry)
        return True

    def load(self, volunteers: Iterable[Volunteer], teams: Iterable[Team], entries: Iterable[LedgerEntry]) -> None:
        for team in teams:
            self.put_team(team)
        for volunteer in volunteers:
            self.put_volunteer(volunteer)
        for entry in entries:
            self.put_entry(entry)
        with self.index_lock:
            self.index = MatchIndex.build(self.volunteers.values(), reference_lat=self.reference_lat)


def _team_key(team: Team) -> tuple[str, str]:
    return team.owning_organization_id, team.name.casefold()
