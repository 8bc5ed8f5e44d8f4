"""Plane geometry on WGS-84 coordinates for grids.

Why here and not in the database: the local MongoDB-compatible server has no geo index, so
"which grid contains this point" is answered in memory from a ``GridIndex``: by the
organizations service, which owns the grids, and by the requests service, which keeps a copy
of them to route each new request without a call.

Coordinates are treated as a plane (x = longitude, y = latitude). That is exact enough for
grids a few hundred metres across and keeps point-in-polygon a handful of float operations.
Polygons crossing the antimeridian or containing a pole are not supported (no Linli city is
near either); validation rejects edges spanning more than 180 degrees of longitude.

A point on a polygon's boundary (within ``EPSILON`` degrees, about 0.1 mm) counts as inside,
so a point on the edge shared by two grids is in both; ``GridIndex.locate`` and
``naive_locate`` break such ties the same way (smaller area first, then id).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from linli.common.errors import InvalidArgument


def _invalid(field: str, message: str) -> InvalidArgument:
    """The InvalidArgument for `field`, its message naming the field."""
    return InvalidArgument(f"{field}: {message}", field=field)


#: Boundary tolerance in degrees (about 0.1 mm): points this close to an edge are on it.
EPSILON = 1e-9
#: Upper bound on vertices per polygon; a grid drawn by hand has tens, a traced one hundreds.
MAX_POLYGON_VERTICES = 10_000
#: Default bucket edge of ``GridIndex`` in degrees (about 1.1 km of latitude).
DEFAULT_CELL_SIZE = 0.01
#: A grid whose bounding box would fill more buckets than this is kept in an overflow list
#: that every lookup scans, so one district-sized polygon cannot blow up the index.
MAX_CELLS_PER_GRID = 4096


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS-84 point in degrees."""

    lat: float
    lng: float


def validate_point(point: GeoPoint, field: str) -> GeoPoint:
    """Checks that a point is finite and within latitude/longitude ranges."""
    if not math.isfinite(point.lat) or not -90.0 <= point.lat <= 90.0:
        raise _invalid(f"{field}.lat", f"latitude must be between -90 and 90, got {point.lat}")
    if not math.isfinite(point.lng) or not -180.0 <= point.lng <= 180.0:
        raise _invalid(f"{field}.lng", f"longitude must be between -180 and 180, got {point.lng}")
    return point


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """An axis-aligned lat/lng rectangle (inclusive on all sides)."""

    min_lat: float
    min_lng: float
    max_lat: float
    max_lng: float

    @classmethod
    def of_points(cls, points: Iterable[GeoPoint]) -> BoundingBox:
        """The smallest box containing every point (at least one point required)."""
        pts = list(points)
        if not pts:
            raise ValueError("a bounding box needs at least one point")
        lats = [p.lat for p in pts]
        lngs = [p.lng for p in pts]
        return cls(min(lats), min(lngs), max(lats), max(lngs))

    @property
    def height(self) -> float:
        return self.max_lat - self.min_lat

    @property
    def width(self) -> float:
        return self.max_lng - self.min_lng

    def contains(self, point: GeoPoint, tolerance: float = 0.0) -> bool:
        """True when the point is inside or on the box (grown by ``tolerance``)."""
        return (
            self.min_lat - tolerance <= point.lat <= self.max_lat + tolerance
            and self.min_lng - tolerance <= point.lng <= self.max_lng + tolerance
        )

    def intersects(self, other: BoundingBox) -> bool:
        """True when the two boxes share at least one point."""
        return not (
            other.min_lat > self.max_lat
            or other.max_lat < self.min_lat
            or other.min_lng > self.max_lng
            or other.max_lng < self.min_lng
        )

    def expanded(self, margin: float) -> BoundingBox:
        """The box grown by ``margin`` degrees on every side."""
        return BoundingBox(self.min_lat - margin, self.min_lng - margin, self.max_lat + margin, self.max_lng + margin)

    def corners(self) -> tuple[GeoPoint, GeoPoint, GeoPoint, GeoPoint]:
        """Counter-clockwise from the south-west corner."""
        return (
            GeoPoint(self.min_lat, self.min_lng),
            GeoPoint(self.min_lat, self.max_lng),
            GeoPoint(self.max_lat, self.max_lng),
            GeoPoint(self.max_lat, self.min_lng),
        )


@dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon as an open ring (the first vertex is not repeated at the end).

    The constructor trusts its input: build polygons from user input with
    ``validate_polygon``. Trusting lets adapters load thousands of stored (already
    validated) grids without re-running the self-intersection check.
    """

    vertices: tuple[GeoPoint, ...]
    bbox: BoundingBox = field(init=False, compare=False)
    area: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bbox", BoundingBox.of_points(self.vertices))
        object.__setattr__(self, "area", abs(signed_area(self.vertices)))

    def contains(self, point: GeoPoint) -> bool:
        """Point-in-polygon, boundary counted inside."""
        return point_in_polygon(point, self)

    def closed_ring(self) -> tuple[GeoPoint, ...]:
        """The vertices with the first repeated at the end (GeoJSON style)."""
        return (*self.vertices, self.vertices[0])


def signed_area(vertices: Sequence[GeoPoint]) -> float:
    """Shoelace area in square degrees; positive for counter-clockwise rings."""
    n = len(vertices)
    total = 0.0
    for i in range(n):
        a = vertices[i]
        b = vertices[(i + 1) % n]
        total += a.lng * b.lat - b.lng * a.lat
    return total / 2.0


def _orient(a: GeoPoint, b: GeoPoint, c: GeoPoint) -> float:
    """Cross product (b - a) x (c - a): > 0 when c is left of a->b, 0 when collinear."""
    return (b.lng - a.lng) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lng - a.lng)


def _on_segment(a: GeoPoint, b: GeoPoint, p: GeoPoint) -> bool:
    """For p collinear with a-b: true when p lies within the segment's extent."""
    return min(a.lng, b.lng) <= p.lng <= max(a.lng, b.lng) and min(a.lat, b.lat) <= p.lat <= max(a.lat, b.lat)


def segments_intersect(a: GeoPoint, b: GeoPoint, c: GeoPoint, d: GeoPoint) -> bool:
    """True when segments a-b and c-d share at least one point (touching counts)."""
    d1 = _orient(c, d, a)
    d2 = _orient(c, d, b)
    d3 = _orient(a, b, c)
    d4 = _orient(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(c, d, a))
        or (d2 == 0 and _on_segment(c, d, b))
        or (d3 == 0 and _on_segment(a, b, c))
        or (d4 == 0 and _on_segment(a, b, d))
    )


def _distance_sq_to_segment(p: GeoPoint, a: GeoPoint, b: GeoPoint) -> float:
    """Squared planar distance (degrees^2) from p to segment a-b."""
    dx = b.lng - a.lng
    dy = b.lat - a.lat
    length_sq = dx * dx + dy * dy
    if length_sq == 0.0:
        t = 0.0
    else:
        t = ((p.lng - a.lng) * dx + (p.lat - a.lat) * dy) / length_sq
        t = max(0.0, min(1.0, t))
    ex = a.lng + t * dx - p.lng
    ey = a.lat + t * dy - p.lat
    return ex * ex + ey * ey


def find_self_intersection(vertices: Sequence[GeoPoint]) -> tuple[int, int] | None:
    """Indices (i, j) of two edges of the ring that cross or touch, or None when simple.

    Edge i runs from vertex i to vertex i+1 (wrapping). Adjacent edges may only share their
    common vertex (folding back onto each other counts as touching). Edges are swept in order
    of their west end so only edges overlapping in longitude are compared: close to linear
    for real-world shapes, quadratic only for pathological ones.
    """
    n = len(vertices)
    edges = [(vertices[i], vertices[(i + 1) % n]) for i in range(n)]
    spans = [(min(a.lng, b.lng), max(a.lng, b.lng), min(a.lat, b.lat), max(a.lat, b.lat)) for a, b in edges]
    order = sorted(range(n), key=lambda k: spans[k][0])
    for pos, i in enumerate(order):
        _, max_lng_i, min_lat_i, max_lat_i = spans[i]
        for j in order[pos + 1 :]:
            min_lng_j, _, min_lat_j, max_lat_j = spans[j]
            if min_lng_j > max_lng_i:
                break
            if min_lat_j > max_lat_i or max_lat_j < min_lat_i:
                continue
            lo, hi = (i, j) if i < j else (j, i)
            if hi == lo + 1 or (lo == 0 and hi == n - 1):
                if _adjacent_edges_overlap(edges[lo], edges[hi], shared_is_end_of_lo=(hi == lo + 1)):
                    return lo, hi
            elif segments_intersect(*edges[lo], *edges[hi]):
                return lo, hi
    return None


