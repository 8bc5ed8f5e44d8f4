"""GridIndex agrees with the naive linear scan, and grids' shapes and context."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import pytest

from linli.common.errors import InvalidArgument
from linli.organizations.adapters.event_payloads import encode
from linli.organizations.domain.errors import PreconditionError
from linli.organizations.domain.geo import GeoPoint, GridIndex, Polygon, naive_locate, validate_polygon
from linli.organizations.domain.grids import (
    GridUpdate,
    new_grid,
    refresh_grid_context,
    shape_from_cell,
    shape_from_polygon,
    update_grid,
)
from linli.organizations.domain.model import LocalizedText, Organization, OrganizationKind
from linli.organizations.domain.tree import new_organization

NOW = datetime(2025, 3, 1, tzinfo=UTC)
ORIGIN = GeoPoint(28.60, 121.35)


def irregular_cell(rng: random.Random, row: int, col: int, size: float) -> Polygon:
    """A star-shaped (hence simple) polygon wobbling inside cell (row, col) of a lattice."""
    c_lat = ORIGIN.lat + (row + 0.5) * size
    c_lng = ORIGIN.lng + (col + 0.5) * size
    n = rng.randint(3, 12)
    # one angle per sector keeps every gap below pi, so the polygon is star-shaped around the centre
    angles = [2 * math.pi * (i + rng.uniform(0, 0.8)) / n for i in range(n)]
    verts = []
    for a in angles:
        r = rng.uniform(0.2, 0.5) * size
        verts.append(GeoPoint(c_lat + r * math.sin(a), c_lng + r * math.cos(a)))
    return validate_polygon(verts)


def lattice(rows: int, cols: int, size: float) -> list[tuple[str, Polygon]]:
    """Square cells sharing edges (so points on shared edges hit two grids)."""
    grids = []
    for r in range(rows):
        for c in range(cols):
            lat0, lng0 = ORIGIN.lat + r * size, ORIGIN.lng + c * size
            poly = validate_polygon(
                [
                    GeoPoint(lat0, lng0),
                    GeoPoint(lat0, lng0 + size),
                    GeoPoint(lat0 + size, lng0 + size),
                    GeoPoint(lat0 + size, lng0),
                ]
            )
            grids.append((f"g{r:03d}-{c:03d}", poly))
    return grids


def test_index_agrees_with_naive_on_random_points() -> None:
    rng = random.Random(20250301)
    size = 0.004
    grids = [(f"irr{r}-{c}", irregular_cell(rng, r, c, size)) for r in range(25) for c in range(25)]
    # a few big overlapping ones, one of them large enough for the overflow list
    grids.append(("big", validate_polygon([GeoPoint(28.61, 121.36), GeoPoint(28.61, 121.40), GeoPoint(28.65, 121.38)])))
    grids.append(("huge", validate_polygon([GeoPoint(28.0, 121.0), GeoPoint(28.0, 122.0), GeoPoint(29.0, 122.0)])))
    index = GridIndex.build(grids)
    assert len(index) == len(grids)
    span = 25 * size
    hits = 0
    for _ in range(4000):
        p = GeoPoint(ORIGIN.lat - 0.01 + rng.random() * (span + 0.02), ORIGIN.lng - 0.01 + rng.random() * (span + 0.02))
        expected = naive_locate(p, grids)
        assert index.locate(p) == expected, p
        hits += expected is not None
    assert hits > 500  # the sample really exercised containment


@pytest.mark.parametrize("cell_size", [0.0007, 0.003, 0.05])
def test_index_agrees_on_shared_edges_and_vertices(cell_size: float) -> None:
    size = 0.003
    grids = lattice(12, 12, size)
    index = GridIndex.build(grids, cell_size=cell_size)
    rng = random.Random(7)
    for _ in range(2000):
        r, c = rng.randint(0, 12), rng.randint(0, 12)
        # lattice vertices, edge midpoints and interior points
        p = GeoPoint(
            ORIGIN.lat + (r + rng.choice([0, 0.5, 0.3])) * size,
            ORIGIN.lng + (c + rng.choice([0, 0.5])) * size,
        )
        assert index.locate(p) == naive_locate(p, grids), p
        assert sorted(index.locate_all(p)) == sorted(g for g, poly in grids if poly.contains(p))


def test_shared_edge_tie_break_is_deterministic() -> None:
    grids = lattice(1, 2, 0.01)
    on_edge = GeoPoint(ORIGIN.lat + 0.005, ORIGIN.lng + 0.01)
    index = GridIndex.build(grids)
    assert index.locate_all(on_edge) == ["g000-000", "g000-001"]
    assert index.locate(on_edge) == naive_locate(on_edge, reversed(grids)) == "g000-000"


def test_smaller_grid_wins_when_nested() -> None:
    outer = validate_polygon([GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(1, 1), GeoPoint(1, 0)])
    inner = validate_polygon([GeoPoint(0.4, 0.4), GeoPoint(0.4, 0.6), GeoPoint(0.6, 0.6), GeoPoint(0.6, 0.4)])
    index = GridIndex.build([("a-outer", outer), ("z-inner", inner)])
    assert index.locate(GeoPoint(0.5, 0.5)) == "z-inner"
    assert index.locate(GeoPoint(0.1, 0.1)) == "a-outer"


def test_add_replace_remove() -> None:
    grids = lattice(3, 3, 0.01)
    index = GridIndex(cell_size=0.004)
    for gid, poly in grids:
        index.add(gid, poly)
    p = GeoPoint(ORIGIN.lat + 0.015, ORIGIN.lng + 0.015)
    assert index.locate(p) == "g001-001"
    assert "g001-001" in index
    assert index.remove("g001-001")
    assert not index.remove("g001-001")
    assert index.locate(p) is None
    # replacing moves the grid
    index.add("g000-000", grids[4][1])
    index.add("g000-000", grids[4][1])
    assert index.locate(p) == "g000-000"
    assert index.locate(GeoPoint(ORIGIN.lat + 0.005, ORIGIN.lng + 0.005)) is None
    assert len(index) == 8
    assert "g000-000" in index.candidates(p)


def test_index_on_5000_grids_tests_few_candidates() -> None:
    grids = lattice(50, 100, 0.003)
    index = GridIndex.build(grids)
    rng = random.Random(1)
    for _ in range(500):
        p = GeoPoint(ORIGIN.lat + rng.random() * 0.15, ORIGIN.lng + rng.random() * 0.3)
        assert len(index.candidates(p)) <= 9
        assert index.locate(p) is not None


def test_invalid_cell_size() -> None:
    with pytest.raises(ValueError):
        GridIndex(cell_size=0)
    assert GridIndex.build([]).cell_size > 0


# --------------------------------------------------------------------------- grids


def org(org_id: str, kind: OrganizationKind, parent: Organization | None) -> Organization:
    return new_organization(
        org_id=org_id, kind=kind, code=org_id, name=LocalizedText(en=org_id), parent=parent, now=NOW
    )


@pytest.fixture
def tree() -> list[Organization]:
    street = org("s", OrganizationKind.STREET_OFFICE, None)
    community = org("c", OrganizationKind.COMMUNITY_COMMITTEE, street)
    compound = org("b", OrganizationKind.COMPOUND_BRANCH, community)
    return [street, community, compound]


def test_cell_shape_becomes_a_rectangle() -> None:
    shape = shape_from_cell(GeoPoint(28.60, 121.40), GeoPoint(28.61, 121.41))
    assert shape.cell is not None
    assert len(shape.polygon.vertices) == 4
    assert shape.polygon.contains(GeoPoint(28.605, 121.405))
    assert shape.polygon.contains(GeoPoint(28.61, 121.41))
    with pytest.raises(InvalidArgument) as err:
        shape_from_cell(GeoPoint(28.61, 121.40), GeoPoint(28.60, 121.41))
    assert err.value.field == "shape.cell.north_east"
    with pytest.raises(InvalidArgument) as err:
        shape_from_cell(GeoPoint(28.0, 121.0), GeoPoint(29.0, 122.0))
    assert err.value.field == "shape.cell"


def test_new_grid_derives_community_and_street(tree: list[Organization]) -> None:
    street, community, compound = tree
    shape = shape_from_polygon([GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(1, 1)])
    grid = new_grid(
        grid_id="grid-1",
        owner=compound,
        ancestors=[street, community],
        code="G1",
        name=LocalizedText(zh="一号网格"),
        shape=shape,
        households_count=420,
        leader_person_id="p-lead",
        worker_person_ids=["p-1", "p-2", "p-1"],
        now=NOW,
    )
    assert (grid.community_id, grid.street_id) == ("c", "s")
    assert grid.worker_person_ids == ("p-1", "p-2")
    assert encode(grid.pending_events[0]).payload["grid"]["communityId"] == "c"


def test_grid_owner_rules(tree: list[Organization]) -> None:
    household_parent = org("g", OrganizationKind.BUILDING_GROUP, tree[2])
    shape = shape_from_polygon([GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(1, 1)])
    with pytest.raises(InvalidArgument) as err:
        new_grid(
            grid_id="x",
            owner=household_parent,
            ancestors=tree,
            code="X",
            name=LocalizedText(en="x"),
            shape=shape,
            now=NOW,
        )
    assert err.value.field == "organization_id"
    tree[1].archived = True
    with pytest.raises(PreconditionError):
        new_grid(
            grid_id="x",
            owner=tree[1],
            ancestors=tree[:1],
            code="X",
            name=LocalizedText(en="x"),
            shape=shape,
            now=NOW,
        )


def test_bad_grid_fields_name_the_field(tree: list[Organization]) -> None:
    shape = shape_from_polygon([GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(1, 1)])
    with pytest.raises(InvalidArgument) as err:
        new_grid(
            grid_id="x",
            owner=tree[1],
            ancestors=tree[:1],
            code="X",
            name=LocalizedText(en="x"),
            shape=shape,
            households_count=-1,
            now=NOW,
        )
    assert err.value.field == "households_count"


def test_update_grid_and_refresh_context(tree: list[Organization]) -> None:
    street, community, compound = tree
    shape = shape_from_polygon([GeoPoint(0, 0), GeoPoint(0, 1), GeoPoint(1, 1)])
    grid = new_grid(
        grid_id="g",
        owner=compound,
        ancestors=[street, community],
        code="G",
        name=LocalizedText(en="g"),
        shape=shape,
        now=NOW,
    )
    new_shape = shape_from_cell(GeoPoint(0, 0), GeoPoint(0.01, 0.01))
    changed = update_grid(grid, [], GridUpdate(shape=new_shape, households_count=300), now=NOW, expected_version=1)
    assert changed == ("households_count", "shape")
    assert grid.version == 2
    assert update_grid(grid, ["shape"], GridUpdate(shape=new_shape), now=NOW) == ()
    with pytest.raises(InvalidArgument) as err:
        update_grid(grid, ["shape"], GridUpdate(), now=NOW)
    assert err.value.field == "shape"
    # the compound moved directly under the street: no community any more
    assert refresh_grid_context(grid, compound, [street], now=NOW)
    assert grid.community_id is None and grid.street_id == "s"
    assert not refresh_grid_context(grid, compound, [street], now=NOW)
