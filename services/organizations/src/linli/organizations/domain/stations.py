"""Service stations and their events calendar.

A station and each of its events are separate aggregates: sign-ups to a popular event
happen concurrently and must not fight over the station's version. Sign-ups are a set, so
signing up twice is harmless; attendance is an absolute count, so recording it twice is too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import events, rules
from .errors import PreconditionError, ValidationError
from .events import EventContext, snapshot
from .geo import GeoPoint
from .model import (
    Address,
    Contact,
    DutyRosterEntry,
    LocalizedText,
    Organization,
    Station,
    StationEvent,
    StationKind,
    TimeWindow,
)

MAX_STATION_CAPACITY = 100_000
MAX_ROSTER_ENTRIES = 500
#: Longest event accepted; longer things are not calendar events.
MAX_EVENT_DURATION = timedelta(days=14)
DESCRIPTION_MAX_LENGTH = 4000

UPDATABLE_FIELDS = frozenset(
    {"kind", "code", "name", "address", "location", "opening_hours", "capacity", "duty_roster", "contacts"}
)


def validate_duty_roster(entries: Sequence[DutyRosterEntry], field: str = "duty_roster") -> tuple[DutyRosterEntry, ...]:
    """Roster entries: a valid window and someone on duty (person id or name)."""
    if len(entries) > MAX_ROSTER_ENTRIES:
        raise ValidationError(field, f"at most {MAX_ROSTER_ENTRIES} entries allowed, got {len(entries)}")
    result = []
    for i, entry in enumerate(entries):
        at = f"{field}[{i}]"
        cleaned = DutyRosterEntry(
            window=rules.validate_time_window(entry.window, f"{at}.window"),
            person_id=rules.validate_optional_id(entry.person_id, f"{at}.person_id"),
            name=rules.validate_text(entry.name, f"{at}.name", max_length=rules.SHORT_TEXT_MAX_LENGTH),
            phone=rules.validate_phone(entry.phone, f"{at}.phone"),
        )
        if not cleaned.person_id and not cleaned.name:
            raise ValidationError(at, "a roster entry needs a person_id or a name")
        result.append(cleaned)
    return tuple(sorted(result, key=lambda e: (e.window.weekday, e.window.start_minute)))


def new_station(
    *,
    station_id: str,
    owner: Organization,
    kind: StationKind,
    code: str,
    name: LocalizedText,
    now: datetime,
    address: Address | None = None,
    location: GeoPoint | None = None,
    opening_hours: Sequence[TimeWindow] = (),
    capacity: int = 0,
    duty_roster: Sequence[DutyRosterEntry] = (),
    contacts: Sequence[Contact] = (),
    ctx: EventContext | None = None,
) -> Station:
    """A validated station at version 1 with its StationCreated event."""
    if owner.archived:
        raise PreconditionError("organization_id", f"organisation {owner.id} is archived")
    station = Station(
        id=rules.validate_id(station_id, "id"),
        organization_id=owner.id,
        kind=kind,
        code=rules.validate_code(code),
        name=rules.validate_name(name),
        address=rules.validate_address(address),
        location=rules.validate_location(location),
        opening_hours=rules.validate_time_windows(opening_hours),
        capacity=rules.validate_count(capacity, "capacity", maximum=MAX_STATION_CAPACITY),
        duty_roster=validate_duty_roster(duty_roster),
        contacts=rules.validate_contacts(contacts),
        created_at=now,
        updated_at=now,
    )
    station.pending_events.append(events.StationCreated(snapshot(station), ctx or EventContext()))
    return station


@dataclass(frozen=True, slots=True)
class StationUpdate:
    """New values for ``update_station``; only masked fields apply. ``kind`` None means
    "not given"."""

    kind: StationKind | None = None
    code: str = ""
    name: LocalizedText = field(default_factory=LocalizedText)
    address: Address | None = None
    location: GeoPoint | None = None
    opening_hours: Sequence[TimeWindow] = ()
    capacity: int = 0
    duty_roster: Sequence[DutyRosterEntry] = ()
    contacts: Sequence[Contact] = ()

    def set_fields(self) -> frozenset[str]:
        default = StationUpdate()
        return frozenset(f for f in UPDATABLE_FIELDS if getattr(self, f) != getattr(default, f))


def update_station(
    station: Station,
    mask: Collection[str],
    values: StationUpdate,
    *,
    now: datetime,
    expected_version: int = 0,
) -> tuple[str, ...]:
    """Applies the masked fields; returns those that changed. (No event: the issue's event
    list has none for station edits; add StationUpdated to the proto before emitting one.)"""
    rules.check_version(station.version, expected_version, f"station {station.id}")
    if station.archived:
        raise PreconditionError("id", f"station {station.id} is archived")
    paths = frozenset(mask) if mask else values.set_fields()
    rules.validate_update_mask(paths, UPDATABLE_FIELDS)
    new: dict[str, object] = {}
    if "kind" in paths:
        if values.kind is None:
            raise ValidationError("kind", "must be set to a known station kind")
        new["kind"] = values.kind
    if "code" in paths:
        new["code"] = rules.validate_code(values.code)
    if "name" in paths:
        new["name"] = rules.validate_name(values.name)
    if "address" in paths:
        new["address"] = rules.validate_address(values.address)
    if "location" in paths:
        new["location"] = rules.validate_location(values.location)
    if "opening_hours" in paths:
        new["opening_hours"] = rules.validate_time_windows(values.opening_hours)
    if "capacity" in paths:
        new["capacity"] = rules.validate_count(values.capacity, "capacity", maximum=MAX_STATION_CAPACITY)
    if "duty_roster" in paths:
        new["duty_roster"] = validate_duty_roster(values.duty_roster)
    if "contacts" in paths:
        new["contacts"] = rules.validate_contacts(values.contacts)
    changed = tuple(sorted(k for k, v in new.items() if getattr(station, k) != v))
    for key in changed:
        setattr(station, key, new[key])
    if changed:
        station.touch(now)
    return changed


def is_open(station: Station, weekday: int, minute_of_day: int) -> bool:
    """True when one of the station's weekly windows covers the moment (local time)."""
    return any(w.contains(weekday, minute_of_day) for w in station.opening_hours)


