"""The service's own events: a deadline is near, a station event starts soon, yesterday's
digest of a community. Each is a synthetic ``EventFacts`` sent through the same path as the
consumed events (``bus.handle(ApplyEvent(...))`` as ``Actor.system("timer:<name>")``).

Three watches learn from the facts the consumers translate (``observe(facts)``, called by
the consumers before each ApplyEvent) and say what is due (``due(now)``):

- ``DeadlineWatch``: per open request, the deadline that matters now (accept while it is
  submitted, else resolve; ``values["deadline"]``) and the request's latest facts (handler,
  community, title). ``deadline_near`` fires once when ``now`` is within ``lead`` of it and
  before it; a request that reaches a final status leaves the watch.
- ``StationReminders``: per station event, its start and the people signed up (from the
  scheduled event, and at fire time from ``signups(station_id, event_id)`` when given: the
  organizations service does not publish sign-ups); the reminder fires ``lead`` before it
  starts.
- ``DailyDigest``: per community and city-local day, counts of submitted, resolved and
  breached requests and the ratings' average; at ``digest_time`` (city time) each community
  with activity on the previous day gets one digest.

Synthetic events get derived ids (uuid5 of what they are about: request id, deadline kind and
deadline; station event id and start; community and day), so a restart that fires them again
makes the same inbox entries and deliveries, which the routing handler does not make twice.
The watches are in memory and bounded (``max_entries``; past the bound the entries due last
are dropped); what they knew before a restart is learnt again from later events (see the
report in the README: a deadline whose only event came before a restart gets no "near"
notice, the breach event still reaches the same people).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Protocol, TypeVar

from linli.common.commands import Actor
from linli.common.timers import PeriodicWorker
from linli.notifications.adapters.event_facts import (
    CITY_TZ,
    PUBLIC_REQUEST_CHANGED,
    REQUEST_PREFIX,
    STATION_EVENT_SCHEDULED,
    rfc3339,
)
from linli.notifications.domain.model import EventFacts
from linli.notifications.domain.routing import DAILY_DIGEST, DEADLINE_NEAR, STATION_EVENT_REMINDER, TIMER_SOURCE
from linli.notifications.service_layer.commands import ApplyEvent

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Namespace of the synthetic events' ids (fixed forever: ids must survive restarts).
SYNTHETIC_NAMESPACE: Final = uuid.UUID("6b0f3c2e-5d41-5a8e-9c17-2f4e8d9a0b31")
#: Statuses after which a request has no deadline to watch.
FINAL_STATUSES: Final = frozenset({"resolved", "rated", "closed", "cancelled", "rejected", "merged"})
DEFAULT_MAX_ENTRIES: Final = 50_000


def synthetic_id(*parts: str) -> str:
    return str(uuid.uuid5(SYNTHETIC_NAMESPACE, "|".join(parts)))


def _parse(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class Bus(Protocol):
    """The message bus as the timers use it."""

    def handle(self, command: Any) -> Any: ...


class Watch(Protocol):
    """Learns from translated facts; says which synthetic events are due."""

    def observe(self, facts: EventFacts) -> None: ...
    def due(self, now: datetime) -> list[EventFacts]: ...


def _bounded(items: dict[str, _T], max_entries: int, key: Callable[[_T], datetime]) -> None:
    """Drops the entries due last until at most ``max_entries`` are left."""
    if len(items) <= max_entries:
        return
    for name, _ in sorted(items.items(), key=lambda kv: key(kv[1]), reverse=True)[: len(items) - max_entries]:
        del items[name]


# --------------------------------------------------------------------------- deadlines


@dataclass
class _Deadline:
    at: datetime
    kind: str
    facts: EventFacts


class DeadlineWatch:
    """Open requests' current deadline; ``deadline_near`` ``lead`` before it."""

    def __init__(self, lead: timedelta, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.lead = lead
        self.max_entries = max(1, max_entries)
        self._open: dict[str, _Deadline] = {}
        self._fired: dict[str, datetime] = {}  # synthetic id -> deadline (dropped once past)
        self._lock = threading.Lock()

    def observe(self, facts: EventFacts) -> None:
        if not facts.event_type.startswith(REQUEST_PREFIX) or facts.event_type == PUBLIC_REQUEST_CHANGED:
            return
        status = facts.values.get("status", "")
        deadline = _parse(facts.values.get("deadline", ""))
        kind = facts.values.get("deadline_kind", "")
        with self._lock:
            if status in FINAL_STATUSES:
                self._open.pop(facts.subject_id, None)
                return
            if deadline is None or kind not in ("accept", "resolve"):
                return
            known = self._open.get(facts.subject_id)
            if known is not None and known.facts.occurred_at > facts.occurred_at:
                return  # an older event arriving late
            self._open[facts.subject_id] = _Deadline(deadline, kind, facts)
            _bounded(self._open, self.max_entries, lambda d: d.at)

    def due(self, now: datetime) -> list[EventFacts]:
        out: list[EventFacts] = []
        with self._lock:
            for request_id, entry in list(self._open.items()):
                if entry.at <= now:
                    del self._open[request_id]  # passed: the requests service reports the breach
                    continue
                if entry.at - self.lead > now:
                    continue
                event_id = synthetic_id("deadline_near", request_id, entry.kind, rfc3339(entry.at))
                if event_id in self._fired:
                    continue
                self._fired[event_id] = entry.at
                base = entry.facts
                out.append(
                    replace(
                        base,
                        event_id=event_id,
                        event_type=DEADLINE_NEAR,
                        source=TIMER_SOURCE,
                        occurred_at=now,
                        values={**base.values, "deadline": rfc3339(entry.at), "deadline_kind": entry.kind},
                        urgent=True,
                    )
                )
            for event_id, at in list(self._fired.items()):
                if at <= now:
                    del self._fired[event_id]
        return out

    def __len__(self) -> int:
        return len(self._open)


# --------------------------------------------------------------------------- station events

Signups = Callable[[str, str], Sequence[str]]


@dataclass
class _StationEvent:
    starts_at: datetime
    facts: EventFacts


class StationReminders:
    """Station events to come; a reminder to the signed-up people ``lead`` before each."""

    def __init__(self, lead: timedelta, signups: Signups | None = None, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.lead = lead
        self.signups = signups
        self.max_entries = max(1, max_entries)
        self._events: dict[str, _StationEvent] = {}
        self._lock = threading.Lock()

    def observe(self, facts: EventFacts) -> None:
        if facts.event_type != STATION_EVENT_SCHEDULED:
            return
        starts_at = _parse(facts.values.get("starts_at", ""))
        with self._lock:
            if starts_at is None or facts.values.get("cancelled"):
                self._events.pop(facts.subject_id, None)
                return
            self._events[facts.subject_id] = _StationEvent(starts_at, facts)
            _bounded(self._events, self.max_entries, lambda e: e.starts_at)

    def due(self, now: datetime) -> list[EventFacts]:
        with self._lock:
            ready = []
            for event_id, entry in list(self._events.items()):
                if entry.starts_at <= now:
                    del self._events[event_id]
                elif entry.starts_at - self.lead <= now:
                    del self._events[event_id]
                    ready.append(entry)
        out = []
        for entry in ready:
            base = entry.facts
            people = dict(base.people)
            if self.signups is not None:
                try:
                    signed = tuple(self.signups(base.values.get("station_id", ""), base.subject_id))
                except Exception:  # the reminder still goes to those the event named
                    log.warning("station sign-ups lookup failed", exc_info=True, extra={"event": base.subject_id})
                    signed = ()
                people["signed_up"] = tuple(dict.fromkeys((*people.get("signed_up", ()), *signed)))
            out.append(
                replace(
                    base,
                    event_id=synthetic_id("station_event_reminder", base.subject_id, rfc3339(entry.starts_at)),
                    event_type=STATION_EVENT_REMINDER,
                    source=TIMER_SOURCE,
                    occurred_at=now,
                    people=people,
                )
            )
        return out

    def __len__(self) -> int:
        return len(self._events)


# --------------------------------------------------------------------------- digest


@dataclass
class _Counts:
    submitted: int = 0
    resolved: int = 0
    breaches: int = 0
    ratings: list[int] = field(default_factory=list)
    street_id: str = ""
    org_path: tuple[str, ...] = ()


class DailyDigest:
    """Per community and city-local day: what happened; one digest per community at ``at``
    (city time) about the day before."""

    def __init__(self, at: time, keep_days: int = 3) -> None:
        self.at = at
        self.keep_days = keep_days
        self._counts: dict[tuple[str, date], _Counts] = {}
        self._sent: set[tuple[str, date]] = set()
        self._lock = threading.Lock()

    def observe(self, facts: EventFacts) -> None:
        if not facts.community_id or not facts.event_type.startswith(REQUEST_PREFIX):
            return
        suffix = facts.event_type[len(REQUEST_PREFIX) :]
        if suffix not in ("submitted.v1", "resolved.v1", "deadline_breached.v1", "rated.v1"):
            return
        day = facts.occurred_at.astimezone(CITY_TZ).date()
        with self._lock:
            counts = self._counts.setdefault((facts.community_id, day), _Counts())
            counts.street_id = facts.street_id or counts.street_id
            counts.org_path = facts.org_path or counts.org_path
            if suffix == "submitted.v1":
                counts.submitted += 1
            elif suffix == "resolved.v1":
                counts.resolved += 1
            elif suffix == "deadline_breached.v1":
                counts.breaches += 1
            else:
                stars = facts.values.get("stars", "")
                if stars.isdigit():
                    counts.ratings.append(int(stars))
            oldest = day - timedelta(days=self.keep_days)
            for key in [k for k in self._counts if k[1] < oldest]:
                del self._counts[key]

    def due(self, now: datetime) -> list[EventFacts]:
        local = now.astimezone(CITY_TZ)
        if local.time() < self.at:
            return []
        day = local.date() - timedelta(days=1)
        out = []
        with self._lock:
            for (community_id, when), counts in sorted(self._counts.items()):
                if when != day or (community_id, when) in self._sent:
                    continue
                self._sent.add((community_id, when))
                average = f"{sum(counts.ratings) / len(counts.ratings):.1f}" if counts.ratings else ""
                out.append(
                    EventFacts(
                        event_id=synthetic_id("daily_digest", community_id, when.isoformat()),
                        event_type=DAILY_DIGEST,
                        source=TIMER_SOURCE,
                        subject_id=community_id,
                        occurred_at=now,
                        community_id=community_id,
                        street_id=counts.street_id,
                        org_path=counts.org_path,
                        values={
                            "community": community_id,
                            "day": when.isoformat(),
                            "submitted": str(counts.submitted),
                            "resolved": str(counts.resolved),
                            "breaches": str(counts.breaches),
                            "average_rating": average,
                        },
                    )
                )
            self._sent = {k for k in self._sent if k[1] >= day - timedelta(days=self.keep_days)}
        return out


# --------------------------------------------------------------------------- workers


@dataclass(frozen=True)
class Watches:
    """The three watches the consumers feed."""

    deadlines: DeadlineWatch
    stations: StationReminders
    digest: DailyDigest

    def observe(self, facts: EventFacts) -> None:
        self.deadlines.observe(facts)
        self.stations.observe(facts)
        self.digest.observe(facts)


def make_watches(
    *,
    deadline_near_minutes: float,
    station_reminder_hours: float,
    digest_time: str,
    signups: Signups | None = None,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> Watches:
    hours, _, minutes = digest_time.partition(":")
    return Watches(
        deadlines=DeadlineWatch(timedelta(minutes=deadline_near_minutes), max_entries),
        stations=StationReminders(timedelta(hours=station_reminder_hours), signups, max_entries),
        digest=DailyDigest(time(int(hours), int(minutes or 0))),
    )


def fire(bus: Bus, watch: Watch, name: str, clock: Callable[[], datetime]) -> int:
    """Sends what ``watch`` has due through the bus; the number sent."""
    actor = Actor.system(f"timer:{name}")
    sent = 0
    for facts in watch.due(clock()):
        bus.handle(ApplyEvent(actor=actor, facts=facts))
        sent += 1
    return sent


def make_timers(
    bus: Bus, watches: Watches, interval_seconds: float, clock: Callable[[], datetime]
) -> list[PeriodicWorker]:
    """One runtime worker per watch, each firing through the bus every ``interval_seconds``."""
    return [
        PeriodicWorker(name, interval_seconds, lambda w=watch, n=name: fire(bus, w, n, clock))  # type: ignore[misc]
        for name, watch in (
            ("deadline_near", watches.deadlines),
            ("station_reminders", watches.stations),
            ("daily_digest", watches.digest),
        )
    ]
