"""Watches the timers ask "what is due now?" (pure, in memory; the caller serialises calls).

``DeadlineWatch`` follows open requests through their events (``observe``): the accept or
resolve deadline the latest event names (``values["deadline"]`` with ``deadline_kind``
``accept``/``resolve``; or ``accept_by``/``resolve_by`` when an event names both). ``due(now)``
reports each (request, which deadline, deadline value) once, when ``now >= deadline - lead``;
a deadline already passed when first seen due is not reported (the breach event covers it).
A moved deadline is a new one. Requests that are closed (resolved, rated, closed,
cancelled, rejected, merged) are forgotten, and so are their reports.

``StationEventWatch`` does the same for station events: one reminder per (event, start) when
``now >= starts_at - lead``; cancelled events and events that have started are forgotten.

``deadline_near_facts`` and ``reminder_facts`` make the synthetic events the timers send
through ``ApplyEvent``, with ids derived from what they are about (a second run of the timer,
or a restart, makes the same event id, so nobody hears twice).

Both remember which requests / station events changed (``drain_changes``); the watch store
writes their ``state`` (or deletes it when gone) and ``restore`` puts it back at start, so a
restart keeps what is pending.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from .model import EventFacts
from .routing import DEADLINE_NEAR, STATION_EVENT_REMINDER, TIMER_SOURCE

CLOSED_STATUSES = frozenset({"resolved", "rated", "closed", "cancelled", "rejected", "merged"})
WATCHED_DEADLINES = ("accept", "resolve")
STATION_EVENT_SCHEDULED = "org.linli.station_event.scheduled.v1"
REQUEST_EVENT_PREFIX = "org.linli.request."

_NAMESPACE = uuid.UUID("3f7b2d90-6c1e-5a84-b0d5-e91a4c7f2b63")


def parse_time(value: str) -> datetime | None:
    """An RFC 3339 time (``Z`` or offset; naive taken as UTC), or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DeadlineDue:
    request_id: str
    which: str  # "accept" or "resolve"
    deadline: datetime
    facts: EventFacts  # the latest event seen of the request


@dataclass
class Watched:
    """One request followed: its latest facts, its deadlines, what was reported."""

    facts: EventFacts
    deadlines: dict[str, datetime] = field(default_factory=dict)
    reported: set[tuple[str, datetime]] = field(default_factory=set)


def _deadlines(facts: EventFacts) -> dict[str, datetime] | None:
    """The deadlines an event names; None when it names none of the watched kinds."""
    values = facts.values
    if "accept_by" in values or "resolve_by" in values:
        found = {"accept": parse_time(values.get("accept_by", "")), "resolve": parse_time(values.get("resolve_by", ""))}
        if values.get("status", "") not in ("", "submitted"):
            found["accept"] = None  # accepted already: only resolving is owed
        return {k: v for k, v in found.items() if v is not None}
    which = values.get("deadline_kind", "")
    deadline = parse_time(values.get("deadline", ""))
    if which not in WATCHED_DEADLINES or deadline is None:
        return None
    return {which: deadline}


class DeadlineWatch:
    def __init__(self, lead: timedelta) -> None:
        self.lead = lead
        self._requests: dict[str, Watched] = {}
        self._changes: set[str] = set()

    def observe(self, facts: EventFacts) -> None:
        if not facts.event_type.startswith(REQUEST_EVENT_PREFIX) or not facts.subject_id:
            return
        request_id = facts.subject_id
        if facts.values.get("status", "") in CLOSED_STATUSES:
            self.forget(request_id)
            return
        watched = self._requests.get(request_id)
        if watched is not None and _aware(facts.occurred_at) < _aware(watched.facts.occurred_at):
            return  # an older event arriving late
        deadlines = _deadlines(facts)
        if watched is None:
            if not deadlines:
                return
            watched = self._requests[request_id] = Watched(facts)
        watched.facts = facts
        if deadlines is not None:
            watched.deadlines = deadlines
        self._changes.add(request_id)

    def forget(self, request_id: str) -> None:
        if self._requests.pop(request_id, None) is not None:
            self._changes.add(request_id)

    def drain_changes(self) -> set[str]:
        changes, self._changes = self._changes, set()
        return changes

    def state(self, request_id: str) -> Watched | None:
        return self._requests.get(request_id)

    def restore(self, request_id: str, watched: Watched) -> None:
        self._requests[request_id] = watched

    def due(self, now: datetime) -> list[DeadlineDue]:
        now = _aware(now)
        found: list[DeadlineDue] = []
        for request_id, watched in self._requests.items():
            for which, deadline in watched.deadlines.items():
                key = (which, deadline)
                if key in watched.reported or now < deadline - self.lead:
                    continue
                watched.reported.add(key)
                self._changes.add(request_id)
                if now < deadline:
                    found.append(DeadlineDue(request_id, which, deadline, watched.facts))
        return found

    def __len__(self) -> int:
        return len(self._requests)


