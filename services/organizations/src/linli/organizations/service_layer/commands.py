"""The organizations service's use cases as data: one frozen dataclass per command or query.

Each carries the caller (``actor``, from the kit's ``Command``), filled in once by the
entrypoint; handlers (``handlers.py``) read the caller from here, never from context. Values
arrive already translated into domain types (enums, value objects, shapes); their rules are
checked by the domain when the handler runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from linli.common.commands import Command
from linli.organizations.domain.geo import GeoPoint
from linli.organizations.domain.grids import GridUpdate
from linli.organizations.domain.model import (
    Address,
    Contact,
    DutyRosterEntry,
    GridShape,
    LocalizedText,
    OrganizationKind,
    Role,
    StationKind,
    TimeWindow,
)
from linli.organizations.domain.stations import StationUpdate
from linli.organizations.domain.tree import OrganizationUpdate


# -- organisations ----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateOrganization(Command):
    idempotency_key: str = ""
    kind: OrganizationKind
    code: str
    name: LocalizedText
    parent_id: str = ""
    address: Address | None = None
    location: GeoPoint | None = None
    contacts: Sequence[Contact] = ()
    served_org_ids: Sequence[str] = ()
    accepted_categories: Sequence[str] = ()
    response_deadline_minutes: int = 0


@dataclass(frozen=True, kw_only=True)
class UpdateOrganization(Command):
    id: str
    expected_version: int = 0
    mask: Sequence[str] = ()
    values: OrganizationUpdate = field(default_factory=OrganizationUpdate)


@dataclass(frozen=True, kw_only=True)
class MoveOrganization(Command):
    id: str
    new_parent_id: str = ""
    expected_version: int = 0


@dataclass(frozen=True, kw_only=True)
class ArchiveOrganization(Command):
    id: str
    expected_version: int = 0
    cascade: bool = False
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class GetOrganization(Command):
    id: str = ""
    code: str = ""


@dataclass(frozen=True, kw_only=True)
class ListChildren(Command):
    parent_id: str = ""
    include_archived: bool = False
    kinds: Sequence[OrganizationKind] = ()


@dataclass(frozen=True, kw_only=True)
class GetAncestors(Command):
    id: str


@dataclass(frozen=True, kw_only=True)
class ListSubtree(Command):
    root_id: str
    include_root: bool = False
    include_archived: bool = False
    kinds: Sequence[OrganizationKind] = ()
    max_depth: int = 0


@dataclass(frozen=True, kw_only=True)
class SearchOrganizations(Command):
    query: str
    kinds: Sequence[OrganizationKind] = ()
    within_id: str = ""
    include_archived: bool = False


@dataclass(frozen=True, kw_only=True)
class ListResponders(Command):
    category: str
    org_id: str


# -- grids ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateGrid(Command):
    idempotency_key: str = ""
    organization_id: str
    code: str
    name: LocalizedText
    shape: GridShape
    households_count: int = 0
    leader_person_id: str = ""
    worker_person_ids: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class UpdateGrid(Command):
    id: str
    expected_version: int = 0
    mask: Sequence[str] = ()
    values: GridUpdate = field(default_factory=GridUpdate)


@dataclass(frozen=True, kw_only=True)
class GetGrid(Command):
    id: str


@dataclass(frozen=True, kw_only=True)
class ListGrids(Command):
    organization_id: str = ""
    include_archived: bool = False
    person_id: str = ""


@dataclass(frozen=True, kw_only=True)
class LocateGrid(Command):
    point: GeoPoint


# -- stations and their events ----------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateStation(Command):
    idempotency_key: str = ""
    organization_id: str
    kind: StationKind
    code: str
    name: LocalizedText
    address: Address | None = None
    location: GeoPoint | None = None
    opening_hours: Sequence[TimeWindow] = ()
    capacity: int = 0
    duty_roster: Sequence[DutyRosterEntry] = ()
    contacts: Sequence[Contact] = ()


@dataclass(frozen=True, kw_only=True)
class UpdateStation(Command):
    id: str
    expected_version: int = 0
    mask: Sequence[str] = ()
    values: StationUpdate = field(default_factory=StationUpdate)


@dataclass(frozen=True, kw_only=True)
class GetStation(Command):
    id: str


@dataclass(frozen=True, kw_only=True)
class ListStations(Command):
    organization_id: str = ""
    kinds: Sequence[StationKind] = ()
    include_archived: bool = False


@dataclass(frozen=True, kw_only=True)
class ScheduleStationEvent(Command):
    idempotency_key: str = ""
    station_id: str
    title: LocalizedText
    description: str = ""
    starts_at: datetime
    ends_at: datetime
    capacity: int = 0


@dataclass(frozen=True, kw_only=True)
class SignUpForEvent(Command):
    """Residents sign themselves up (``person_id`` empty: the caller); admins may sign up anyone."""

    event_id: str
    person_id: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordAttendance(Command):
    event_id: str
    attendance_count: int
    expected_version: int = 0


@dataclass(frozen=True, kw_only=True)
class ListStationEvents(Command):
    station_id: str = ""
    organization_id: str = ""
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    include_cancelled: bool = False


# -- roles ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class GrantRole(Command):
    person_id: str
    organization_id: str
    role: Role


@dataclass(frozen=True, kw_only=True)
class RevokeRole(Command):
    person_id: str
    organization_id: str
    role: Role


@dataclass(frozen=True, kw_only=True)
class ListRoles(Command):
    person_id: str = ""
    organization_id: str = ""
    include_subtree: bool = False
    roles: Sequence[Role] = ()
    include_revoked: bool = False


@dataclass(frozen=True, kw_only=True)
class GetVisibleScopes(Command):
    person_id: str
