"""The daily digest's counters, kept as events go by (pure, in memory).

Per community and local day (UTC+8): requests submitted, resolved, deadlines breached and
the average rating, from the requests service's events (``observe``, deduplicated by event
id, so a redelivered event counts once). Per person and day: the notifications a person
chose to receive in the digest instead of at once (``count_for``), by kind.

The timer takes a finished day (``take``) and emits one ``daily_digest`` event per community
(``digest_facts``); days older than ``keep_days`` are dropped so memory stays bounded. The
counters live in memory: a restart loses the day's counts so far (the digest says "so far").
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from .model import EventFacts
from .preferences import LOCAL_TZ
from .routing import DAILY_DIGEST, TIMER_SOURCE

SUBMITTED = "org.linli.request.submitted.v1"
RESOLVED = "org.linli.request.resolved.v1"
DEADLINE_BREACHED = "org.linli.request.deadline_breached.v1"
RATED = "org.linli.request.rated.v1"
COUNTED_TYPES = frozenset({SUBMITTED, RESOLVED, DEADLINE_BREACHED, RATED})

_NAMESPACE = uuid.UUID("9c3e0a57-41d8-5f0b-a6e2-8b7d15c4f309")


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


@dataclass
class _Day:
    communities: dict[str, DigestCounts] = field(default_factory=dict)
    persons: dict[str, Counter[str]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    person_seen: set[tuple[str, str, str]] = field(default_factory=set)


class DigestBook:
    def __init__(self, keep_days: int = 3) -> None:
        self.keep_days = keep_days
        self._days: dict[date, _Day] = {}

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
            del self._days[min(self._days)]
        return self._days.get(day)

    def observe(self, facts: EventFacts) -> bool:
        """Counts a request event for its community and local day; False when it does not
        count (other types, no community, seen before, too old)."""
        if facts.event_type not in COUNTED_TYPES or not facts.community_id:
            return False
        if facts.event_type == RATED and not _stars(facts):
            return False
        day = self._day(local_day(facts.occurred_at))
        if day is None or facts.event_id in day.seen:
            return False
        day.seen.add(facts.event_id)
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

    def count_for(self, person_id: str, kind: str, event_id: str, at: datetime) -> bool:
        """A notification held for a person's digest; False for a repeat of the same event."""
        day = self._day(local_day(at))
        if day is None or (person_id, kind, event_id) in day.person_seen:
            return False
        day.person_seen.add((person_id, kind, event_id))
        day.persons.setdefault(person_id, Counter())[kind] += 1
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
        return {p: dict(kinds) for p, kinds in found.persons.items()} if found else {}

    def take(self, day: date) -> tuple[dict[str, DigestCounts], dict[str, dict[str, int]]]:
        """The day's community counts and personal counts, forgotten afterwards."""
        found = self._days.pop(day, None)
        if found is None:
            return {}, {}
        return dict(found.communities), {p: dict(k) for p, k in found.persons.items()}


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


def day_start(day: date) -> datetime:
    """Midnight of a local day, in UTC (when "yesterday" is over)."""
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ).astimezone(UTC)
