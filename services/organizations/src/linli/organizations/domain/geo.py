"""Grid geometry: the kit's (`linli.common.geo`), shared with the requests service's copy of
the grids, so both locate a point in exactly the same grid."""

from linli.common.geo import (
    EPSILON,
    MAX_POLYGON_VERTICES,
    BoundingBox,
    GeoPoint,
    GridIndex,
    Polygon,
    find_self_intersection,
    naive_locate,
    point_in_polygon,
    segments_intersect,
    signed_area,
    validate_point,
    validate_polygon,
)

__all__ = [
    "EPSILON",
    "MAX_POLYGON_VERTICES",
    "BoundingBox",
    "GeoPoint",
    "GridIndex",
    "Polygon",
    "find_self_intersection",
    "naive_locate",
    "point_in_polygon",
    "segments_intersect",
    "signed_area",
    "validate_point",
    "validate_polygon",
]
