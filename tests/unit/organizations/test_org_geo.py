"""Polygon validation and point-in-polygon edge cases."""

from __future__ import annotations

import math

import pytest

from linli.common.errors import InvalidArgument
from linli.organizations.domain.geo import (
    BoundingBox,
    GeoPoint,
    Polygon,
    find_self_intersection,
    point_in_polygon,
    segments_intersect,
    signed_area,
    validate_polygon,
)


def pts(*coords: tuple[float, float]) -> list[GeoPoint]:
    """(lng, lat) pairs, the way people read a plane, as GeoPoints."""
    return [GeoPoint(lat=lat, lng=lng) for lng, lat in coords]


SQUARE = pts((0, 0), (10, 0), (10, 10), (0, 10))
# A "U": the notch x in (4, 6), y in (4, 10) is outside.
U_SHAPE = pts((0, 0), (10, 0), (10, 10), (6, 10), (6, 4), (4, 4), (4, 10), (0, 10))


# --------------------------------------------------------------------------- validation


def test_open_and_closed_rings_are_the_same_polygon() -> None:
    open_ring = validate_polygon(SQUARE)
    closed_ring = validate_polygon([*SQUARE, SQUARE[0]])
    assert open_ring == closed_ring
    assert len(closed_ring.vertices) == 4
    assert closed_ring.closed_ring()[-1] == closed_ring.vertices[0]


def test_consecutive_duplicates_are_dropped() -> None:
    poly = validate_polygon([SQUARE[0], SQUARE[0], SQUARE[1], SQUARE[2], SQUARE[2], SQUARE[3], SQUARE[0]])
    assert poly.vertices == tuple(SQUARE)


@pytest.mark.parametrize(
    "vertices",
    [
        [],
        pts((0, 0)),
        pts((0, 0), (1, 1)),
        pts((0, 0), (1, 1), (0, 0)),  # closed two-point ring
        pts((0, 0), (0, 0), (1, 1), (1, 1)),
    ],
)
def test_fewer_than_three_distinct_vertices(vertices: list[GeoPoint]) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_polygon(vertices)
    assert err.value.field == "shape.polygon.vertices"
    assert "3 distinct" in err.value.message


def test_collinear_vertices_have_no_area() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_polygon(pts((0, 0), (1, 1), (2, 2)))
    assert "no area" in err.value.message


