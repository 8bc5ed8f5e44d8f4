"""The daily digests' counters, kept as events go by (pure, in memory; persisted by an adapter).

Per community and local day (UTC+8): requests submitted, resolved, deadlines breached and
the average rating, from the requests service's events (``observe``, deduplicated by event
id, so a redelivered event counts once). Per person and day: the notifications a person
chose to receive in the digest instead of at once (``count_for``): counted by kind, and the
first ``MAX_HELD_ITEMS`` kept (kind, title and link as rendered in the person's language).

The timer takes a finished day (``take``) and emits one ``daily_digest`` event per community
(``digest_facts``) and one ``personal_digest`` event per person with held items
(``personal_digest_facts``: a single message listing them); days older than ``keep_days`` are
dropped so memory stays bounded.

Every change is remembered as a key, ``("community" | "person", day, id)``, until
``drain_changes`` hands them out: the watch store writes those (or deletes them when gone),
and ``restore_community`` / ``restore_person`` put them back at start, so a restart keeps
the day's counts and held items.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from .model import EventFacts
from .preferences import LOCAL_TZ
from .routing import DAILY_DIGEST, PERSONAL_DIGEST, TIMER_SOURCE

SUBMITTED = "org.linli.request.submitted.v1"
RESOLVED = "org.linli.request.resolved.v1"
DEADLINE_BREACHED = "org.linli.request.deadline_breached.v1"
RATED = "org.linli.request.rated.v1"
COUNTED_TYPES = frozenset({SUBMITTED, RESOLVED, DEADLINE_BREACHED, RATED})

_NAMESPACE = uuid.UUID("9c3e0a57-41d8-5f0b-a6e2-8b7d15c4f309")
#: Held items kept per person and day (all are counted; the message lists these).
MAX_HELD_ITEMS = 20

ChangeKey = tuple[str, date, str]


def local_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ).date()


@dataclass
class DigestCounts:
    submitted: int = 0
    resolved: int = 0
    breaches: int = 0
    rating_sum: int = 0
    ratings: int = 0

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None

    def values(self) -> dict[str, str]:
        """Template values: ``submitted``, ``resolved``, ``breaches``, ``average_rating``
        (one decimal, "" when nothing was rated)."""
        average = self.average_rating
        return {
            "submitted": str(self.submitted),
            "resolved": str(self.resolved),
            "breaches": str(self.breaches),
            "average_rating": "" if average is None else f"{average:.1f}",
        }


@dataclass(frozen=True, slots=True)
class HeldItem:
    """A notification held for a person's digest, as rendered for them."""

    kind: str
    event_id: str
    title: str
    link: str = ""


@dataclass
class PersonalDigest:
    """What one person's digest of one day holds."""

    kinds: Counter[str] = field(default_factory=Counter)
    items: list[HeldItem] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)  # (kind, event id)

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


@dataclass
class _Day:
    communities: dict[str, DigestCounts] = field(default_factory=dict)
    events: dict[str, set[str]] = field(default_factory=dict)  # community -> event ids counted
    persons: dict[str, PersonalDigest] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def keys(self, day: date) -> set[ChangeKey]:
        return {("community", day, c) for c in self.communities} | {("person", day, p) for p in self.persons}