def on_duty(station: Station, weekday: int, minute_of_day: int) -> tuple[DutyRosterEntry, ...]:
    """Roster entries covering the moment (local time)."""
    return tuple(e for e in station.duty_roster if e.window.contains(weekday, minute_of_day))


# --------------------------------------------------------------------------- events calendar


def _require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must carry a time zone")
    return value


def schedule_event(
    *,
    event_id: str,
    station: Station,
    title: LocalizedText,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    description: str = "",
    capacity: int = 0,
    ctx: EventContext | None = None,
) -> StationEvent:
    """A new event on the station's calendar with its StationEventScheduled event.

    Capacity 0 takes the station's capacity (0 there too: unlimited); an explicit capacity
    may not exceed a stated station capacity. Past events may be scheduled (back-filling a
    paper calendar) but not on an archived station.
    """
    if station.archived:
        raise PreconditionError("station_id", f"station {station.id} is archived")
    start = _require_aware(starts_at, "starts_at")
    end = _require_aware(ends_at, "ends_at")
    if end <= start:
        raise ValidationError("ends_at", "must be after starts_at")
    if end - start > MAX_EVENT_DURATION:
        raise ValidationError("ends_at", f"an event may last at most {MAX_EVENT_DURATION.days} days")
    cap = rules.validate_count(capacity, "capacity", maximum=MAX_STATION_CAPACITY)
    if station.capacity and cap > station.capacity:
        raise ValidationError("capacity", f"must not exceed the station's capacity ({station.capacity})")
    event = StationEvent(
        id=rules.validate_id(event_id, "id"),
        station_id=station.id,
        title=rules.validate_name(title, "title"),
        description=rules.validate_text(description, "description", max_length=DESCRIPTION_MAX_LENGTH),
        starts_at=start,
        ends_at=end,
        capacity=cap or station.capacity,
        created_at=now,
        updated_at=now,
    )
    event.pending_events.append(events.StationEventScheduled(snapshot(event), ctx or EventContext()))
    return event


def sign_up(event: StationEvent, person_id: str, *, now: datetime) -> bool:
    """Adds a person to the event; False when they already were (nothing changes).
    Fails (FAILED_PRECONDITION) when the event is cancelled, over or full."""
    person = rules.validate_id(person_id, "person_id")
    if person in event.signups:
        return False
    if event.cancelled:
        raise PreconditionError("event_id", f"event {event.id} is cancelled")
    if now >= event.ends_at:
        raise PreconditionError("event_id", f"event {event.id} is over")
    if event.is_full:
        raise PreconditionError("event_id", f"event {event.id} is full ({event.capacity} places)")
    event.signups.add(person)
    event.touch(now)
    return True


def cancel_sign_up(event: StationEvent, person_id: str, *, now: datetime) -> bool:
    """Removes a person from the event; False when they were not signed up."""
    if person_id not in event.signups:
        return False
    event.signups.discard(person_id)
    event.touch(now)
    return True


def record_attendance(event: StationEvent, attendance_count: int, *, now: datetime, expected_version: int = 0) -> bool:
    """Sets the attendance count (walk-ins included, so it may exceed sign-ups); False when
    unchanged. Only once the event has started, and not for a cancelled event."""
    rules.check_version(event.version, expected_version, f"event {event.id}")
    count = rules.validate_count(attendance_count, "attendance_count", maximum=MAX_STATION_CAPACITY)
    if event.cancelled:
        raise PreconditionError("event_id", f"event {event.id} is cancelled")
    if now < event.starts_at:
        raise PreconditionError("event_id", f"event {event.id} has not started yet")
    if count == event.attendance_count:
        return False
    event.attendance_count = count
    event.touch(now)
    return True


def cancel_event(event: StationEvent, *, now: datetime) -> bool:
    """Cancels an event that has not ended; False when it already was cancelled."""
    if event.cancelled:
        return False
    if now >= event.ends_at:
        raise PreconditionError("event_id", f"event {event.id} is over")
    event.cancelled = True
    event.touch(now)
    return True
