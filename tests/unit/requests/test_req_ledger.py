"""The in-memory ledger's duplicate-candidate index: by category, map cell, grid and day."""

from __future__ import annotations

import copy
from datetime import timedelta

from linli.requests.adapters.ledger import Ledger
from linli.requests.domain.model import Address, Assignee, AssigneeKind, GeoPoint, Place, Request
from tests.unit.requests.req_support import NOW, OTHER_PLACE, PLACE, POINT, submitted

WEEK = timedelta(days=7)


def ids(found: list[Request]) -> set[str]:
    return {r.id for r in found}


def test_candidates_come_from_the_window_days_only() -> None:
    ledger = Ledger()
    old, recent, today = submitted(NOW - timedelta(days=9)), submitted(NOW - timedelta(days=3)), submitted(NOW)
    for request in (old, recent, today):
        ledger.put(request)
    found = ledger.near("repairs", POINT, "", NOW - WEEK, NOW + WEEK)
    assert ids(found) == {recent.id, today.id}
    assert ids(ledger.near("repairs", POINT, "", NOW - timedelta(days=10), NOW)) == {old.id, recent.id, today.id}


def test_candidates_are_nearby_cells_or_the_same_grid_and_the_same_category() -> None:
    ledger = Ledger()
    here = submitted()
    next_cell = submitted(point=GeoPoint(POINT.lat + 0.004, POINT.lng))  # within the 3 x 3 cells
    far = submitted(point=GeoPoint(POINT.lat + 0.05, POINT.lng), place=Place(grid_id="other-grid"))
    no_point_same_grid = submitted(point=None, address=Address(text="东山社区3号楼"))
    other_category = submitted(category="parking")
    for request in (here, next_cell, far, no_point_same_grid, other_category):
        ledger.put(request)
    found = ledger.near("repairs", POINT, PLACE.grid_id, NOW - WEEK, NOW + WEEK)
    assert ids(found) == {here.id, next_cell.id, no_point_same_grid.id}


def test_a_changed_category_moves_the_request_in_the_index() -> None:
    ledger = Ledger()
    request = submitted()
    ledger.put(request)
    moved = submitted(category="parking")
    object.__setattr__(moved, "id", request.id)
    ledger.put(moved)
    assert ledger.near("repairs", POINT, PLACE.grid_id, NOW - WEEK, NOW + WEEK) == []
    assert ids(ledger.near("parking", POINT, PLACE.grid_id, NOW - WEEK, NOW + WEEK)) == {request.id}


def test_scope_and_person_indexes_follow_changes() -> None:
    ledger = Ledger()
    request = submitted()
    ledger.put(request)
    assert ledger.in_scopes(["c1"]) == {request.id} and ledger.in_scopes(["d1"]) == {request.id}
    assert ledger.of_people([request.requester.person_id]) == {request.id}

    moved = copy.deepcopy(request)
    moved.place = OTHER_PLACE
    moved.followers = frozenset({"p-follower"})
    moved.assignee = Assignee(kind=AssigneeKind.VOLUNTEER, id="vol-7")
    ledger.put(moved)
    assert ledger.in_scopes(["c1"]) == set() and ledger.in_scopes(["c9", "s9"]) == {request.id}
    assert ledger.in_scopes(["d1"]) == {request.id}  # still under the district
    assert ledger.of_people(["p-follower"]) == ledger.of_people(["vol-7"]) == {request.id}

    released = copy.deepcopy(moved)
    released.followers = frozenset()
    released.assignee = None
    ledger.put(released)
    assert ledger.of_people(["p-follower", "vol-7"]) == set()
    assert ledger.of_people([request.requester.person_id]) == {request.id}
