"""The ``PeopleDirectory`` port (``service_layer.ports``) over gRPC: who holds which role where
(organizations ``ListRoles``, ``GetAncestors``) and which person a volunteer or a team leader
is (volunteers ``GetVolunteer``, ``GetTeam``).

- Every call is a read, made through the kit's ``grpc_client.call(..., idempotent=True)``
  (retried by gRPC on UNAVAILABLE, within a deadline: ``timeout`` seconds), as the service
  itself (the ``system`` identity, whatever context the caller runs in).
- Answers are cached for ``ttl_seconds`` in an LRU map of at most ``max_entries`` per kind
  of question (roles, ancestors, volunteers, teams), so memory stays bounded however many
  organisations and volunteers the events name. A "not there" answer (NOT_FOUND, no holder)
  is cached as well, for ``negative_ttl_seconds``.
- Any other failure (the service down, a deadline passed) is raised as the kit's error
  (``Unavailable``, ``DeadlineExceeded``...): the consumer retries the event, then
  dead-letters it; nothing wrong is cached.
- Channels open on first use, never at start (the service starts without its peers).
- ``observe(facts)`` (a consumers' observer): a volunteer's registration names its person,
  which goes into the volunteers cache at once (a volunteer's person never changes), so
  offers to volunteers registered while the service runs cost no lookup.
- ``signed_up(station_id, event_id)`` (not part of the port: the station reminder timer's
  ``signups``) reads a station event's sign-ups from ``ListStationEvents`` at reminder time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

import grpc

from linli.common.errors import NotFound
from linli.common.grpc_client import call, make_channel
from linli.common.identity import SYSTEM, current_identity
from linli.notifications.domain.model import EventFacts
from linli.v1 import common_pb2, organizations_pb2, organizations_pb2_grpc, volunteers_pb2, volunteers_pb2_grpc

V = TypeVar("V")

#: Roles by the names the routing rules use, as ``linli.v1.OrganizationRole`` values.
ROLE_VALUES: dict[str, organizations_pb2.OrganizationRole] = {
    "admin": organizations_pb2.ORGANIZATION_ROLE_ADMIN,
    "dispatcher": organizations_pb2.ORGANIZATION_ROLE_DISPATCHER,
    "grid_worker": organizations_pb2.ORGANIZATION_ROLE_GRID_WORKER,
    "liaison": organizations_pb2.ORGANIZATION_ROLE_LIAISON,
    "member": organizations_pb2.ORGANIZATION_ROLE_MEMBER,
}
#: Role holders read per organisation, at most (pages of 200).
MAX_HOLDERS = 1000
_PAGE = 200


class TtlCache(Generic[V]):
    """A thread-safe LRU map whose entries expire; at most ``max_entries`` kept."""

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max(1, max_entries)
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, V | None]:
        """(found, value); an expired entry is dropped and not found."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return False, None
            if item[0] <= self.clock():
                del self._items[key]
                return False, None
            self._items.move_to_end(key)
            return True, item[1]

    def put(self, key: str, value: V, ttl: float) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (self.clock() + ttl, value)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class _AsSystem:
    """Runs the calls as the service itself (the identity the kit's client interceptor sends)."""

    def __enter__(self) -> None:
        self._token = current_identity.set(SYSTEM)

    def __exit__(self, *exc_info: object) -> None:
        current_identity.reset(self._token)


