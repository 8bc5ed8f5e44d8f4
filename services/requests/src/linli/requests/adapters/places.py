"""The requests service's copy of the organisations' grids and tree paths, for routing.

Every submitted request needs its grid, community, street and organisation path. Asking the
organizations service each time puts a network call (and that service's CPU) on the hot
path, and makes accepting a request depend on it being up. Instead, as the architecture has
it for state another service owns, this keeps a copy: a snapshot over gRPC at start, then the
`linli.organizations.v1` events from the offsets taken before the snapshot (replaying a few
is harmless: every change is an upsert of the latest state).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from google.protobuf import json_format
from kafka import KafkaConsumer, TopicPartition

from linli.common.geo import GeoPoint as GridPoint
from linli.common.geo import GridIndex, Polygon
from linli.common.grpc_client import call
from linli.requests.domain.model import GeoPoint, Place
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc

log = logging.getLogger(__name__)

GRID_EVENTS = frozenset({"org.linli.grid.created.v1", "org.linli.grid.updated.v1"})
ORGANIZATION_EVENTS = frozenset(
    {
        "org.linli.organization.created.v1",
        "org.linli.organization.updated.v1",
        "org.linli.organization.moved.v1",
        "org.linli.organization.archived.v1",
    }
)


@dataclass(frozen=True)
class GridRoute:
    owner_id: str
    community_id: str
    street_id: str


def polygon_of(shape: organizations_pb2.GridShape) -> Polygon | None:
    if shape.HasField("polygon"):
        return Polygon(tuple(GridPoint(v.lat, v.lng) for v in shape.polygon.vertices))
    if shape.HasField("cell"):
        sw, ne = shape.cell.south_west, shape.cell.north_east
        return Polygon(
            (GridPoint(sw.lat, sw.lng), GridPoint(sw.lat, ne.lng), GridPoint(ne.lat, ne.lng), GridPoint(ne.lat, sw.lng))
        )
    return None


class PlaceIndex:
    def __init__(self, cell_degrees: float = 0.01) -> None:
        self._lock = threading.Lock()
        self.routes: dict[str, GridRoute] = {}
        self.paths: dict[str, tuple[str, ...]] = {}
        self.grids = GridIndex(cell_degrees)
        self.ready = threading.Event()

    def put_grid(self, grid: organizations_pb2.Grid) -> None:
        polygon = polygon_of(grid.shape)
        with self._lock:
            self.grids.remove(grid.id)
            self.routes[grid.id] = GridRoute(grid.organization_id, grid.community_id, grid.street_id)
            if polygon is not None and not grid.archived:
                self.grids.add(grid.id, polygon)

    def put_organization(self, org: organizations_pb2.Organization) -> None:
        with self._lock:
            self.paths[org.id] = tuple(org.path)

    def place_of(self, point: GeoPoint) -> Place:
        with self._lock:
            grid_id = self.grids.locate(GridPoint(point.lat, point.lng))
            if grid_id is None:
                return Place()
            route = self.routes[grid_id]
            return Place(
                grid_id=grid_id,
                community_id=route.community_id,
                street_id=route.street_id,
                org_path=(*self.paths.get(route.owner_id, ()), route.owner_id),
            )


class OrganizationsFeed:
    """Fills a PlaceIndex and keeps it current; a runtime worker (start/stop)."""

    def __init__(
        self,
        index: PlaceIndex,
        stub: organizations_pb2_grpc.OrganizationServiceStub,
        bootstrap: str,
        topic: str = "linli.organizations.v1",
        retry_seconds: float = 5.0,
    ) -> None:
        self.index = index
        self.stub = stub
        self.bootstrap = bootstrap
        self.topic = topic
        self.retry_seconds = retry_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="organizations-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._follow()
            except Exception:
                log.warning("copy of the organisations' grids interrupted; retrying", exc_info=True)
                self._stopping.wait(self.retry_seconds)

    def _follow(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False, client_id="requests-places"
        )
        try:
            partitions = [TopicPartition(self.topic, p) for p in consumer.partitions_for_topic(self.topic) or ()]
            if not partitions:
                raise RuntimeError(f"topic {self.topic} does not exist yet")
            consumer.assign(partitions)
            start = consumer.end_offsets(partitions)  # before the snapshot: nothing falls in between
            self.snapshot()
            for partition, offset in start.items():
                consumer.seek(partition, offset)
            self.index.ready.set()
            log.info("grid copy ready", extra={"grids": len(self.index.routes), "organizations": len(self.index.paths)})
            while not self._stopping.is_set():
                for records in consumer.poll(timeout_ms=500).values():
                    for record in records:
                        self.apply(dict(record.headers or []), record.value)
        finally:
            consumer.close()

    def snapshot(self) -> None:
        for org in self._organizations():
            self.index.put_organization(org)
        token = ""
        while True:
            page = call(
                self.stub.ListGrids,
                organizations_pb2.ListGridsRequest(
                    include_archived=True, page=common_pb2.PageRequest(page_size=500, page_token=token)
                ),
                timeout=30,
                idempotent=True,
            )
            for grid in page.grids:
                self.index.put_grid(grid)
            token = page.page.next_page_token
            if not token:
                return

    def _organizations(self) -> Iterator[organizations_pb2.Organization]:
        roots = call(
            self.stub.ListChildren,
            organizations_pb2.ListChildrenRequest(include_archived=True, page=common_pb2.PageRequest(page_size=500)),
            timeout=30,
            idempotent=True,
        )
        for root in roots.organizations:
            token = ""
            while True:
                page = call(
                    self.stub.ListSubtree,
                    organizations_pb2.ListSubtreeRequest(
                        root_id=root.id,
                        include_root=True,
                        include_archived=True,
                        page=common_pb2.PageRequest(page_size=500, page_token=token),
                    ),
                    timeout=30,
                    idempotent=True,
                )
                yield from page.organizations
                token = page.page.next_page_token
                if not token:
                    break

    def apply(self, headers: dict[str, bytes], value: bytes | None) -> None:
        kind = (headers.get("ce_type") or b"").decode()
        if value is None or (kind not in GRID_EVENTS and kind not in ORGANIZATION_EVENTS):
            return
        payload = json.loads(value)
        if kind in GRID_EVENTS:
            self.index.put_grid(
                json_format.ParseDict(payload.get("grid", {}), organizations_pb2.Grid(), ignore_unknown_fields=True)
            )
        else:
            self.index.put_organization(
                json_format.ParseDict(
                    payload.get("organization", {}), organizations_pb2.Organization(), ignore_unknown_fields=True
                )
            )
