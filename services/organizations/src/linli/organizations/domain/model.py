"""Value objects and aggregates of the organisations service.

Aggregates (Organization, Grid, Station, StationEvent, RoleAssignment) are mutable
dataclasses changed only through the functions in ``tree``, ``grids``, ``stations`` and
``roles``, which validate, bump ``version`` (optimistic concurrency) and append to
``pending_events`` (the outbox stored with the aggregate). Value objects are frozen.

Enums are plain domain names (stored by name); ``entrypoints.convert`` and
``adapters.event_payloads`` map them to and from the protobuf enums by name. Their order is
the order lists sort in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .geo import BoundingBox, GeoPoint, Polygon

__all__ = [
    "Address",
    "BoundingBox",
    "Contact",
    "DutyRosterEntry",
    "GeoPoint",
    "Grid",
    "GridShape",
    "LocalizedText",
    "Organization",
    "OrganizationKind",
    "Polygon",
    "Role",
    "RoleAssignment",
    "Station",
    "StationEvent",
    "StationKind",
    "TimeWindow",
]


class OrganizationKind(enum.Enum):
    """Kinds of organisation."""

    STREET_OFFICE = enum.auto()
    COMMUNITY_COMMITTEE = enum.auto()
    COMPOUND_BRANCH = enum.auto()
    BUILDING_GROUP = enum.auto()
    MEMBER_HOUSEHOLD = enum.auto()
    CO_BUILDING_UNIT = enum.auto()
    DEPARTMENT = enum.auto()
    SOCIAL_ORGANIZATION = enum.auto()
    DISTRICT = enum.auto()


class Role(enum.Enum):
    """Roles a person holds in an organisation."""

    ADMIN = enum.auto()
    DISPATCHER = enum.auto()
    GRID_WORKER = enum.auto()
    LIAISON = enum.auto()
    MEMBER = enum.auto()


class StationKind(enum.Enum):
    """Kinds of service station."""

    LIVING_ROOM = enum.auto()
    SERVICE_POST = enum.auto()
    OUTDOOR_WORKER_REST = enum.auto()
    OTHER = enum.auto()


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """A display name in Chinese and English; validation requires at least one."""

    zh: str = ""
    en: str = ""


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as people write it, plus optional structure and coordinates."""

    text: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    detail: str = ""
    point: GeoPoint | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A way to reach a person or office; ``role`` says what for ("duty phone")."""

    name: str = ""
    phone: str = ""
    email: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A weekly window in the city's local time: weekday 1 (Monday) to 7, "HH:MM" times,
    start < end; end may be "24:00". Build through ``rules.validate_time_windows``."""

    weekday: int
    start: str
    end: str

    @property
    def start_minute(self) -> int:
        return _minutes(self.start)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end)

    def contains(self, weekday: int, minute_of_day: int) -> bool:
        """True when the moment falls inside the window (start inclusive, end exclusive)."""
        return weekday == self.weekday and self.start_minute <= minute_of_day < self.end_minute


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True, slots=True)
class DutyRosterEntry:
    """One weekly duty slot at a station: who is on duty and how to reach them."""

    window: TimeWindow
    person_id: str = ""
    name: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class GridShape:
    """A grid's geometry. Cells are stored as their rectangle polygon too, so locating never
    needs to know which one it was; ``cell`` remembers the original rectangle."""

    polygon: Polygon
    cell: BoundingBox | None = None


# --------------------------------------------------------------------------- aggregates