class GrpcPeopleDirectory:
    """``PeopleDirectory`` over the organizations and volunteers services, cached."""

    def __init__(
        self,
        organizations_addr: str,
        volunteers_addr: str,
        *,
        ttl_seconds: float = 300.0,
        negative_ttl_seconds: float = 30.0,
        max_entries: int = 10_000,
        timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        organizations_stub: Any = None,
        volunteers_stub: Any = None,
    ) -> None:
        self.organizations_addr = organizations_addr
        self.volunteers_addr = volunteers_addr
        self.ttl_seconds = ttl_seconds
        self.negative_ttl_seconds = negative_ttl_seconds
        self.timeout = timeout
        self._org_stub = organizations_stub
        self._vol_stub = volunteers_stub
        self._channels: list[grpc.Channel] = []
        self._lock = threading.Lock()
        self._roles: TtlCache[tuple[str, ...]] = TtlCache(max_entries, clock)
        self._ancestors: TtlCache[tuple[str, ...]] = TtlCache(max_entries, clock)
        self._volunteers: TtlCache[str] = TtlCache(max_entries, clock)
        self._teams: TtlCache[str] = TtlCache(max_entries, clock)

    # -- stubs ------------------------------------------------------------------------------
    def _organizations(self) -> Any:
        with self._lock:
            if self._org_stub is None:
                channel = make_channel(self.organizations_addr, default_timeout=self.timeout)
                self._channels.append(channel)
                self._org_stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
            return self._org_stub

    def _volunteers_stub(self) -> Any:
        with self._lock:
            if self._vol_stub is None:
                channel = make_channel(self.volunteers_addr, default_timeout=self.timeout)
                self._channels.append(channel)
                self._vol_stub = volunteers_pb2_grpc.VolunteerServiceStub(channel)
            return self._vol_stub

    def _call(self, method: Any, request: Any) -> Any:
        with _AsSystem():
            return call(method, request, timeout=self.timeout, idempotent=True)

    def _ttl(self, value: object) -> float:
        return self.ttl_seconds if value else self.negative_ttl_seconds

    def observe(self, facts: EventFacts) -> None:
        volunteers = facts.volunteer_ids.get("volunteer", ())
        persons = facts.people.get("volunteer_person", ())
        if len(volunteers) == 1 and len(persons) == 1:
            self._volunteers.put(volunteers[0], persons[0], self.ttl_seconds)

    # -- the port ---------------------------------------------------------------------------
    def persons_of_volunteers(self, volunteer_ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for volunteer_id in dict.fromkeys(v for v in volunteer_ids if v):
            person = self._person_of(volunteer_id)
            if person:
                found[volunteer_id] = person
        return found

    def _person_of(self, volunteer_id: str) -> str:
        hit, cached = self._volunteers.get(volunteer_id)
        if hit:
            return cached or ""
        try:
            volunteer = self._call(
                self._volunteers_stub().GetVolunteer, volunteers_pb2.GetVolunteerRequest(id=volunteer_id)
            )
            person = str(volunteer.person_id)
        except NotFound:
            person = ""
        self._volunteers.put(volunteer_id, person, self._ttl(person))
        return person

    def role_holders(self, role: str, org_id: str) -> Sequence[str]:
        value = ROLE_VALUES.get(role)
        if value is None or not org_id:
            return ()
        key = f"{role}@{org_id}"
        hit, cached = self._roles.get(key)
        if hit:
            return cached or ()
        holders: list[str] = []
        token = ""
        try:
            while len(holders) < MAX_HOLDERS:
                response = self._call(
                    self._organizations().ListRoles,
                    organizations_pb2.ListRolesRequest(
                        organization_id=org_id,
                        roles=[value],
                        page=common_pb2.PageRequest(page_size=_PAGE, page_token=token),
                    ),
                )
                holders.extend(
                    a.person_id
                    for a in response.assignments
                    if a.active and a.organization_id == org_id and a.role == value and a.person_id
                )
                token = response.page.next_page_token
                if not token:
                    break
        except NotFound:
            holders = []
        result = tuple(dict.fromkeys(holders))
        self._roles.put(key, result, self._ttl(result))
        return result

    def ancestors(self, org_id: str) -> Sequence[str]:
        """Nearest first (``GetAncestors`` answers root first)."""
        if not org_id:
            return ()
        hit, cached = self._ancestors.get(org_id)
        if hit:
            return cached or ()
        try:
            response = self._call(self._organizations().GetAncestors, organizations_pb2.GetAncestorsRequest(id=org_id))
            result = tuple(reversed([org.id for org in response.ancestors if org.id]))
        except NotFound:
            result = ()
        self._ancestors.put(org_id, result, self._ttl(result))
        return result

    def team_leader(self, team_id: str) -> str:
        if not team_id:
            return ""
        hit, cached = self._teams.get(team_id)
        if hit:
            return cached or ""
        try:
            roster = self._call(self._volunteers_stub().GetTeam, volunteers_pb2.GetTeamRequest(id=team_id))
            leader_volunteer = str(roster.team.leader_volunteer_id)
        except NotFound:
            leader_volunteer = ""
        person = self._person_of(leader_volunteer) if leader_volunteer else ""
        self._teams.put(team_id, person, self._ttl(person))
        return person

    def signed_up(self, station_id: str, event_id: str) -> tuple[str, ...]:
        """The people signed up for a station event now (the organizations service publishes
        no sign-up events; the reminder timer asks just before it reminds). Not cached."""
        if not station_id or not event_id:
            return ()
        token = ""
        for _ in range(20):  # at most 20 pages of one station's calendar
            response = self._call(
                self._organizations().ListStationEvents,
                organizations_pb2.ListStationEventsRequest(
                    station_id=station_id, page=common_pb2.PageRequest(page_size=_PAGE, page_token=token)
                ),
            )
            for event in response.events:
                if event.id == event_id:
                    return tuple(dict.fromkeys(p for p in event.signed_up_person_ids if p))
            token = response.page.next_page_token
            if not token:
                break
        return ()

    def close(self) -> None:
        with self._lock:
            for channel in self._channels:
                channel.close()
            self._channels.clear()
