"""The requests service's copy of the organisations' grids and tree paths, for routing.

Every submitted request needs its grid, community, street and organisation path. Asking the
organizations service each time puts a network call (and that service's CPU) on the hot
path, and makes accepting a request depend on it being up. Instead, as the architecture has
it for state another service owns, this keeps a copy: a snapshot over gRPC at start, then the
`linli.organizations.v1` events from the offsets taken before the snapshot (replaying a few
is harmless: every change is an upsert of the latest state).

The feed runs on the kit's consumer loop (`linli.common.consumer.EventConsumer`), so a
poison event never stops it: events larger than 1 MiB or nested deeper than 64, not from
`/linli/organizations`, of a type outside its aggregates, or whose payload does not parse,
go to `linli.organizations.v1.dlq` with a `linli_reason` header, and the copy goes on. It
reads without a consumer group (every process holds the whole copy, from the offsets taken
before its snapshot) and commits nothing; a loop that dies (the organizations service down
at start, the broker gone) restarts with backoff up to `retry_seconds`, re-taking the
snapshot. It reports unhealthy only when halted (the DLQ refusing letters, or the
dead-letter limit): while it restarts, submissions route through the organizations service
itself (OrganizationsClient), so the service keeps SERVING.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from linli.common.cloudevents import Envelope, utc_now
from linli.common.consumer import EventConsumer, KafkaLikeConsumer
from linli.common.errors import InvalidArgument
from linli.common.geo import GeoPoint as GridPoint
from linli.common.geo import GridIndex, Polygon
from linli.common.grpc_client import call
from linli.common.kafka_io import client_security, make_producer
from linli.requests.domain.model import GeoPoint, Place
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)

GRID_EVENTS = frozenset({"org.linli.grid.created.v1", "org.linli.grid.updated.v1"})
#: Who publishes on the organizations topic, and its aggregates' event types (prefixes: new
#: types of these aggregates are accepted; the feed ignores those it does not apply).
ORGANIZATIONS_SOURCE = "/linli/organizations"
ORGANIZATIONS_TYPES = (
    "org.linli.organization.*",
    "org.linli.grid.*",
    "org.linli.station.*",
    "org.linli.station_event.*",
    "org.linli.role.*",
)
FEED_GROUP = "requests-places"

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
        """The grid holding `point` and its route; InvalidArgument for a point that is not
        finite (callers validate first; this keeps a missed check from being INTERNAL)."""
        if not (math.isfinite(point.lat) and math.isfinite(point.lng)):
            raise InvalidArgument("point: coordinates must be finite numbers", field="point")
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


class _Unassigned:
    """A group-less KafkaConsumer as the loop's consumer: nothing to commit."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self.consumer = consumer

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
        batch: dict[Any, list[Any]] = self.consumer.poll(timeout_ms=timeout_ms)
        return batch

    def assignment(self) -> set[Any]:
        assigned: set[Any] = self.consumer.assignment()
        return assigned

    def commit(self, offsets: dict[Any, Any]) -> None:
        """Nothing: each start takes a fresh snapshot and reads on from there."""

    def close(self, autocommit: bool) -> None:
        self.consumer.close(autocommit=False)


class OrganizationsFeed:
    """Fills a PlaceIndex and keeps it current; a runtime worker (start/stop, health)."""

    def __init__(
        self,
        index: PlaceIndex,
        stub: organizations_pb2_grpc.OrganizationServiceStub,
        bootstrap: str,
        topic: str = "linli.organizations.v1",
        retry_seconds: float = 5.0,
        dlq_producer: KafkaProducer | None = None,
        group_id: str = FEED_GROUP,
    ) -> None:
        self.index = index
        self.group_id = group_id
        self.stub = stub
        self.bootstrap = bootstrap
        self.topic = topic
        self.retry_seconds = retry_seconds
        self._own_producer = dlq_producer is None
        self.dlq_producer = dlq_producer
        self.consumer: EventConsumer | None = None

    def start(self) -> None:
        if self.dlq_producer is None:
            self.dlq_producer = make_producer(self.bootstrap, client_id=self.group_id)
        self.consumer = EventConsumer(
            bootstrap=self.bootstrap,
            group_id=self.group_id,
            topics=[self.topic],
            handler=self.handle,
            processed=None,  # every change is an upsert of the latest state
            dlq_producer=self.dlq_producer,
            max_attempts=3,
            client_id=self.group_id,
            consumer_factory=self._open,
            allowed_sources=(ORGANIZATIONS_SOURCE,),
            allowed_types=ORGANIZATIONS_TYPES,
            restart_backoff=min(1.0, self.retry_seconds),
            max_restart_backoff=self.retry_seconds,
        )
        self.consumer.start()

    def stop(self, timeout: float = 30.0) -> None:
        if self.consumer is not None:
            self.consumer.stop(timeout)
        if self._own_producer and self.dlq_producer is not None:
            self.dlq_producer.close(timeout=10)
            self.dlq_producer = None

    @property
    def health_name(self) -> str:
        return f"consumer:{self.group_id}"

    def healthy(self) -> bool:
        """False when the loop halted or its thread is gone; restarting is not unhealthy (see
        the module's docstring)."""
        consumer = self.consumer
        if consumer is None:
            return True
        return consumer.healthy() or (consumer.crashed.is_set() and not consumer.halted.is_set())

    def _open(self, *topics: str, **_: Any) -> KafkaLikeConsumer:
        """The loop's consumer: every partition, from the offsets taken before the snapshot."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            client_id=self.group_id,
            **client_security(),
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
        except BaseException:
            consumer.close(autocommit=False)
            raise
        self.index.ready.set()
        log.info("grid copy ready", extra={"grids": len(self.index.routes), "organizations": len(self.index.paths)})
        return _Unassigned(consumer)

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
        """Applies one record given as headers and value (tests); events of other types are
        ignored."""
        kind = (headers.get("ce_type") or b"").decode()
        if value is None:
            return
        self.handle(Envelope("", ORGANIZATIONS_SOURCE, kind, "", utc_now(), value, self.topic))

    def handle(self, envelope: Envelope) -> None:
        """The loop's handler: grid and organisation changes upsert the copy."""
        if envelope.type not in GRID_EVENTS and envelope.type not in ORGANIZATION_EVENTS:
            return
        payload = envelope.json()
        if not isinstance(payload, dict):
            raise InvalidArgument("data: must be a JSON object", field="data")
        if envelope.type in GRID_EVENTS:
            self.index.put_grid(_parse(payload, "grid", organizations_pb2.Grid()))
        else:
            self.index.put_organization(_parse(payload, "organization", organizations_pb2.Organization()))


def _parse(payload: dict[str, Any], field: str, message: M) -> M:
    raw = payload.get(field, {})
    if not isinstance(raw, dict):
        raise InvalidArgument(f"{field}: must be a {type(message).__name__} object", field=field)
    try:
        return json_format.ParseDict(raw, message, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise InvalidArgument(f"{field}: not a {type(message).__name__}: {str(exc)[:200]}", field=field) from exc
