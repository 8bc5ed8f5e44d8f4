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

- the personal digests: the notifications people chose to get in a digest (``count_for``,
  from the routing handler) are held per person and day; with the daily digest, each person
  who has some gets one ``personal_digest`` listing them.

Synthetic events get derived ids (uuid5 of what they are about: request, deadline kind and
deadline; station event and start; community and day; person and day), so a timer that
fires again after a restart makes the same inbox entries and deliveries, which the routing
handler does not make twice.

The watches are kept in memory and persisted (``WatchPersistence``, over
``adapters.watch_store``): the consumers call ``flush`` after each batch (before their
offsets are committed), the timers after firing, and ``restore`` loads them at start. A
restart therefore keeps pending deadlines, reminders, the digests' counts and held items. A
timer fires and flushes under the persistence lock, so no consumer's flush records a digest
as sent before its messages were made.
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
from linli.notifications.adapters import watch_store as ws
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
        self._sent_changed = False
        self._lock = threading.Lock()

    def observe(self, facts: EventFacts) -> None:
        if facts.event_type not in digests.COUNTED_TYPES:
            return
        with self._lock:
            self.book.observe(facts)

    def count_for(
        self, person_id: str, kind: str, event_id: str, at: datetime, *, title: str = "", link: str = ""
    ) -> bool:
        """Holds a notification a person chose to get in the digest (the routing handler's
        digest counter), under the same lock as the consumers' observations."""
        with self._lock:
            return self.book.count_for(person_id, kind, event_id, at, title=title, link=link)

    def due(self, now: datetime) -> list[EventFacts]:
        local = now.astimezone(LOCAL_TZ)
        if local.time() < self.at:
            return []
        day = local.date() - timedelta(days=1)
        with self._lock:
            if day in self._sent:
                return []
            self._sent = {d for d in self._sent if d >= day - timedelta(days=7)} | {day}
            self._sent_changed = True
            counts, personal = self.book.take(day)
        return [digests.digest_facts(community, day, counts[community], now) for community in sorted(counts)] + [
            digests.personal_digest_facts(person, day, personal[person], now)
            for person in sorted(personal)
            if personal[person].total
        ]


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


class WatchPersistence:
    """Writes what changed in the watches to the watch store, and loads it back at start."""

    def __init__(self, watches: Watches, store: ws.WatchStore) -> None:
        self.watches = watches
        self.store = store
        self.lock = threading.RLock()
        self._unsaved: dict[str, Any] = {}  # documents a failed write left, retried next time
        self._stored: set[str] = set()  # ids known to be in the store: the others are inserted

    def restore(self) -> int:
        """Loads every stored watch document into the watches; how many."""
        loaded = 0
        deadlines, stations, digest = self.watches.deadlines, self.watches.stations, self.watches.digest
        for document in self.store.load():
            key = str(document["_id"])
            self._stored.add(key)
            kind, _, rest = key.partition("|")
            try:
                if kind == "deadline":
                    with deadlines._lock:
                        deadlines.watch.restore(rest, ws.watched_from(document))
                        deadlines._recent[rest] = None
                elif kind == "station":
                    with stations._lock:
                        stations.watch.restore(
                            rest,
                            ws.facts_from(document["facts"]),
                            ws.aware(document["starts_at"]),
                            tuple(ws.aware(at) for at in document.get("reported") or ()),
                        )
                        stations._recent[rest] = None
                elif key == ws.SENT_ID:
                    with digest._lock:
                        digest._sent |= {date.fromisoformat(d) for d in document.get("days") or ()}
                elif kind == "digest":
                    day_text, which, ident = rest.split("|", 2)
                    day = date.fromisoformat(day_text)
                    with digest._lock:
                        if which == "community":
                            events = {str(e) for e in document.get("events") or ()}
                            digest.book.restore_community(day, ident, ws.counts_from(document), events)
                        else:
                            digest.book.restore_person(day, ident, ws.personal_from(document))
                else:
                    continue
            except (KeyError, ValueError, TypeError):
                log.warning("unreadable watch document skipped", exc_info=True, extra={"id": key[:200]})
                continue
            loaded += 1
        return loaded

    def flush(self) -> None:
        """Writes the changed documents (deletes the gone ones); raises when the write fails
        (the documents are kept and written with the next flush)."""
        with self.lock:
            documents = {**self._unsaved, **self._changed()}
            if not documents:
                return
            try:
                self.store.write(documents, new={k for k, body in documents.items() if body and k not in self._stored})
            except Exception:
                self._unsaved = documents
                raise
            self._unsaved = {}
            for key, body in documents.items():
                if body is None:
                    self._stored.discard(key)
                else:
                    self._stored.add(key)

    def _changed(self) -> dict[str, Any]:
        documents: dict[str, Any] = {}
        deadlines, stations, digest = self.watches.deadlines, self.watches.stations, self.watches.digest
        with deadlines._lock:
            for request_id in deadlines.watch.drain_changes():
                watched = deadlines.watch.state(request_id)
                documents[ws.deadline_id(request_id)] = None if watched is None else ws.watched_document(watched)
        with stations._lock:
            for event_id in stations.watch.drain_changes():
                state = stations.watch.state(event_id)
                documents[ws.station_id(event_id)] = None if state is None else ws.station_document(*state)
        with digest._lock:
            for which, day, ident in digest.book.drain_changes():
                key = ws.digest_id(which, day, ident)
                if which == "community":
                    found = digest.book.community_state(day, ident)
                    documents[key] = None if found is None else ws.community_document(*found)
                else:
                    held = digest.book.person_state(day, ident)
                    documents[key] = None if held is None else ws.personal_document(held)
            if digest._sent_changed:
                digest._sent_changed = False
                documents[ws.SENT_ID] = {"days": sorted(d.isoformat() for d in digest._sent)}
        return documents


def fire(bus: Bus, watch: Watch, name: str, clock: Callable[[], datetime]) -> int:
    """Sends what ``watch`` has due through the bus; the number sent."""
    actor = Actor.system(f"timer:{name}")
    sent = 0
    for facts in watch.due(clock()):
        bus.handle(ApplyEvent(actor=actor, facts=facts))
        sent += 1
    return sent


def fire_and_flush(
    bus: Bus, watch: Watch, name: str, clock: Callable[[], datetime], persistence: WatchPersistence | None
) -> int:
    """``fire``, then the watches' changes written, under the persistence lock."""
    if persistence is None:
        return fire(bus, watch, name, clock)
    with persistence.lock:
        sent = fire(bus, watch, name, clock)
        persistence.flush()
    return sent


def make_timers(
    bus: Bus,
    watches: Watches,
    interval_seconds: float,
    clock: Callable[[], datetime],
    persistence: WatchPersistence | None = None,
) -> list[PeriodicWorker]:
    """One runtime worker per watch, each firing through the bus every ``interval_seconds``."""
    return [
        PeriodicWorker(
            name,
            interval_seconds,
            lambda w=watch, n=name: fire_and_flush(bus, w, n, clock, persistence),  # type: ignore[misc]
        )
        for name, watch in (
            ("deadline_near", watches.deadlines),
            ("station_reminders", watches.stations),
            ("daily_digest", watches.digest),
        )
    ]
