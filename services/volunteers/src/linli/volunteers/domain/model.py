"""Value objects and aggregates of the volunteers service.

Aggregates (Volunteer, Team) are mutable dataclasses changed only through the functions in
``volunteers`` and ``teams``, which validate, bump ``version`` (optimistic concurrency) and
append to ``pending_events`` (the outbox stored with the aggregate). Ledger entries are
frozen: the ledger is append-only, a mistake is fixed by a correction entry (``ledger``).

Enums carry domain names only (stored by name); their protobuf numbers and names are the
entrypoints' and adapters' business. Nothing here reads a clock or generates ids: callers pass ``now`` and ids in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .events import TeamEvent, VolunteerEvent

__all__ = [
    "CITY_TZ",
    "DEFAULT_MAX_CONCURRENT_TASKS",
    "FAIRNESS_HALF_LIFE_SECONDS",
    "GeoPoint",
    "LedgerEntry",
    "LedgerEntryKind",
    "RecentAssignments",
    "Team",
    "TimeWindow",
    "Volunteer",
    "VolunteerStatus",
]

#: The city's local time: availability windows and leaderboard periods are read in it (China
#: has one time zone and no daylight saving time; a city elsewhere would make this config).
CITY_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
#: Open tasks a volunteer may hold at once when registration does not say.
DEFAULT_MAX_CONCURRENT_TASKS = 3
#: Recent assignments decay with this half-life (7 days) for the fairness rule in matching.
FAIRNESS_HALF_LIFE_SECONDS = 7 * 24 * 3600.0


class VolunteerStatus(enum.Enum):
    ACTIVE = enum.auto()
    SUSPENDED = enum.auto()


class LedgerEntryKind(enum.Enum):
    HOME = enum.auto()
    WORKPLACE = enum.auto()
    CORRECTION = enum.auto()


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS-84 point in degrees (validated by ``rules.validate_point``)."""

    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A weekly window in the city's local time (UTC+8): weekday 1 (Monday) to 7, "HH:MM"
    times, start < end; end may be "24:00". Build through ``rules.validate_availability``."""

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
class RecentAssignments:
    """How many tasks a volunteer was assigned recently, as an exponentially decaying count.

    Why a decayed count and not a list of timestamps: it is two numbers per volunteer (so the
    matching index can hold a million of them in flat arrays), it needs no pruning, and an
    assignment's weight fades smoothly (halved after ``FAIRNESS_HALF_LIFE_SECONDS``) instead
    of dropping off a cliff at the end of a window. ``as_of`` is epoch seconds (UTC).
    """

    count: float = 0.0
    as_of: float = 0.0

    def at(self, when: float) -> float:
        """The decayed count at ``when`` (epoch seconds); never grows when asked about the past."""
        if self.count == 0.0 or when <= self.as_of:
            return self.count
        decay: float = 0.5 ** ((when - self.as_of) / FAIRNESS_HALF_LIFE_SECONDS)
        return self.count * decay

    def plus_one(self, when: float) -> RecentAssignments:
        """The counter after one more assignment at ``when`` (out-of-order times are fine)."""
        if when >= self.as_of:
            return RecentAssignments(self.at(when) + 1.0, when)
        # An older assignment reported late: add its weight as seen from ``as_of``.
        weight: float = 0.5 ** ((self.as_of - when) / FAIRNESS_HALF_LIFE_SECONDS)
        return RecentAssignments(self.count + weight, self.as_of)


# --------------------------------------------------------------------------- aggregates


@dataclass(slots=True, kw_only=True)
class Volunteer:
    """A registered volunteer (one per person).

    ``phone`` and ``home`` are personal data: they never appear on the identity card or in
    events. ``open_tasks`` follows the requests service's claim/release events;
    ``open_request_ids`` names those tasks (``tasks.hold_task`` keeps the two in step), so
    applying one event twice cannot count a task twice; ``recent_assignments`` feeds the
    fairness rule of matching.
    """

    id: str
    person_id: str
    display_name: str
    phone: str = ""
    home_community_id: str
    workplace_community_id: str = ""
    skills: tuple[str, ...] = ()
    posts: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    service_radius_km: float
    home: GeoPoint
    availability: tuple[TimeWindow, ...] = ()
    max_concurrent_tasks: int = DEFAULT_MAX_CONCURRENT_TASKS
    open_tasks: int = 0
    open_request_ids: tuple[str, ...] = ()
    status: VolunteerStatus = VolunteerStatus.ACTIVE
    team_ids: tuple[str, ...] = ()
    recent_assignments: RecentAssignments = field(default_factory=RecentAssignments)
    version: int = 1
    created_at: datetime
    updated_at: datetime
    suspended_at: datetime | None = None
    suspension_reason: str = ""
    #: Digest of the create call that made it (``handlers.common.payload_digest``): a retry
    #: with the same idempotency key but another payload is refused. "" for older records.
    request_hash: str = field(default="", compare=False)
    pending_events: list[VolunteerEvent] = field(default_factory=list, compare=False, repr=False)

    @property
    def active(self) -> bool:
        return self.status is VolunteerStatus.ACTIVE

    def touch(self, now: datetime) -> None:
        """Records a change: next version, new update time."""
        self.version += 1
        self.updated_at = now


@dataclass(slots=True, kw_only=True)
class Team:
    """A volunteer service team. The leader is always a member (``member_ids[0]``)."""

    id: str
    name: str
    leader_volunteer_id: str
    focus: str = ""
    owning_organization_id: str
    rapid_response: bool = False
    member_ids: tuple[str, ...] = ()
    version: int = 1
    created_at: datetime
    updated_at: datetime
    request_hash: str = field(default="", compare=False)
    pending_events: list[TeamEvent] = field(default_factory=list, compare=False, repr=False)

    def touch(self, now: datetime) -> None:
        """Records a change: next version, new update time."""
        self.version += 1
        self.updated_at = now


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEntry:
    """One append-only ledger line: hours and points one community credits a volunteer.

    ``id`` is derived from (cause_event_id, credited_community_id) by ``ledger.entry_id``, so
    writing the same credit twice collides on the id instead of doubling the points.
    ``occurred_at`` is when the service happened (it decides the leaderboard period);
    ``created_at`` is when the entry was written.
    """

    id: str
    volunteer_id: str
    request_id: str = ""
    hours: float
    points: int
    credited_community_id: str
    kind: LedgerEntryKind
    cause_event_id: str
    rating: int = 0
    reason: str = ""
    corrects_entry_id: str = ""
    occurred_at: datetime
    created_at: datetime
    recorded_by: str = ""
