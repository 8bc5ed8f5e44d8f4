"""What the handlers need from the world, as Protocols: the store, the in-memory read model
and the two services the requests service asks questions of.

The adapters (``adapters.repository``, ``adapters.ledger``, ``adapters.clients``) implement
them; the unit tests' fakes do too. Store-specific choices (FerretDB's single writer, the
ledger held in memory because FerretDB scans anything but an ``_id`` lookup) stay behind
these ports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from linli.common.identity import Identity
from linli.common.unit_of_work import AggregateRepository, ReadModel
from linli.requests.domain.model import GeoPoint, Place, Request, VisitPlan

A = TypeVar("A")


class RequestRepository(AggregateRepository, Protocol):
    """Requests and visit plans with their outboxes: one version-checked write each."""

    def get(self, kind: type[A], aggregate_id: str) -> A | None: ...

    def load(self, kind: type[A]) -> Iterable[A]: ...


class RequestReadModel(ReadModel, Protocol):
    """The ledger: every request and visit plan (``find``/``put`` by type), indexed for the
    queries the API answers. Objects in it are never changed in place, only replaced."""

    def all_requests(self) -> Iterable[Request]: ...

    def all_plans(self) -> Iterable[VisitPlan]: ...

    def open_requests(self) -> list[Request]: ...

    def near(
        self, category: str, point: GeoPoint | None, grid_id: str, since: datetime, until: datetime
    ) -> list[Request]: ...

    def in_scopes(self, scope_ids: Iterable[str]) -> set[str]: ...

    def in_every_scope(self, scope_ids: Iterable[str]) -> set[str]: ...

    def of_people(self, person_ids: Iterable[str]) -> set[str]: ...

    def requests_of(self, request_ids: Iterable[str]) -> list[Request]: ...


class OrganizationsPort(Protocol):
    def place_of(self, point: GeoPoint | None) -> Place:
        """Grid, community, street and organisation path of a point; empty when unknown."""
        ...

    def department_ids(self, codes: Sequence[str]) -> dict[str, str]:
        """Organisation ids of departments by code; unknown codes are left out."""
        ...


@dataclass(frozen=True)
class Candidate:
    """A volunteer the matching found for a request."""

    volunteer_id: str
    score: float
    distance_km: float


class VolunteersPort(Protocol):
    def acts_for(self, identity: Identity) -> frozenset[str]:
        """The volunteer id (and teams) a person acts for, when they hold the volunteer role."""
        ...

    def match(self, point: GeoPoint, category: str, k: int) -> list[Candidate]:
        """Up to ``k`` volunteers for a request of ``category`` at ``point``, best first."""
        ...
