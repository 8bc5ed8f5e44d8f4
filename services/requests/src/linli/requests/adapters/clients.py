"""gRPC clients of the services the requests service asks questions of.

Submitting must not depend on them being up: a request whose place cannot be looked up is
still accepted into the ledger (with an empty place, for a dispatcher to route by hand),
because losing a resident's request is worse than routing it late.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from google.protobuf import timestamp_pb2

from linli.common.errors import LinliError, NotFound, Unavailable
from linli.common.grpc_client import call, make_channel
from linli.common.identity import Identity
from linli.requests.adapters.places import PlaceIndex
from linli.requests.domain.lru import BoundedLru
from linli.requests.domain.model import GeoPoint, Place
from linli.requests.service_layer.ports import Candidate
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc, volunteers_pb2, volunteers_pb2_grpc

__all__ = ["Candidate", "OrganizationsClient", "VolunteersClient"]

log = logging.getLogger(__name__)

_CACHE_SECONDS = 300.0
#: Bounds of the caches keyed by what callers send (department codes, person ids): least
#: recently used entries go first, so no caller can grow the service without limit.
_DEPARTMENT_CACHE_SIZE = 1_000


class OrganizationsClient:
    def __init__(self, target: str, timeout: float = 2.0, places: PlaceIndex | None = None) -> None:
        self.channel = make_channel(target, default_timeout=timeout)
        self.stub = organizations_pb2_grpc.OrganizationServiceStub(self.channel)
        self.places = places
        self._departments: BoundedLru[str, tuple[float, str]] = BoundedLru(max_items=_DEPARTMENT_CACHE_SIZE)

    def place_of(self, point: GeoPoint | None) -> Place:
        """Grid, community, street and organisation path of a point; empty when unknown.

        From the local copy of the grids once it is loaded; until then by asking."""
        if point is None:
            return Place()
        if self.places is not None and self.places.ready.is_set():
            return self.places.place_of(point)
        try:
            found = call(
                self.stub.LocateGrid,
                organizations_pb2.LocateGridRequest(point=common_pb2.GeoPoint(lat=point.lat, lng=point.lng)),
                idempotent=True,
            )
        except LinliError as exc:
            log.warning("grid lookup failed; the request is kept without a place", extra={"error": str(exc)})
            return Place()
        if not found.found:
            return Place()
        return Place(
            grid_id=found.grid.id,
            community_id=found.grid.community_id,
            street_id=found.grid.street_id,
            org_path=(*found.owner.path, found.owner.id),
        )

    def department_ids(self, codes: Sequence[str]) -> dict[str, str]:
        """Organisation ids of departments by code (cached); unknown codes are left out."""
        now = time.monotonic()
        result: dict[str, str] = {}
        for code in {c for c in codes if c}:
            cached = self._departments.get(code)
            if cached and cached[0] > now:
                if cached[1]:
                    result[code] = cached[1]
                continue
            try:
                org = call(
                    self.stub.GetOrganization, organizations_pb2.GetOrganizationRequest(code=code), idempotent=True
                )
                org_id = org.id
            except NotFound:
                org_id = ""
            except LinliError as exc:
                log.warning("department lookup failed", extra={"code": code, "error": str(exc)})
                continue
            self._departments.put(code, (now + _CACHE_SECONDS, org_id))
            if org_id:
                result[code] = org_id
        return result

    def close(self) -> None:
        self.channel.close()


class VolunteersClient:
    def __init__(self, target: str, timeout: float = 2.0, acts_for_cache_size: int = 10_000) -> None:
        self.channel = make_channel(target, default_timeout=timeout)
        self.stub = volunteers_pb2_grpc.VolunteerServiceStub(self.channel)
        self._acts_for: BoundedLru[str, tuple[float, frozenset[str]]] = BoundedLru(max_items=acts_for_cache_size)

    def match(self, point: GeoPoint, category: str, k: int) -> list[Candidate]:
        at = timestamp_pb2.Timestamp()
        at.GetCurrentTime()
        found = call(
            self.stub.MatchVolunteers,
            volunteers_pb2.MatchVolunteersRequest(
                location=common_pb2.GeoPoint(lat=point.lat, lng=point.lng), category=category, at=at, k=k
            ),
            idempotent=True,
        )
        return [Candidate(c.volunteer_id, c.score, c.distance_km) for c in found.candidates]

    def acts_for(self, identity: Identity) -> frozenset[str]:
        """The volunteer id (and teams) a person acts for, when they hold the volunteer role."""
        if identity.anonymous or not identity.has_role("volunteer"):
            return frozenset()
        now = time.monotonic()
        cached = self._acts_for.get(identity.subject)
        if cached and cached[0] > now:
            return cached[1]
        try:
            volunteer = call(
                self.stub.GetVolunteer, volunteers_pb2.GetVolunteerRequest(person_id=identity.subject), idempotent=True
            )
            ids = frozenset({volunteer.id, *volunteer.team_ids})
        except NotFound:
            ids = frozenset()
        except LinliError as exc:
            raise Unavailable(f"cannot confirm who {identity.subject} volunteers as: {exc.message}") from exc
        self._acts_for.put(identity.subject, (now + 60.0, ids))
        return ids

    def close(self) -> None:
        self.channel.close()
