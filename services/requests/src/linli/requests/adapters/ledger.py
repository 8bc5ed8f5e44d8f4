"""The in-memory ledger: every request and visit plan, indexed for the queries the API answers
(the read model port of ``service_layer.ports``).

FerretDB answers only `_id` lookups without a scan, so the ledger is loaded at start and
changed by the unit of work after each successful write (the same pattern as the
organizations directory). Objects here are never mutated in place: commands change a copy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar, cast

from linli.requests.domain.model import GeoPoint, Request, VisitPlan

#: Cell edge of the duplicate-candidate index in degrees (~550 m): wider than the duplicate
#: radius (300 m), so the 3 x 3 cells around a point hold every candidate.
CELL_DEGREES = 0.005

# Candidates are bucketed by submission day too, so a submit looks at the days of the
# duplicate window only, not at every request the area ever had.
A = TypeVar("A")

Cell = tuple[str, int, int, int]
GridDay = tuple[str, str, int]


def _cell(category: str, point: GeoPoint, day: int) -> Cell:
    return category, int(point.lat // CELL_DEGREES), int(point.lng // CELL_DEGREES), day


def _day(moment: datetime) -> int:
    return moment.toordinal()


def _union(index: dict[str, set[str]], keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for key in keys:
        found |= index.get(key, set())
    return found


class Ledger:
    def __init__(self) -> None:
        self.requests: dict[str, Request] = {}
        self.plans: dict[str, VisitPlan] = {}
        self.open_ids: set[str] = set()
        # Duplicate candidates: by category and map cell, or by category and grid when a
        # request has no coordinates.
        self.by_cell: defaultdict[Cell, set[str]] = defaultdict(set)
        self.by_grid: defaultdict[GridDay, set[str]] = defaultdict(set)
        # Reads: a staff member's scope (grid, community, street, any organisation above) and a
        # person's own requests (as requester, follower or assignee), so listing, statistics
        # and exports look at those requests instead of the whole ledger.
        self.by_scope: defaultdict[str, set[str]] = defaultdict(set)
        self.by_person: defaultdict[str, set[str]] = defaultdict(set)

    def _keys(self, request: Request) -> tuple[Cell | None, GridDay | None]:
        point, day = request.location, _day(request.submitted_at)
        return (
            _cell(request.category, point, day) if point else None,
            (request.category, request.place.grid_id, day) if request.place.grid_id else None,
        )

    @staticmethod
    def _people(request: Request) -> set[str]:
        people = {request.requester.person_id, *request.followers}
        if request.assignee is not None:
            people.add(request.assignee.id)
        people.discard("")
        return people

    def find(self, kind: type[A], aggregate_id: str) -> A | None:
        if kind is Request:
            return cast("A | None", self.requests.get(aggregate_id))
        if kind is VisitPlan:
            return cast("A | None", self.plans.get(aggregate_id))
        raise TypeError(f"the ledger holds no {kind.__name__}")

    def put(self, aggregate: Any) -> None:
        if isinstance(aggregate, Request):
            self._put_request(aggregate)
        elif isinstance(aggregate, VisitPlan):
            self.plans[aggregate.id] = aggregate
        else:
            raise TypeError(f"the ledger holds no {type(aggregate).__name__}")

    def _put_request(self, request: Request) -> None:
        previous = self.requests.get(request.id)
        if previous is not None:
            cell, grid = self._keys(previous)
            if cell:
                self.by_cell[cell].discard(request.id)
            if grid:
                self.by_grid[grid].discard(request.id)
            for scope_id in previous.place.scope_ids - request.place.scope_ids:
                self.by_scope[scope_id].discard(request.id)
            for person_id in self._people(previous) - self._people(request):
                self.by_person[person_id].discard(request.id)
        self.requests[request.id] = request
        cell, grid = self._keys(request)
        if cell:
            self.by_cell[cell].add(request.id)
        if grid:
            self.by_grid[grid].add(request.id)
        for scope_id in request.place.scope_ids:
            self.by_scope[scope_id].add(request.id)
        for person_id in self._people(request):
            self.by_person[person_id].add(request.id)
        if request.is_open:
            self.open_ids.add(request.id)
        else:
            self.open_ids.discard(request.id)

    def all_requests(self) -> Iterable[Request]:
        return self.requests.values()

    def all_plans(self) -> Iterable[VisitPlan]:
        return self.plans.values()

    def requests_of(self, request_ids: Iterable[str]) -> list[Request]:
        return [self.requests[i] for i in request_ids]

    def open_requests(self) -> list[Request]:
        return [self.requests[i] for i in list(self.open_ids)]

    def near(
        self, category: str, point: GeoPoint | None, grid_id: str, since: datetime, until: datetime
    ) -> list[Request]:
        """Requests of `category` submitted between `since` and `until` (by day) in the 3 x 3
        cells around `point`, or in the same grid."""
        ids: set[str] = set()
        for day in range(_day(since), _day(until) + 1):
            if point is not None:
                _, row, column, _ = _cell(category, point, day)
                for d_row in (-1, 0, 1):
                    for d_column in (-1, 0, 1):
                        ids |= self.by_cell.get((category, row + d_row, column + d_column, day), set())
            if grid_id:
                ids |= self.by_grid.get((category, grid_id, day), set())
        return [self.requests[i] for i in ids]

    def in_scopes(self, scope_ids: Iterable[str]) -> set[str]:
        """Ids of the requests placed in any of these scopes."""
        return _union(self.by_scope, scope_ids)

    def in_every_scope(self, scope_ids: Iterable[str]) -> set[str]:
        """Ids of the requests placed in all of these scopes."""
        wanted = [self.by_scope.get(s, set()) for s in scope_ids]
        return set.intersection(*wanted) if wanted else set()

    def of_people(self, person_ids: Iterable[str]) -> set[str]:
        """Ids of the requests these people asked for, follow or are assigned."""
        return _union(self.by_person, person_ids)

    def load(self, requests: Iterable[Request], plans: Iterable[VisitPlan]) -> None:
        for request in requests:
            self.put(request)
        for plan in plans:
            self.put(plan)