@pytest.mark.parametrize(
    ("vertex", "field"),
    [
        (GeoPoint(lat=90.5, lng=0), "shape.polygon.vertices[1].lat"),
        (GeoPoint(lat=0, lng=-180.01), "shape.polygon.vertices[1].lng"),
        (GeoPoint(lat=float("inf"), lng=0), "shape.polygon.vertices[1].lat"),
    ],
)
def test_out_of_range_vertices_name_the_vertex(vertex: GeoPoint, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_polygon([SQUARE[0], vertex, SQUARE[2]])
    assert err.value.field == field


def test_bow_tie_self_intersects() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_polygon(pts((0, 0), (10, 10), (10, 0), (0, 10)))
    assert "intersects itself" in err.value.message


def test_figure_eight_touching_at_a_vertex_self_intersects() -> None:
    pinched = pts((0, 0), (5, 5), (10, 0), (10, 10), (5, 5), (0, 10))
    with pytest.raises(InvalidArgument):
        validate_polygon(pinched)


def test_spike_folding_back_on_itself_self_intersects() -> None:
    # (10,5) -> (15,5) -> (12,5): the ring doubles back along one line
    with pytest.raises(InvalidArgument):
        validate_polygon(pts((0, 0), (10, 0), (10, 5), (15, 5), (12, 5), (10, 10), (0, 10)))


def test_collinear_continuation_is_allowed() -> None:
    poly = validate_polygon(pts((0, 0), (5, 0), (10, 0), (10, 10), (0, 10)))
    assert len(poly.vertices) == 5


def test_concave_polygon_is_valid() -> None:
    assert validate_polygon(U_SHAPE).area == pytest.approx(100 - 12)


def test_vertex_limit_and_antimeridian() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_polygon(SQUARE, max_vertices=3)
    assert "at most 3" in err.value.message
    with pytest.raises(InvalidArgument):
        validate_polygon(pts((-179, 0), (179, 0), (179, 1)))


def test_custom_field_name() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_polygon([], field="shape.polygon")
    assert err.value.field == "shape.polygon"


def test_find_self_intersection_on_a_large_simple_ring() -> None:
    ring = [GeoPoint(lat=math.sin(2 * math.pi * i / 3000), lng=math.cos(2 * math.pi * i / 3000)) for i in range(3000)]
    assert find_self_intersection(ring) is None
    assert signed_area(ring) > 0  # counter-clockwise


def test_segments_intersect_cases() -> None:
    a, b = GeoPoint(0, 0), GeoPoint(10, 10)
    assert segments_intersect(a, b, GeoPoint(0, 10), GeoPoint(10, 0))  # crossing
    assert segments_intersect(a, b, GeoPoint(5, 5), GeoPoint(20, 0))  # touching at an end
    assert segments_intersect(a, b, GeoPoint(2, 2), GeoPoint(20, 20))  # collinear overlap
    assert not segments_intersect(a, b, GeoPoint(11, 11), GeoPoint(20, 20))  # collinear apart
    assert not segments_intersect(a, b, GeoPoint(0, 1), GeoPoint(9, 10))  # parallel


# --------------------------------------------------------------------------- point in polygon


@pytest.fixture
def square() -> Polygon:
    return validate_polygon(SQUARE)


@pytest.mark.parametrize(
    ("lng", "lat", "inside"),
    [
        (5, 5, True),
        (0.001, 0.001, True),
        (-0.001, 5, False),
        (10.001, 5, False),
        (5, 10.5, False),
        (50, 50, False),
    ],
)
def test_square_interior_and_exterior(square: Polygon, lng: float, lat: float, inside: bool) -> None:
    assert point_in_polygon(GeoPoint(lat=lat, lng=lng), square) is inside


@pytest.mark.parametrize(
    ("lng", "lat"),
    [(0, 5), (10, 5), (5, 0), (5, 10), (0, 0), (10, 10), (10, 0), (0, 10)],
)
def test_boundary_and_vertices_count_inside(square: Polygon, lng: float, lat: float) -> None:
    assert square.contains(GeoPoint(lat=lat, lng=lng))


def test_boundary_on_a_slanted_edge_within_tolerance() -> None:
    tri = validate_polygon(pts((0, 0), (3, 0), (0, 7)))
    # a point on the hypotenuse computed in floating point is rarely exactly collinear
    t = 0.37
    on_edge = GeoPoint(lat=0 + t * 7, lng=3 - t * 3)
    assert tri.contains(on_edge)
    assert not tri.contains(GeoPoint(lat=on_edge.lat, lng=on_edge.lng + 1e-6))


def test_concave_notch_is_outside() -> None:
    u = validate_polygon(U_SHAPE)
    assert not u.contains(GeoPoint(lat=7, lng=5))  # in the notch
    assert u.contains(GeoPoint(lat=7, lng=2))  # left arm
    assert u.contains(GeoPoint(lat=7, lng=8))  # right arm
    assert u.contains(GeoPoint(lat=2, lng=5))  # base, below the notch
    assert u.contains(GeoPoint(lat=4, lng=5))  # on the notch's floor (boundary)
    assert u.contains(GeoPoint(lat=7, lng=4))  # on the notch's wall (boundary)


def test_ray_through_vertices_is_counted_once() -> None:
    # a diamond: a horizontal ray from (x, 5) passes exactly through the vertices (0,5), (10,5)
    diamond = validate_polygon(pts((5, 0), (10, 5), (5, 10), (0, 5)))
    assert diamond.contains(GeoPoint(lat=5, lng=5))
    assert not diamond.contains(GeoPoint(lat=5, lng=-1))
    assert not diamond.contains(GeoPoint(lat=5, lng=11))
    # the U's notch floor vertices lie on the ray y=4
    u = validate_polygon(U_SHAPE)
    assert u.contains(GeoPoint(lat=4, lng=2))
    assert not u.contains(GeoPoint(lat=4, lng=12))


def test_clockwise_and_counter_clockwise_agree() -> None:
    ccw = validate_polygon(U_SHAPE)
    cw = validate_polygon(list(reversed(U_SHAPE)))
    for lat in (0.5, 3, 4, 5.5, 9.9):
        for lng in (-1, 0.5, 4, 5, 6, 9.5, 11):
            p = GeoPoint(lat=lat, lng=lng)
            assert ccw.contains(p) is cw.contains(p), p


def test_real_coordinates() -> None:
    # a block in Jiaojiang, Taizhou
    block = validate_polygon(
        [
            GeoPoint(28.680, 121.440),
            GeoPoint(28.680, 121.446),
            GeoPoint(28.684, 121.446),
            GeoPoint(28.684, 121.440),
        ]
    )
    assert block.contains(GeoPoint(28.682, 121.443))
    assert block.contains(GeoPoint(28.680, 121.443))  # on the southern edge
    assert not block.contains(GeoPoint(28.6799, 121.443))


def test_bounding_box_helpers() -> None:
    box = BoundingBox.of_points(SQUARE)
    assert (box.min_lat, box.min_lng, box.max_lat, box.max_lng) == (0, 0, 10, 10)
    assert box.contains(GeoPoint(10, 10))
    assert not box.contains(GeoPoint(10.1, 10))
    assert box.contains(GeoPoint(10.1, 10), tolerance=0.2)
    assert box.intersects(BoundingBox(10, 10, 20, 20))
    assert not box.intersects(BoundingBox(10.5, 0, 20, 20))
    assert box.expanded(1).min_lat == -1
    with pytest.raises(ValueError):
        BoundingBox.of_points([])
