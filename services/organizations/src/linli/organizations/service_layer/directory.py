"""The in-memory read model: every organisation, grid, station, station event and role.

Why in memory: the local MongoDB-compatible server pushes only `_id` lookups down to its
storage, so "list this subtree" or "which grid contains this point" as database queries would
scan every document. A city has ~10^4 organisations and ~10^3-10^4 grids: a few megabytes.
The directory is loaded from the database at start and changed only by the service layer,
after the database write succeeded, so it never shows what was not stored.

Aggregates held here are never mutated: the unit of work changes a copy and swaps it in
(``put``), so a reader holding an object sees a consistent snapshot without taking a lock.
It is the read model of ``service_layer.ports.OrganizationsReadModel``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from linli.organizations.domain.geo import GeoPoint, GridIndex
from linli.organizations.domain.model import Grid, Organization, RoleAssignment, Station, StationEvent

A = TypeVar("A")


class Directory:
    def __init__(self, grid_cell_degrees: float = 0.01) -> None:
        self.organizations: dict[str, Organization] = {}
        self.children: defaultdict[str, set[str]] = defaultdict(set)  # parent id ("" = root) -> child ids
        self.codes: dict[str, str] = {}  # organisation code -> id
        self.grids: dict[str, Grid] = {}
        self.grid_codes: dict[str, str] = {}
        self.grid_index = GridIndex(grid_cell_degrees)
        self.stations: dict[str, Station] = {}
        self.station_codes: dict[str, str] = {}
        self.station_events: dict[str, StationEvent] = {}
        self.roles: dict[str, RoleAssignment] = {}
        self.roles_by_person: defaultdict[str, set[str]] = defaultdict(set)

    # -- the unit of work's port -----------------------------------------------------------
    def find(self, kind: type[A], aggregate_id: str) -> A | None:
        found: A | None = self._by_kind(kind).get(aggregate_id)
        return found

    def put(self, aggregate: Any) -> None:
        """Swaps a stored aggregate in, keeping the indexes of its kind in step."""
        putters: dict[type[Any], Callable[[Any], None]] = {
            Organization: self.put_organization,
            Grid: self.put_grid,
            Station: self.put_station,
            StationEvent: self.put_station_event,
            RoleAssignment: self.put_role,
        }
        putters[type(aggregate)](aggregate)

    def _by_kind(self, kind: type[Any]) -> dict[str, Any]:
        tables: dict[type[Any], dict[str, Any]] = {
            Organization: self.organizations,
            Grid: self.grids,
            Station: self.stations,
            StationEvent: self.station_events,
            RoleAssignment: self.roles,
        }
        return tables[kind]

    # -- organisations --------------------------------------------------------------------
    def put_organization(self, org: Organization) -> None:
        previous = self.organizations.get(org.id)
        if previous is not None:
            self.children[previous.parent_id or ""].discard(org.id)
            if self.codes.get(previous.code) == org.id:
                del self.codes[previous.code]
        self.organizations[org.id] = org
        self.children[org.parent_id or ""].add(org.id)
        self.codes[org.code] = org.id

    def subtree(self, root_id: str) -> list[Organization]:
        """The root's descendants (not the root) in depth-first pre-order, siblings by code."""
        found: list[Organization] = []
        stack = list(reversed(self.children_of(root_id)))
        while stack:
            org = stack.pop()
            found.append(org)
            stack.extend(reversed(self.children_of(org.id)))
        return found

    def children_of(self, parent_id: str) -> list[Organization]:
        return sorted((self.organizations[c] for c in self.children.get(parent_id, ())), key=lambda o: (o.code, o.id))

    def ancestors(self, org: Organization) -> list[Organization]:
        return [self.organizations[i] for i in org.path if i in self.organizations]

    # -- grids -----------------------------------------------------------------------------
    def put_grid(self, grid: Grid) -> None:
        previous = self.grids.get(grid.id)
        if previous is not None:
            self.grid_index.remove(grid.id)
            if self.grid_codes.get(previous.code) == grid.id:
                del self.grid_codes[previous.code]
        self.grids[grid.id] = grid
        self.grid_codes[grid.code] = grid.id
        if not grid.archived:
            self.grid_index.add(grid.id, grid.shape.polygon)

    def locate(self, point: GeoPoint) -> Grid | None:
        grid_id = self.grid_index.locate(point)
        return self.grids.get(grid_id) if grid_id else None

    # -- stations, events, roles -------------------------------------------------------------
    def put_station(self, station: Station) -> None:
        previous = self.stations.get(station.id)
        if previous is not None and self.station_codes.get(previous.code) == station.id:
            del self.station_codes[previous.code]
        self.stations[station.id] = station
        self.station_codes[station.code] = station.id

    def put_station_event(self, event: StationEvent) -> None:
        self.station_events[event.id] = event

    def put_role(self, assignment: RoleAssignment) -> None:
        self.roles[assignment.id] = assignment
        self.roles_by_person[assignment.person_id].add(assignment.id)

    def roles_of(self, person_id: str) -> list[RoleAssignment]:
        return [self.roles[i] for i in self.roles_by_person.get(person_id, ())]

    def load(
        self,
        organizations: Iterable[Organization],
        grids: Iterable[Grid],
        stations: Iterable[Station],
        events: Iterable[StationEvent],
        roles: Iterable[RoleAssignment],
    ) -> None:
        for org in organizations:
            self.put_organization(org)
        for grid in grids:
            self.put_grid(grid)
        for station in stations:
            self.put_station(station)
        for event in events:
            self.put_station_event(event)
        for role in roles:
            self.put_role(role)
