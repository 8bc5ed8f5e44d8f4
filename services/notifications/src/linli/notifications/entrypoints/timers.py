"""The service's own events: a deadline is near, a station event starts soon, yesterday's
digest of a community. Each is a synthetic ``EventFacts`` sent through the same path as the
consumed events (``bus.handle(ApplyEvent(...))`` as ``Actor.system("timer:<name>")``).

The watches are the domain's (``domain.watches.DeadlineWatch`` and ``StationEventWatch``,
``domain.digest.DigestBook``); this module feeds them the facts the consumers translate
(``Watches.observe``, called by each consumer before its ApplyEvent, from four threads: the
wrappers here serialise the calls), bounds them, and turns what is due into events:

- ``DeadlineWatch``: per open request, its current accept/resolve deadline and latest facts
  (handler, community, title); ``deadline_near`` once, ``lead`` before the deadline. At most
  ``max_entries`` requests are followed (the least recently heard of is forgotten first).
- ``StationReminders``: per station event, its start and the people signed up as the event
  named them, refreshed at fire time by ``signups(station_id, event_id)`` when given (the
  organizations service publishes no sign-up events); the reminder goes ``lead`` before.
- ``DailyDigest``: per community and city-local day, submitted, resolved and breached
  requests and the average rating; once the city clock passes ``at``, each community active
  the day before gets one digest.

Synthetic events get derived ids (uuid5 of what they are about: request, deadline kind and
deadline; station event and start; community and day), so a timer that fires again after a
restart makes the same inbox entries and deliveries, which the routing handler does not make
twice. The watches live in memory: a restart forgets what was learnt from events consumed
before it (a deadline whose last event came before the restart gets no "near" notice; the
breach event still reaches the same people; the digest counts from the restart on).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Protocol

from linli.common.commands import Actor
from linli.common.timers import PeriodicWorker
from linli.notifications.domain import digest as digests
from linli.notifications.domain import watches as domain_watches
from linli.notifications.domain.model import EventFacts
from linli.notifications.domain.preferences import LOCAL_TZ
from linli.notifications.service_layer.commands import ApplyEvent

log = logging.getLogger(__name__)

DEFAULT_MAX_ENTRIES: Final = 50_000


class Bus(Protocol):
    """The message bus as the timers use it."""

    def handle(self, command: Any) -> Any: ...


class Watch(Protocol):
    """Learns from translated facts; says which synthetic events are due."""

    def observe(self, facts: EventFacts) -> None: ...
    def due(self, now: datetime) -> list[EventFacts]: ...


# --------------------------------------------------------------------------- deadlines


class DeadlineWatch:
    """The domain's deadline watch, thread-safe and bounded."""

    def __init__(self, lead: timedelta, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.watch = domain_watches.DeadlineWatch(lead)
        self.max_entries = max(1, max_entries)
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def observe(self, facts: EventFacts) -> None:
        if not facts.event_type.startswith(domain_watches.REQUEST_EVENT_PREFIX):
            return
        with self._lock:
            self.watch.observe(facts)
            if facts.subject_id:
                self._recent[facts.subject_id] = None
                self._recent.move_to_end(facts.subject_id)
            while len(self._recent) > self.max_entries:
                oldest, _ = self._recent.popitem(last=False)
                self.watch.forget(oldest)

    def due(self, now: datetime) -> list[EventFacts]:
        with self._lock:
            found = self.watch.due(now)
        return [domain_watches.deadline_near_facts(d, now) for d in found]

    def __len__(self) -> int:
        return len(self.watch)


# --------------------------------------------------------------------------- station events

Signups = Callable[[str, str], Sequence[str]]


class StationReminders:
    """The domain's station event watch, thread-safe, with sign-ups refreshed at fire time."""

    def __init__(self, lead: timedelta, signups: Signups | None = None, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.watch = domain_watches.StationEventWatch(lead)
        self.signups = signups
        self.max_entries = max(1, max_entries)
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def observe(self, facts: EventFacts) -> None:
        if facts.event_type != domain_watches.STATION_EVENT_SCHEDULED:
            return
        with self._lock:
            self.watch.observe(facts)
            self._recent[facts.subject_id] = None
            self._recent.move_to_end(facts.subject_id)
            while len(self._recent) > self.max_entries:
                oldest, _ = self._recent.popitem(last=False)
                self.watch.forget(oldest)

    def due(self, now: datetime) -> list[EventFacts]:
        with self._lock:
            found = self.watch.due(now)
        out = []
        for item in found:
            facts = domain_watches.reminder_facts(item, now)
            if self.signups is not None:
                try:
                    signed = tuple(self.signups(facts.values.get("station_id", ""), item.event_id))
                except Exception:  # the reminder still goes to those the event named
                    log.warning("station sign-ups lookup failed", exc_info=True, extra={"event": item.event_id})
                    signed = ()
                people = dict(facts.people)
                people["signed_up"] = tuple(dict.fromkeys((*people.get("signed_up", ()), *signed)))
                facts = replace(facts, people=people)
            out.append(facts)
        return out

    def __len__(self) -> int:
        return len(self.watch)


# --------------------------------------------------------------------------- digest


class DailyDigest:
    """The domain's digest counters; at ``at`` (city time) the day before is sent, once."""

    def __init__(self, at: time, keep_days: int = 3) -> None:
        self.at = at
        self.book = digests.DigestBook(keep_days)
        self._sent: set[date] = set()
        self._lock = threading.Lock()

    def observe(self, facts: EventFacts) -> None:
        if facts.event_type not in digests.COUNTED_TYPES:
            return
        with self._lock:
            self.book.observe(facts)

    def count_for(self, person_id: str, kind: str, event_id: str, at: datetime) -> bool:
        """Counts a notification a person chose to get in the digest (the routing handler's
        digest counter), under the same lock as the consumers' observations."""
        with self._lock:
            return self.book.count_for(person_id, kind, event_id, at)

    def due(self, now: datetime) -> list[EventFacts]:
        local = now.astimezone(LOCAL_TZ)
        if local.time() < self.at:
            return []
        day = local.date() - timedelta(days=1)
        with self._lock:
            if day in self._sent:
                return []
            self._sent = {d for d in self._sent if d >= day - timedelta(days=7)} | {day}
            counts, _personal = self.book.take(day)
        return [digests.digest_facts(community, day, counts[community], now) for community in sorted(counts)]


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
