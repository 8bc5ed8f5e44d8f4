"""Grids: geometry, ownership and people.

A grid belongs to an organisation (street office, community committee or compound branch)
and records the community and street above it, so that "which grid, community and street
contain this point" is one ``GridIndex`` lookup plus two reads, with no tree walk.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from . import events, rules
from .errors import PreconditionError, ValidationError
from .events import EventContext, snapshot
from .geo import BoundingBox, GeoPoint, Polygon, validate_point, validate_polygon
from .model import Grid, GridShape, LocalizedText, Organization, OrganizationKind
from .tree import nearest_of_kind

K = OrganizationKind

#: Kinds of organisation that may own grids.
GRID_OWNER_KINDS = frozenset({K.STREET_OFFICE, K.COMMUNITY_COMMITTEE, K.COMPOUND_BRANCH})
#: Sanity ceiling on households per grid (typical: 300-500).
MAX_HOUSEHOLDS = 100_000
MAX_WORKERS = 200
#: Most vertices a grid polygon may have (a hand-drawn grid has tens, a traced one a few
#: hundred). Checked on the raw input before any geometry, so an oversized polygon costs
#: nothing; validation (self-intersection included) runs before any lock is taken.
MAX_GRID_POLYGON_VERTICES = 2_000
#: Largest cell edge accepted, in degrees (about 11 km): a grid is a neighbourhood.
MAX_CELL_EDGE = 0.1

UPDATABLE_FIELDS = frozenset({"code", "name", "shape", "households_count", "leader_person_id", "worker_person_ids"})


def shape_from_polygon(vertices: Sequence[GeoPoint], field: str = "shape.polygon.vertices") -> GridShape:
    """A grid shape from polygon vertices (validated: see ``geo.validate_polygon``): at most
    ``MAX_GRID_POLYGON_VERTICES`` (one more when the ring is given closed)."""
    if len(vertices) > MAX_GRID_POLYGON_VERTICES + 1:
        raise ValidationError(
            field, f"a polygon may have at most {MAX_GRID_POLYGON_VERTICES} vertices, got {len(vertices)}"
        )
    return GridShape(polygon=validate_polygon(vertices, field, max_vertices=MAX_GRID_POLYGON_VERTICES))


def shape_from_cell(south_west: GeoPoint, north_east: GeoPoint, field: str = "shape.cell") -> GridShape:
    """A grid shape from a rectangular cell: south-west strictly below and left of
    north-east, at most ``MAX_CELL_EDGE`` degrees a side."""
    sw = validate_point(south_west, f"{field}.south_west")
    ne = validate_point(north_east, f"{field}.north_east")
    if not (sw.lat < ne.lat and sw.lng < ne.lng):
        raise ValidationError(f"{field}.north_east", "must be north and east of south_west")
    if ne.lat - sw.lat > MAX_CELL_EDGE or ne.lng - sw.lng > MAX_CELL_EDGE:
        raise ValidationError(field, f"a cell may be at most {MAX_CELL_EDGE} degrees a side")
    box = BoundingBox(sw.lat, sw.lng, ne.lat, ne.lng)
    return GridShape(polygon=Polygon(box.corners()), cell=box)


def check_grid_owner(owner: Organization, field: str = "organization_id") -> None:
    """Grids belong to active street offices, community committees or compound branches."""
    if owner.archived:
        raise PreconditionError(field, f"organisation {owner.id} is archived")
    if owner.kind not in GRID_OWNER_KINDS:
        allowed = ", ".join(sorted(k.name for k in GRID_OWNER_KINDS))
        raise ValidationError(field, f"a {owner.kind.name} cannot own grids (allowed: {allowed})")


def grid_context(owner: Organization, ancestors: Sequence[Organization]) -> tuple[str | None, str | None]:
    """(community id, street id): the nearest community committee and street office at or
    above the owner; ``ancestors`` root first."""
    community = nearest_of_kind(owner, ancestors, K.COMMUNITY_COMMITTEE)
    street = nearest_of_kind(owner, ancestors, K.STREET_OFFICE)
    return (community.id if community else None, street.id if street else None)


def _validate_people(leader: str, workers: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    leader_id = rules.validate_optional_id(leader, "leader_person_id")
    worker_ids = rules.validate_id_list(workers, "worker_person_ids", max_items=MAX_WORKERS)
    return leader_id, worker_ids


def new_grid(
    *,
    grid_id: str,
    owner: Organization,
    ancestors: Sequence[Organization],
    code: str,
    name: LocalizedText,
    shape: GridShape,
    now: datetime,
    households_count: int = 0,
    leader_person_id: str = "",
    worker_person_ids: Sequence[str] = (),
    ctx: EventContext | None = None,
) -> Grid:
    """A validated grid at version 1 with its GridCreated event. ``shape`` comes from
    ``shape_from_polygon`` / ``shape_from_cell``; ``ancestors`` are the owner's, root first."""
    check_grid_owner(owner)
    leader, workers = _validate_people(leader_person_id, worker_person_ids)
    community_id, street_id = grid_context(owner, ancestors)
    grid = Grid(
        id=rules.validate_id(grid_id, "id"),
        organization_id=owner.id,
        code=rules.validate_code(code),
        name=rules.validate_name(name),
        shape=shape,
        households_count=rules.validate_count(households_count, "households_count", maximum=MAX_HOUSEHOLDS),
        leader_person_id=leader,
        worker_person_ids=workers,
        community_id=community_id,
        street_id=street_id,
        created_at=now,
        updated_at=now,
    )
    grid.pending_events.append(events.GridCreated(snapshot(grid), ctx or EventContext()))
    return grid