def _adjacent_edges_overlap(
    lo: tuple[GeoPoint, GeoPoint], hi: tuple[GeoPoint, GeoPoint], *, shared_is_end_of_lo: bool
) -> bool:
    """Two consecutive edges overlap beyond their shared vertex only when the ring folds
    back: both other ends lie on the same ray from the shared vertex."""
    if shared_is_end_of_lo:
        p, shared, q = lo[0], lo[1], hi[1]
    else:  # the closing edge (n-1 -> 0) followed by edge 0
        p, shared, q = hi[0], hi[1], lo[1]
    if _orient(p, shared, q) != 0:
        return False
    dot = (p.lng - shared.lng) * (q.lng - shared.lng) + (p.lat - shared.lat) * (q.lat - shared.lat)
    return dot > 0


def validate_polygon(
    points: Sequence[GeoPoint],
    field: str = "shape.polygon.vertices",
    max_vertices: int = MAX_POLYGON_VERTICES,
) -> Polygon:
    """Turns user-supplied vertices into a ``Polygon`` or raises ``InvalidArgument``.

    Accepts closed or open rings and drops repeated consecutive vertices (digitising tools
    produce them); then requires at least 3 distinct vertices, a non-zero area and no
    self-intersection. Errors name ``field`` (or ``field[i].lat`` for a bad vertex).
    """
    for i, p in enumerate(points):
        validate_point(p, f"{field}[{i}]")
    ring: list[GeoPoint] = []
    for p in points:
        if not ring or ring[-1] != p:
            ring.append(p)
    while len(ring) > 1 and ring[-1] == ring[0]:
        ring.pop()
    if len(set(ring)) < 3:
        raise _invalid(field, f"a polygon needs at least 3 distinct vertices, got {len(set(ring))}")
    if len(ring) > max_vertices:
        raise _invalid(field, f"a polygon may have at most {max_vertices} vertices, got {len(ring)}")
    for i in range(len(ring)):
        a, b = ring[i], ring[(i + 1) % len(ring)]
        if abs(a.lng - b.lng) > 180.0:
            raise _invalid(field, f"edge {i} spans more than 180 degrees of longitude")
    if all(_orient(ring[0], ring[1], p) == 0 for p in ring[2:]):
        raise _invalid(field, "the vertices are collinear: the polygon has no area")
    crossing = find_self_intersection(ring)
    if crossing is not None:
        raise _invalid(field, f"the polygon intersects itself (edges {crossing[0]} and {crossing[1]})")
    if abs(signed_area(ring)) <= EPSILON * EPSILON:
        raise _invalid(field, "the polygon has no area")
    return Polygon(tuple(ring))


def point_in_polygon(point: GeoPoint, polygon: Polygon, tolerance: float = EPSILON) -> bool:
    """Ray casting (even-odd rule); points within ``tolerance`` of the boundary are inside.

    The half-open comparison ``(a.lat > y) != (b.lat > y)`` counts a ray through a vertex
    exactly once, so concave polygons and rays grazing vertices give the right answer.
    """
    if not polygon.bbox.contains(point, tolerance):
        return False
    x, y = point.lng, point.lat
    tol_sq = tolerance * tolerance
    verts = polygon.vertices
    inside = False
    prev = verts[-1]
    for cur in verts:
        if (
            min(prev.lng, cur.lng) - tolerance <= x <= max(prev.lng, cur.lng) + tolerance
            and min(prev.lat, cur.lat) - tolerance <= y <= max(prev.lat, cur.lat) + tolerance
            and _distance_sq_to_segment(point, prev, cur) <= tol_sq
        ):
            return True
        if (prev.lat > y) != (cur.lat > y):
            x_cross = prev.lng + (y - prev.lat) * (cur.lng - prev.lng) / (cur.lat - prev.lat)
            if x < x_cross:
                inside = not inside
        prev = cur
    return inside


def _rank(grid_id: str, polygon: Polygon) -> tuple[float, str]:
    """Tie-break among grids containing a point: the smaller (more specific) grid first."""
    return polygon.area, grid_id


def naive_locate(point: GeoPoint, grids: Iterable[tuple[str, Polygon]]) -> str | None:
    """Linear scan: the id of the best grid containing ``point`` (None when none does).
    The reference ``GridIndex.locate`` is tested and benchmarked against."""
    best: tuple[float, str] | None = None
    for grid_id, polygon in grids:
        if point_in_polygon(point, polygon):
            rank = _rank(grid_id, polygon)
            if best is None or rank < best:
                best = rank
    return None if best is None else best[1]