@dataclass(slots=True, kw_only=True)
class Organization:
    """A node of the organisation tree.

    ``path`` is the materialised path: the ids of all ancestors, root first. A subtree is
    every organisation whose path contains the root's id (one indexed query), ancestors are
    ``path`` itself, and ``depth`` is ``len(path)``.
    """

    id: str
    kind: OrganizationKind
    code: str
    name: LocalizedText
    parent_id: str | None = None
    path: tuple[str, ...] = ()
    address: Address | None = None
    location: GeoPoint | None = None
    contacts: tuple[Contact, ...] = ()
    served_org_ids: tuple[str, ...] = ()
    accepted_categories: tuple[str, ...] = ()
    response_deadline_minutes: int = 0
    archived: bool = False
    archived_at: datetime | None = None
    version: int = 1
    created_at: datetime
    updated_at: datetime
    #: Digest of the create call (a retry under its key must ask for the same); "" for
    #: records older than digests.
    request_hash: str = field(default="", compare=False)
    pending_events: list[Any] = field(default_factory=list, compare=False, repr=False)

    @property
    def depth(self) -> int:
        return len(self.path)

    @property
    def subtree_path(self) -> tuple[str, ...]:
        """The path this organisation's children get: its own path plus its id."""
        return (*self.path, self.id)

    def is_in_subtree_of(self, root_id: str) -> bool:
        """True when ``root_id`` is this organisation or one of its ancestors."""
        return self.id == root_id or root_id in self.path

    def touch(self, now: datetime) -> None:
        """Records a change: next version, new update time."""
        self.version += 1
        self.updated_at = now


@dataclass(slots=True, kw_only=True)
class Grid:
    """A geographic grid with its leader and workers. ``community_id``/``street_id`` are
    derived from the owner's place in the tree so LocateGrid answers in one lookup."""

    id: str
    organization_id: str
    code: str
    name: LocalizedText
    shape: GridShape
    households_count: int = 0
    leader_person_id: str = ""
    worker_person_ids: tuple[str, ...] = ()
    community_id: str | None = None
    street_id: str | None = None
    archived: bool = False
    version: int = 1
    created_at: datetime
    updated_at: datetime
    request_hash: str = field(default="", compare=False)
    pending_events: list[Any] = field(default_factory=list, compare=False, repr=False)

    def touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now


@dataclass(slots=True, kw_only=True)
class Station:
    """A service station: opening hours, capacity (0 = not stated), duty roster."""

    id: str
    organization_id: str
    kind: StationKind
    code: str
    name: LocalizedText
    address: Address | None = None
    location: GeoPoint | None = None
    opening_hours: tuple[TimeWindow, ...] = ()
    capacity: int = 0
    duty_roster: tuple[DutyRosterEntry, ...] = ()
    contacts: tuple[Contact, ...] = ()
    archived: bool = False
    version: int = 1
    created_at: datetime
    updated_at: datetime
    request_hash: str = field(default="", compare=False)
    pending_events: list[Any] = field(default_factory=list, compare=False, repr=False)

    def touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now


@dataclass(slots=True, kw_only=True)
class StationEvent:
    """An event on a station's calendar. Its own aggregate, so sign-ups for one event do
    not contend with edits of the station. ``capacity`` 0 means unlimited."""

    id: str
    station_id: str
    title: LocalizedText
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    capacity: int = 0
    signups: set[str] = field(default_factory=set)
    attendance_count: int = 0
    cancelled: bool = False
    version: int = 1
    created_at: datetime
    updated_at: datetime
    request_hash: str = field(default="", compare=False)
    pending_events: list[Any] = field(default_factory=list, compare=False, repr=False)
    #: A reader's view (``privacy.public_station_event``): the sign-ups this reader may see;
    #: None means all. Never stored (not an init field), never in events.
    visible_signups: frozenset[str] | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def signup_count(self) -> int:
        return len(self.signups)

    @property
    def is_full(self) -> bool:
        return self.capacity > 0 and len(self.signups) >= self.capacity

    def touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now


@dataclass(slots=True, kw_only=True)
class RoleAssignment:
    """A role a person holds (or held) in an organisation and, through it, its subtree.
    One per (person, organisation, role): see ``roles.role_assignment_id``."""

    id: str
    person_id: str
    organization_id: str
    role: Role
    granted_by: str = ""
    granted_at: datetime
    active: bool = True
    revoked_by: str = ""
    revoked_at: datetime | None = None
    version: int = 1
    pending_events: list[Any] = field(default_factory=list, compare=False, repr=False)
