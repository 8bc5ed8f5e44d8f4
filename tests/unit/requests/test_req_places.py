"""The requests service's copy of the grids: routing a point to grid, community, street, path."""

from __future__ import annotations

import json

from google.protobuf import json_format

from linli.requests.adapters.places import OrganizationsFeed, PlaceIndex
from linli.requests.domain.model import GeoPoint
from linli.v1 import common_pb2, organizations_pb2


def cell(lat: float, lng: float, size: float) -> organizations_pb2.GridShape:
    return organizations_pb2.GridShape(
        cell=organizations_pb2.GridCell(
            south_west=common_pb2.GeoPoint(lat=lat, lng=lng),
            north_east=common_pb2.GeoPoint(lat=lat + size, lng=lng + size),
        )
    )


def test_a_point_is_routed_with_the_owner_path() -> None:
    index = PlaceIndex()
    index.put_organization(organizations_pb2.Organization(id="compound", path=["district", "street", "community"]))
    index.put_grid(
        organizations_pb2.Grid(
            id="g1",
            organization_id="compound",
            community_id="community",
            street_id="street",
            shape=cell(28.0, 121.0, 0.01),
        )
    )
    place = index.place_of(GeoPoint(28.005, 121.005))
    assert (place.grid_id, place.community_id, place.street_id) == ("g1", "community", "street")
    assert place.org_path == ("district", "street", "community", "compound")
    assert index.place_of(GeoPoint(10.0, 10.0)).grid_id == ""


def test_events_update_the_copy() -> None:
    index = PlaceIndex()
    feed = OrganizationsFeed(index, stub=None, bootstrap="unused")  # type: ignore[arg-type]
    grid = organizations_pb2.Grid(
        id="g1", organization_id="o", community_id="c", street_id="s", shape=cell(28.0, 121.0, 0.01)
    )
    feed.apply(
        {"ce_type": b"org.linli.grid.created.v1"}, json.dumps({"grid": json_format.MessageToDict(grid)}).encode()
    )
    assert index.place_of(GeoPoint(28.005, 121.005)).grid_id == "g1"
    grid.archived = True
    feed.apply(
        {"ce_type": b"org.linli.grid.updated.v1"}, json.dumps({"grid": json_format.MessageToDict(grid)}).encode()
    )
    assert index.place_of(GeoPoint(28.005, 121.005)).grid_id == ""  # archived grids route nothing
    feed.apply(
        {"ce_type": b"org.linli.organization.moved.v1"},
        json.dumps({"organization": {"id": "o", "path": ["d2"]}}).encode(),
    )
    assert index.paths["o"] == ("d2",)
    feed.apply({"ce_type": b"org.linli.station.created.v1"}, b"{}")  # other events are ignored