@dataclass(slots=True)
class _Entry:
    grid_id: str
    polygon: Polygon
    cells: list[tuple[int, int]]


class GridIndex:
    """In-memory spatial index of grid polygons: uniform lat/lng buckets.

    Each grid is registered in every bucket its (slightly grown) bounding box touches; a
    lookup tests only the grids of the point's bucket. With grids of a few hundred metres
    and buckets of similar size a lookup tests a handful of polygons whatever the number of
    grids, versus all of them for ``naive_locate``. Not thread-safe for concurrent writes:
    the owner serialises ``add``/``remove`` (reads during a write see either state of a
    bucket list, never a torn one, under CPython).
    """

    def __init__(self, cell_size: float = DEFAULT_CELL_SIZE) -> None:
        if not cell_size > 0 or not math.isfinite(cell_size):
            raise ValueError(f"cell_size must be a positive number of degrees, got {cell_size}")
        self.cell_size = cell_size
        self._entries: dict[str, _Entry] = {}
        self._buckets: dict[tuple[int, int], list[_Entry]] = {}
        self._overflow: list[_Entry] = []

    @classmethod
    def build(cls, grids: Iterable[tuple[str, Polygon]], cell_size: float | None = None) -> GridIndex:
        """An index of ``grids``; without ``cell_size`` the bucket edge is the median grid
        extent (clamped to [0.0005, 1] degrees) so a grid spans about four buckets."""
        items = list(grids)
        if cell_size is None:
            if items:
                extents = [max(p.bbox.height, p.bbox.width) for _, p in items]
                cell_size = min(1.0, max(0.0005, statistics.median(extents)))
            else:
                cell_size = DEFAULT_CELL_SIZE
        index = cls(cell_size)
        for grid_id, polygon in items:
            index.add(grid_id, polygon)
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, grid_id: object) -> bool:
        return grid_id in self._entries

    def _key(self, lat: float, lng: float) -> tuple[int, int]:
        return math.floor(lat / self.cell_size), math.floor(lng / self.cell_size)

    def add(self, grid_id: str, polygon: Polygon) -> None:
        """Adds a grid, replacing any previous polygon under the same id."""
        self.remove(grid_id)
        box = polygon.bbox.expanded(EPSILON)
        lat0, lng0 = self._key(box.min_lat, box.min_lng)
        lat1, lng1 = self._key(box.max_lat, box.max_lng)
        entry = _Entry(grid_id, polygon, [])
        if (lat1 - lat0 + 1) * (lng1 - lng0 + 1) > MAX_CELLS_PER_GRID:
            self._overflow.append(entry)
        else:
            entry.cells = [(i, j) for i in range(lat0, lat1 + 1) for j in range(lng0, lng1 + 1)]
            for cell in entry.cells:
                self._buckets.setdefault(cell, []).append(entry)
        self._entries[grid_id] = entry

    def remove(self, grid_id: str) -> bool:
        """Removes a grid; False when it was not indexed."""
        entry = self._entries.pop(grid_id, None)
        if entry is None:
            return False
        if not entry.cells:
            self._overflow.remove(entry)
        for cell in entry.cells:
            bucket = self._buckets[cell]
            bucket.remove(entry)
            if not bucket:
                del self._buckets[cell]
        return True

    def candidates(self, point: GeoPoint) -> list[str]:
        """Ids of grids whose bounding box may contain the point (before the exact test)."""
        bucket = self._buckets.get(self._key(point.lat, point.lng), [])
        return [e.grid_id for e in (*bucket, *self._overflow)]

    def locate_all(self, point: GeoPoint) -> list[str]:
        """Ids of every grid containing the point, best (smallest) first."""
        bucket = self._buckets.get(self._key(point.lat, point.lng), [])
        hits = [e for e in (*bucket, *self._overflow) if point_in_polygon(point, e.polygon)]
        hits.sort(key=lambda e: _rank(e.grid_id, e.polygon))
        return [e.grid_id for e in hits]

    def locate(self, point: GeoPoint) -> str | None:
        """Id of the best grid containing the point (same answer as ``naive_locate``)."""
        hits = self.locate_all(point)
        return hits[0] if hits else None
