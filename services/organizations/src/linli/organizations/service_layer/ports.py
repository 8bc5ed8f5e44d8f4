"""What the handlers need from the outside world, as Protocols; adapters implement them.

- ``OrganizationsRepository``: the version-checked writes of the kit's unit of work, plus the
  one derived-data write a move makes (descendants' materialised paths).
- ``OrganizationsReadModel``: the in-memory directory the unit of work swaps aggregates into
  (``find``/``put``, dispatching on the aggregate's type) and the lookups queries and
  invariant checks read. Its objects are never changed in place, so readers need no lock.

The FerretDB-specific choices (one writing process, everything read from memory) live
behind these ports: a MongoDB-native adapter could replace them without touching handlers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from linli.organizations.domain.geo import GeoPoint
from linli.organizations.domain.model import Grid, Organization, RoleAssignment, Station, StationEvent

A = TypeVar("A")


class OrganizationsRepository(Protocol):
    def add(self, aggregate: Any) -> None:
        """Stores a new aggregate with its pending events in one write."""

    def save(self, aggregate: Any, expected_version: int) -> None:
        """Replaces a stored aggregate still at ``expected_version`` (else Conflict), with its events."""

    def set_path(self, org_id: str, path: tuple[str, ...]) -> None:
        """Rewrites a descendant's materialised path after a move: derived data, no version, no event."""


class OrganizationsReadModel(Protocol):
    def find(self, kind: type[A], aggregate_id: str) -> A | None: ...

    def put(self, aggregate: Any) -> None: ...

    @property
    def organizations(self) -> Mapping[str, Organization]: ...

    @property
    def codes(self) -> Mapping[str, str]:
        """Organisation code -> id."""

    @property
    def grids(self) -> Mapping[str, Grid]: ...

    @property
    def grid_codes(self) -> Mapping[str, str]: ...

    @property
    def stations(self) -> Mapping[str, Station]: ...

    @property
    def station_codes(self) -> Mapping[str, str]: ...

    @property
    def station_events(self) -> Mapping[str, StationEvent]: ...

    @property
    def roles(self) -> Mapping[str, RoleAssignment]: ...

    def subtree(self, root_id: str) -> list[Organization]:
        """The root's descendants (not the root), depth-first, siblings by code."""

    def children_of(self, parent_id: str) -> list[Organization]: ...

    def ancestors(self, org: Organization) -> list[Organization]:
        """Root first."""

    def locate(self, point: GeoPoint) -> Grid | None: ...

    def roles_of(self, person_id: str) -> list[RoleAssignment]: ...