class DigestBook:
    def __init__(self, keep_days: int = 3) -> None:
        self.keep_days = keep_days
        self._days: dict[date, _Day] = {}
        self._changes: set[ChangeKey] = set()

    def _day(self, day: date) -> _Day | None:
        """The day's counters, made on first use; None for a day older than the kept ones."""
        found = self._days.get(day)
        if found is not None:
            return found
        newest = max(self._days, default=day)
        if (newest - day).days >= self.keep_days:
            return None
        self._days[day] = _Day()
        while len(self._days) > self.keep_days:
            oldest = min(self._days)
            self._changes |= self._days.pop(oldest).keys(oldest)
        return self._days.get(day)

    def observe(self, facts: EventFacts) -> bool:
        """Counts a request event for its community and local day; False when it does not
        count (other types, no community, seen before, too old)."""
        if facts.event_type not in COUNTED_TYPES or not facts.community_id:
            return False
        if facts.event_type == RATED and not _stars(facts):
            return False
        when = local_day(facts.occurred_at)
        day = self._day(when)
        if day is None or facts.event_id in day.seen:
            return False
        day.seen.add(facts.event_id)
        day.events.setdefault(facts.community_id, set()).add(facts.event_id)
        self._changes.add(("community", when, facts.community_id))
        counts = day.communities.setdefault(facts.community_id, DigestCounts())
        if facts.event_type == SUBMITTED:
            counts.submitted += 1
        elif facts.event_type == RESOLVED:
            counts.resolved += 1
        elif facts.event_type == DEADLINE_BREACHED:
            counts.breaches += 1
        else:
            counts.rating_sum += _stars(facts)
            counts.ratings += 1
        return True

    def count_for(
        self, person_id: str, kind: str, event_id: str, at: datetime, *, title: str = "", link: str = ""
    ) -> bool:
        """A notification held for a person's digest; False for a repeat of the same event."""
        when = local_day(at)
        day = self._day(when)
        if day is None:
            return False
        held = day.persons.setdefault(person_id, PersonalDigest())
        if (kind, event_id) in held.seen:
            return False
        held.seen.add((kind, event_id))
        held.kinds[kind] += 1
        if len(held.items) < MAX_HELD_ITEMS:
            held.items.append(HeldItem(kind, event_id, title, link))
        self._changes.add(("person", when, person_id))
        return True

    def counts(self, community_id: str, day: date) -> DigestCounts:
        found = self._days.get(day)
        counts = found.communities.get(community_id) if found else None
        return counts if counts is not None else DigestCounts()

    def communities(self, day: date) -> tuple[str, ...]:
        found = self._days.get(day)
        return tuple(sorted(found.communities)) if found else ()

    def personal(self, day: date) -> dict[str, dict[str, int]]:
        """person id -> kind -> how many notifications were held for the digest that day."""
        found = self._days.get(day)
        return {p: dict(held.kinds) for p, held in found.persons.items()} if found else {}

    def take(self, day: date) -> tuple[dict[str, DigestCounts], dict[str, PersonalDigest]]:
        """The day's community counts and personal digests, forgotten afterwards."""
        found = self._days.pop(day, None)
        if found is None:
            return {}, {}
        self._changes |= found.keys(day)
        return dict(found.communities), dict(found.persons)

    # -- persistence (the watch store) ------------------------------------------------------------
    def drain_changes(self) -> set[ChangeKey]:
        """The keys changed (or gone) since the last call."""
        changes, self._changes = self._changes, set()
        return changes

    def community_state(self, day: date, community_id: str) -> tuple[DigestCounts, set[str]] | None:
        found = self._days.get(day)
        if found is None or community_id not in found.communities:
            return None
        return found.communities[community_id], found.events.get(community_id, set())

    def person_state(self, day: date, person_id: str) -> PersonalDigest | None:
        found = self._days.get(day)
        return None if found is None else found.persons.get(person_id)

    def restore_community(self, day: date, community_id: str, counts: DigestCounts, events: set[str]) -> None:
        found = self._days.setdefault(day, _Day())
        found.communities[community_id] = counts
        found.events[community_id] = set(events)
        found.seen |= events

    def restore_person(self, day: date, person_id: str, held: PersonalDigest) -> None:
        self._days.setdefault(day, _Day()).persons[person_id] = held


def _stars(facts: EventFacts) -> int:
    try:
        stars = int(float(facts.values.get("stars", "0")))
    except ValueError:
        return 0
    return stars if 1 <= stars <= 5 else 0


def digest_facts(
    community_id: str, day: date, counts: DigestCounts, now: datetime, *, community: str = ""
) -> EventFacts:
    """The synthetic ``daily_digest`` event of one community and day (its id derived from
    both, so a timer that runs twice makes the same event)."""
    return EventFacts(
        event_id=str(uuid.uuid5(_NAMESPACE, f"{DAILY_DIGEST}|{community_id}|{day.isoformat()}")),
        event_type=DAILY_DIGEST,
        source=TIMER_SOURCE,
        subject_id=community_id,
        occurred_at=now,
        community_id=community_id,
        org_path=(community_id,),
        values={**counts.values(), "day": day.isoformat(), "community": community or community_id},
    )


def personal_digest_facts(person_id: str, day: date, held: PersonalDigest, now: datetime) -> EventFacts:
    """The synthetic ``personal_digest`` event of one person and day: one message listing
    what was held (``items``, one line each, titles as rendered in the person's language),
    ``count`` the total, ``more`` how many are counted but not listed."""
    lines = [f"- {item.title}" + (f" {item.link}" if item.link else "") for item in held.items]
    return EventFacts(
        event_id=str(uuid.uuid5(_NAMESPACE, f"{PERSONAL_DIGEST}|{person_id}|{day.isoformat()}")),
        event_type=PERSONAL_DIGEST,
        source=TIMER_SOURCE,
        subject_id=person_id,
        occurred_at=now,
        people={"person": (person_id,)},
        values={
            "day": day.isoformat(),
            "count": str(held.total),
            "items": "\n".join(lines),
            "more": str(max(0, held.total - len(held.items))) if held.total > len(held.items) else "",
        },
    )


def day_start(day: date) -> datetime:
    """Midnight of a local day, in UTC (when "yesterday" is over)."""
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ).astimezone(UTC)
