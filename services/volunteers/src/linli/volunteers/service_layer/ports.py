"""What the handlers of the volunteers service need from the world, as ``Protocol``s.

The adapters implement them (``adapters.repository.Repository`` for the stores,
``adapters.directory.Directory`` for the read model, ``adapters.organizations`` for the
organisation tree); the handler unit tests implement them with in-memory fakes. Store-specific
choices (FerretDB's single writer, the in-memory read model) stay behind these ports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from linli.common.unit_of_work import AggregateRepository, ReadModel
from linli.volunteers.domain.matching import Candidate
from linli.volunteers.domain.model import LedgerEntry, Team, Volunteer
from linli.volunteers.domain.tasks import TaskResolution


class VolunteersRepository(AggregateRepository, Protocol):
    """Volunteers and teams, each written with its pending events in one version-checked
    write (``add`` for new ones, ``save`` for changed ones; a stale version is Conflict)."""


class LedgerStore(Protocol):
    """The append-only ledger and the resolutions waiting for their rating."""

    def append_entry(self, entry: LedgerEntry, event: Any) -> tuple[LedgerEntry, bool]:
        """Appends the entry with its PointsCredited event in one write: (the stored entry,
        True) when written now, (the entry stored before, False) for a replay of the same
        credit; Conflict when the stored entry carries other amounts."""
        ...

    def put_resolution(self, resolution: TaskResolution) -> None: ...

    def get_resolution(self, request_id: str) -> TaskResolution | None: ...


class AncestorLookup(Protocol):
    """The organizations service as access checks need it: the ancestor ids of an
    organisation (root first), () when unknown."""

    def __call__(self, org_id: str) -> tuple[str, ...]: ...


class VolunteersReadModel(ReadModel, Protocol):
    """The in-memory view handlers read: ``find(kind, id)`` for Volunteer, Team and
    LedgerEntry, ``put`` after a successful write (a volunteer is reindexed for matching
    there, and members' team lists follow the rosters), and the lookups below."""

    def volunteer_of_person(self, person_id: str) -> Volunteer | None: ...

    def holder_of(self, request_id: str) -> str:
        """The volunteer holding the request now, or ""."""
        ...

    def team_named(self, owning_organization_id: str, name: str) -> str | None: ...

    def teams_of(self, volunteer: Volunteer) -> list[Team]: ...

    def all_teams(self) -> list[Team]: ...

    def ids_matching(self, community_id: str, skill: str, post: str, team_id: str) -> set[str]: ...

    def entries_of_volunteer(self, volunteer_id: str) -> list[LedgerEntry]: ...

    def entries_of_community(self, community_id: str) -> list[LedgerEntry]: ...

    def match(
        self, lat: float, lng: float, skills: tuple[str, ...], at: datetime, k: int, category: str
    ) -> list[Candidate]:
        """The best k volunteers with their score breakdowns."""
        ...