def deadline_near_facts(due: DeadlineDue, now: datetime) -> EventFacts:
    """The synthetic ``deadline_near`` event: the request's latest facts (place, handler...),
    this deadline, urgent."""
    event_id = uuid.uuid5(_NAMESPACE, f"{DEADLINE_NEAR}|{due.request_id}|{due.which}|{rfc3339(due.deadline)}")
    return replace(
        due.facts,
        event_id=str(event_id),
        event_type=DEADLINE_NEAR,
        source=TIMER_SOURCE,
        subject_id=due.request_id,
        occurred_at=now,
        values={**due.facts.values, "deadline": rfc3339(due.deadline), "deadline_kind": due.which},
        urgent=True,
    )


@dataclass(frozen=True, slots=True)
class ReminderDue:
    event_id: str  # the station event
    starts_at: datetime
    facts: EventFacts


class StationEventWatch:
    def __init__(self, lead: timedelta) -> None:
        self.lead = lead
        self._events: dict[str, tuple[EventFacts, datetime]] = {}
        self._reported: set[tuple[str, datetime]] = set()
        self._changes: set[str] = set()

    def observe(self, facts: EventFacts) -> None:
        if facts.event_type != STATION_EVENT_SCHEDULED or not facts.subject_id:
            return
        starts_at = parse_time(facts.values.get("starts_at", ""))
        if facts.values.get("cancelled", "") == "true" or starts_at is None:
            self.forget(facts.subject_id)
            return
        self._events[facts.subject_id] = (facts, starts_at)
        self._changes.add(facts.subject_id)

    def forget(self, event_id: str) -> None:
        self._events.pop(event_id, None)
        self._reported = {key for key in self._reported if key[0] != event_id}
        self._changes.add(event_id)

    def drain_changes(self) -> set[str]:
        changes, self._changes = self._changes, set()
        return changes

    def state(self, event_id: str) -> tuple[EventFacts, datetime, tuple[datetime, ...]] | None:
        """The event's facts, start and the starts already reminded of."""
        found = self._events.get(event_id)
        if found is None:
            return None
        return found[0], found[1], tuple(sorted(at for key, at in self._reported if key == event_id))

    def restore(self, event_id: str, facts: EventFacts, starts_at: datetime, reported: tuple[datetime, ...]) -> None:
        self._events[event_id] = (facts, starts_at)
        self._reported |= {(event_id, at) for at in reported}

    def due(self, now: datetime) -> list[ReminderDue]:
        now = _aware(now)
        found: list[ReminderDue] = []
        for event_id, (facts, starts_at) in list(self._events.items()):
            if now >= starts_at:
                self.forget(event_id)
                continue
            key = (event_id, starts_at)
            if key in self._reported or now < starts_at - self.lead:
                continue
            self._reported.add(key)
            self._changes.add(event_id)
            found.append(ReminderDue(event_id, starts_at, facts))
        return found

    def __len__(self) -> int:
        return len(self._events)


def reminder_facts(due: ReminderDue, now: datetime) -> EventFacts:
    """The synthetic ``station_event_reminder`` event (``people["signed_up"]`` as last seen;
    the timer may refresh it from the organizations service first)."""
    event_id = uuid.uuid5(_NAMESPACE, f"{STATION_EVENT_REMINDER}|{due.event_id}|{rfc3339(due.starts_at)}")
    return replace(
        due.facts,
        event_id=str(event_id),
        event_type=STATION_EVENT_REMINDER,
        source=TIMER_SOURCE,
        occurred_at=now,
        values={**due.facts.values, "starts_at": rfc3339(due.starts_at)},
    )
