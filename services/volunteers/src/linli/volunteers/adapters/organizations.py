"""The organizations service as this service needs it: an organisation's ancestors, so that an
admin scoped to a street office or a district (``admin@org_street``) may act on the volunteers
and teams of the communities below it.

Answers are cached for a few minutes (the tree changes rarely and a moved community only
widens or narrows admin scopes, never the data). Only scoped admins whose scope is not the
community itself cause a call, so operators, the volunteers themselves and community admins
never depend on the organizations service being up.
"""

from __future__ import annotations

import threading
import time

import grpc

from linli.common.errors import NotFound
from linli.common.grpc_client import call, make_channel
from linli.v1 import organizations_pb2, organizations_pb2_grpc


class OrganizationAncestors:
    """The ``AncestorLookup`` port (``service_layer.ports``) over gRPC with a time-bounded cache."""

    def __init__(self, target: str, cache_seconds: float = 300.0, timeout: float = 3.0) -> None:
        self.target = target
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._channel: grpc.Channel | None = None
        self._cache: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def _stub(self) -> organizations_pb2_grpc.OrganizationServiceStub:
        with self._lock:
            if self._channel is None:  # connect on first use, never at start
                self._channel = make_channel(self.target, default_timeout=self.timeout)
            return organizations_pb2_grpc.OrganizationServiceStub(self._channel)

    def __call__(self, org_id: str) -> tuple[str, ...]:
        now = time.monotonic()
        cached = self._cache.get(org_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response: organizations_pb2.GetAncestorsResponse = call(
                self._stub().GetAncestors, organizations_pb2.GetAncestorsRequest(id=org_id), idempotent=True
            )
            ancestors = tuple(org.id for org in response.ancestors)
        except NotFound:
            ancestors = ()
        self._cache[org_id] = (now + self.cache_seconds, ancestors)
        return ancestors

    def close(self) -> None:
        with self._lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