@dataclass(frozen=True, slots=True)
class GridUpdate:
    """New values for ``update_grid``; only masked fields apply. ``shape`` None means "not
    given" (a grid always has a shape)."""

    code: str = ""
    name: LocalizedText = field(default_factory=LocalizedText)
    shape: GridShape | None = None
    households_count: int = 0
    leader_person_id: str = ""
    worker_person_ids: Sequence[str] = ()

    def set_fields(self) -> frozenset[str]:
        default = GridUpdate()
        return frozenset(f for f in UPDATABLE_FIELDS if getattr(self, f) != getattr(default, f))


def update_grid(
    grid: Grid,
    mask: Collection[str],
    values: GridUpdate,
    *,
    now: datetime,
    expected_version: int = 0,
    ctx: EventContext | None = None,
) -> tuple[str, ...]:
    """Applies the masked fields; returns those that changed (none: no version, no event).
    A changed shape must be re-indexed by the caller (``GridIndex.add``)."""
    rules.check_version(grid.version, expected_version, f"grid {grid.id}")
    if grid.archived:
        raise PreconditionError("id", f"grid {grid.id} is archived")
    paths = frozenset(mask) if mask else values.set_fields()
    rules.validate_update_mask(paths, UPDATABLE_FIELDS)
    new: dict[str, object] = {}
    if "code" in paths:
        new["code"] = rules.validate_code(values.code)
    if "name" in paths:
        new["name"] = rules.validate_name(values.name)
    if "shape" in paths:
        if values.shape is None:
            raise ValidationError("shape", "a grid needs a polygon or a cell")
        new["shape"] = values.shape
    if "households_count" in paths:
        new["households_count"] = rules.validate_count(
            values.households_count, "households_count", maximum=MAX_HOUSEHOLDS
        )
    if "leader_person_id" in paths:
        new["leader_person_id"] = rules.validate_optional_id(values.leader_person_id, "leader_person_id")
    if "worker_person_ids" in paths:
        new["worker_person_ids"] = rules.validate_id_list(
            values.worker_person_ids, "worker_person_ids", max_items=MAX_WORKERS
        )
    changed = tuple(sorted(k for k, v in new.items() if getattr(grid, k) != v))
    if not changed:
        return ()
    for key in changed:
        setattr(grid, key, new[key])
    grid.touch(now)
    grid.pending_events.append(events.GridUpdated(snapshot(grid), changed, ctx or EventContext()))
    return changed


def refresh_grid_context(
    grid: Grid,
    owner: Organization,
    ancestors: Sequence[Organization],
    *,
    now: datetime,
    ctx: EventContext | None = None,
) -> bool:
    """Re-derives community and street after the owner moved in the tree; True (with a
    GridUpdated event) when they changed."""
    community_id, street_id = grid_context(owner, ancestors)
    changed = tuple(
        name
        for name, old, new in (
            ("community_id", grid.community_id, community_id),
            ("street_id", grid.street_id, street_id),
        )
        if old != new
    )
    if not changed:
        return False
    grid.community_id = community_id
    grid.street_id = street_id
    grid.touch(now)
    grid.pending_events.append(events.GridUpdated(snapshot(grid), changed, ctx or EventContext()))
    return True
