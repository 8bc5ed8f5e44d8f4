"""The organizations service as this service needs it: an organisation's ancestors, so that an
admin scoped to a street office or a district (``admin@org_street``) may act on the volunteers
and teams of the communities below it.

Answers are cached for a few minutes (the tree changes rarely and a moved community only
widens or narrows admin scopes, never the data). The organisation ids asked about come from
callers (a team's owner, a correction's community), so the cache is bounded in size too:
least recently used answers are dropped beyond ``max_entries``. Only scoped admins whose scope is not the
community itself cause a call, so operators, the volunteers themselves and community admins
never depend on the organizations service being up.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import grpc

from linli.common.errors import NotFound
from linli.common.grpc_client import call, make_channel
from linli.v1 import organizations_pb2, organizations_pb2_grpc

V = TypeVar("V")

#: Organisations whose ancestors are remembered at once (a city has a few thousand).
DEFAULT_MAX_ENTRIES = 10_000


class BoundedTtlCache(Generic[V]):
    """A thread-safe map with a time to live per entry and at most ``max_entries`` entries
    (least recently used dropped first): memory stays bounded whatever keys callers send."""

    def __init__(self, ttl_seconds: float, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: str, value: V) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class OrganizationAncestors:
    """The ``AncestorLookup`` port (``service_layer.ports``) over gRPC with a time- and
    size-bounded cache."""

    def __init__(
        self,
        target: str,
        cache_seconds: float = 300.0,
        timeout: float = 3.0,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self.target = target
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self._channel: grpc.Channel | None = None
        self._cache: BoundedTtlCache[tuple[str, ...]] = BoundedTtlCache(cache_seconds, max_entries)
        self._lock = threading.Lock()

    def _stub(self) -> organizations_pb2_grpc.OrganizationServiceStub:
        with self._lock:
            if self._channel is None:  # connect on first use, never at start
                self._channel = make_channel(self.target, default_timeout=self.timeout)
            return organizations_pb2_grpc.OrganizationServiceStub(self._channel)

    def __call__(self, org_id: str) -> tuple[str, ...]:
        cached = self._cache.get(org_id)
        if cached is not None:
            return cached
        try:
            response: organizations_pb2.GetAncestorsResponse = call(
                self._stub().GetAncestors, organizations_pb2.GetAncestorsRequest(id=org_id), idempotent=True
            )
            ancestors = tuple(org.id for org in response.ancestors)
        except NotFound:
            ancestors = ()
        self._cache.put(org_id, ancestors)
        return ancestors

    def close(self) -> None:
        with self._lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
