"""The points and hours ledger: append-only entries, the dual-points rule, balances,
history and leaderboards.

Dual points (双积分): a task that is resolved and rated credits the volunteer in the
community where they live (a HOME entry) and, when they have one and it differs, in the
community linked to their workplace (a WORKPLACE entry with the same hours and points).
Both communities see the service in their own ledger and leaderboard; the volunteer's
``total_points`` counts both (that is the incentive), while ``service_hours`` counts the
time once (a WORKPLACE entry mirrors hours, it adds no time served).

Points formula (integers, so sums never drift)::

    points = round_half_up((POINTS_PER_TASK + POINTS_PER_HOUR * hours) * RATING_MULTIPLIER[rating])

with hours rounded to 0.01 h, 5 points per task, 10 per hour, and the rating multiplier
1 star 0.5, 2 stars 0.8, 3 stars 1.0, 4 stars 1.2, 5 stars 1.5: a 2-hour task rated 5 earns
round(25 * 1.5) = 38 points. The flat part rewards short tasks (a quick repair still counts);
the rating scales both parts so quality matters more than padding hours.

Exactly once: an entry's id is derived from (cause event id, credited community), so the
two entries of one event have fixed ids. Writing them again collides on ``_id`` in the
database (or in ``Ledger`` here) instead of doubling the credit; a replay carrying different
amounts is a Conflict, not a silent second truth. Corrections are new entries (positive or
negative), keyed by the caller's idempotency key; nothing is ever edited.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from linli.common.errors import Conflict, InvalidArgument
from linli.common.ids import idempotent_id

from . import events as ev
from . import rules
from .events import EventContext
from .model import CITY_TZ, LedgerEntry, LedgerEntryKind, Volunteer

POINTS_PER_TASK = 5
POINTS_PER_HOUR = 10
#: Rating -> multiplier in tenths (integers keep the formula exact).
RATING_MULTIPLIER_TENTHS: Mapping[int, int] = {1: 5, 2: 8, 3: 10, 4: 12, 5: 15}


class LeaderboardPeriod(enum.Enum):
    WEEK = enum.auto()
    MONTH = enum.auto()
    QUARTER = enum.auto()
    YEAR = enum.auto()
    ALL_TIME = enum.auto()


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCredit:
    """A resolved and rated task, as read from the requests service's event."""

    cause_event_id: str
    volunteer_id: str
    request_id: str
    hours: float
    rating: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class CommunityPoints:
    """Hours and points one community credited."""

    community_id: str
    hours: float
    points: int


@dataclass(frozen=True, slots=True)
class PointsBalance:
    """A volunteer's balance computed from entries."""

    volunteer_id: str
    service_hours: float
    total_points: int
    communities: tuple[CommunityPoints, ...]
    entry_count: int


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One leaderboard line; equal points share a rank ("1, 2, 2, 4")."""

    rank: int
    volunteer_id: str
    points: int
    hours: float


def task_points(hours: float, rating: int) -> int:
    """Points for one task (see the module docstring for the formula)."""
    rating = rules.validate_rating(rating)
    centi_hours = round(rules.validate_task_hours(hours) * 100)
    # (5 + 10 h) * m/10, computed in thousandths: (500 + 10 * ch) * m10 / 1000, half up.
    thousandths = (POINTS_PER_TASK * 100 + POINTS_PER_HOUR * centi_hours) * RATING_MULTIPLIER_TENTHS[rating]
    return (thousandths + 500) // 1000


def entry_id(cause_event_id: str, community_id: str) -> str:
    """The deterministic id of the entry one event credits to one community."""
    return idempotent_id("led", community_id, cause_event_id)


def credit_task(credit: TaskCredit, volunteer: Volunteer, now: datetime) -> list[LedgerEntry]:
    """The entries a resolved and rated task earns: HOME, plus WORKPLACE when the volunteer
    has a workplace-linked community different from home. Deterministic: the same event
    always yields the same entries (ids included), whatever ``now`` is."""
    cause = rules.validate_id(credit.cause_event_id, "cause_event_id")
    if credit.volunteer_id != volunteer.id:
        raise InvalidArgument(
            f"volunteer_id {credit.volunteer_id} does not match volunteer {volunteer.id}", field="volunteer_id"
        )
    hours = rules.validate_task_hours(credit.hours)
    points = task_points(hours, credit.rating)
    targets = [(volunteer.home_community_id, LedgerEntryKind.HOME)]
    workplace = volunteer.workplace_community_id
    if workplace and workplace != volunteer.home_community_id:
        targets.append((workplace, LedgerEntryKind.WORKPLACE))
    return [
        LedgerEntry(
            id=entry_id(cause, community),
            volunteer_id=volunteer.id,
            request_id=credit.request_id,
            hours=hours,
            points=points,
            credited_community_id=community,
            kind=kind,
            cause_event_id=cause,
            rating=credit.rating,
            occurred_at=credit.occurred_at,
            created_at=now,
        )
        for community, kind in targets
    ]


def correction(
    *,
    volunteer_id: str,
    community_id: str,
    hours_delta: float,
    points_delta: int,
    reason: str,
    idempotency_key: str,
    recorded_by: str,
    now: datetime,
    corrects: LedgerEntry | None = None,
    request_id: str = "",
) -> LedgerEntry:
    """A correction entry. With ``corrects`` the community defaults to the corrected entry's
    and must match it; the corrected entry must belong to the same volunteer."""
    volunteer = rules.validate_id(volunteer_id, "volunteer_id")
    key = rules.validate_id(idempotency_key, "idempotency_key")
    why = rules.validate_text(reason, "reason", required=True)
    hours, points = rules.validate_correction_amounts(hours_delta, points_delta)
    community = community_id.strip()
    if corrects is not None:
        if corrects.volunteer_id != volunteer:
            raise InvalidArgument(f"entry {corrects.id} belongs to another volunteer", field="corrects_entry_id")
        community = community or corrects.credited_community_id
        if community != corrects.credited_community_id:
            raise InvalidArgument(
                f"community_id must be {corrects.credited_community_id}, the community of the corrected entry",
                field="community_id",
            )
    community = rules.validate_id(community, "community_id")
    cause = f"correction:{volunteer}:{key}"
    return LedgerEntry(
        id=entry_id(cause, community),
        volunteer_id=volunteer,
        request_id=request_id or (corrects.request_id if corrects else ""),
        hours=hours,
        points=points,
        credited_community_id=community,
        kind=LedgerEntryKind.CORRECTION,
        cause_event_id=cause,
        reason=why,
        corrects_entry_id=corrects.id if corrects else "",
        occurred_at=corrects.occurred_at if corrects else now,
        created_at=now,
        recorded_by=recorded_by,
    )


def same_credit(a: LedgerEntry, b: LedgerEntry) -> bool:
    """Whether two entries with one id carry the same credit (``created_at`` may differ)."""
    return (a.volunteer_id, a.hours, a.points, a.credited_community_id, a.kind, a.request_id, a.occurred_at) == (
        b.volunteer_id,
        b.hours,
        b.points,
        b.credited_community_id,
        b.kind,
        b.request_id,
        b.occurred_at,
    )


def public_entry(entry: LedgerEntry) -> LedgerEntry:
    """An entry as anyone may see it: amounts, community, kind and dates; without the
    request it was for (which says where the volunteer went), the causing event, the
    rating, a correction's reason and who recorded it."""
    return dataclasses.replace(
        entry, request_id="", cause_event_id="", rating=0, reason="", corrects_entry_id="", recorded_by=""
    )


def check_replay(existing: LedgerEntry, candidate: LedgerEntry) -> None:
    """A replayed entry must carry the same credit; otherwise Conflict naming the cause."""
    if not same_credit(existing, candidate):
        raise Conflict(
            f"event {candidate.cause_event_id} was already credited with different amounts (entry {existing.id})",
            field="cause_event_id",
        )


class Ledger:
    """An in-memory, append-only ledger with the same idempotency rule as the database:
    an entry whose id exists is a replay (ignored when identical, Conflict when not)."""

    def __init__(self, entries: Iterable[LedgerEntry] = ()) -> None:
        self._entries: dict[str, LedgerEntry] = {}
        self.append(entries)

    def append(self, entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
        """Adds the entries not yet present; returns those actually added."""
        added: list[LedgerEntry] = []
        for entry in entries:
            existing = self._entries.get(entry.id)
            if existing is not None:
                check_replay(existing, entry)
                continue
            self._entries[entry.id] = entry
            added.append(entry)
        return added

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, entry_id: str) -> LedgerEntry | None:
        return self._entries.get(entry_id)

    def entries(self, volunteer_id: str | None = None) -> list[LedgerEntry]:
        """Entries in insertion order, optionally one volunteer's."""
        return [e for e in self._entries.values() if volunteer_id is None or e.volunteer_id == volunteer_id]


def balance(volunteer_id: str, entries: Iterable[LedgerEntry]) -> PointsBalance:
    """The balance from a volunteer's entries (others are ignored)."""
    mine = [e for e in entries if e.volunteer_id == volunteer_id]
    kinds = {e.id: e.kind for e in mine}
    hours_by: dict[str, list[float]] = defaultdict(list)
    points_by: dict[str, int] = defaultdict(int)
    served: list[float] = []
    for e in mine:
        hours_by[e.credited_community_id].append(e.hours)
        points_by[e.credited_community_id] += e.points
        mirrored = e.kind is LedgerEntryKind.WORKPLACE or (
            e.kind is LedgerEntryKind.CORRECTION and kinds.get(e.corrects_entry_id) is LedgerEntryKind.WORKPLACE
        )
        if not mirrored:
            served.append(e.hours)
    communities = tuple(
        CommunityPoints(community, _hours(hours_by[community]), points_by[community]) for community in sorted(hours_by)
    )
    return PointsBalance(
        volunteer_id=volunteer_id,
        service_hours=_hours(served),
        total_points=sum(points_by.values()),
        communities=communities,
        entry_count=len(mine),
    )


def _hours(values: Iterable[float]) -> float:
    """An exact-as-possible sum rounded to 0.01 h (entries carry at most two decimals)."""
    return round(math.fsum(values), 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def history(entries: Iterable[LedgerEntry], community_id: str = "") -> list[LedgerEntry]:
    """Entries newest first (by service time, then write time, then id), optionally one
    community's."""
    chosen = [e for e in entries if not community_id or e.credited_community_id == community_id]
    return sorted(chosen, key=lambda e: (e.occurred_at, e.created_at, e.id), reverse=True)


def period_bounds(period: LeaderboardPeriod, at: datetime) -> tuple[datetime, datetime] | None:
    """[start, end) of the calendar period containing ``at`` in the city's local time, as
    aware datetimes; None for ALL_TIME."""
    if at.tzinfo is None:
        raise InvalidArgument("at must carry a time zone", field="at")
    local = at.astimezone(CITY_TZ)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is LeaderboardPeriod.ALL_TIME:
        return None
    if period is LeaderboardPeriod.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if period is LeaderboardPeriod.MONTH:
        first_month, months = day.month, 1
    elif period is LeaderboardPeriod.QUARTER:
        first_month, months = 3 * ((day.month - 1) // 3) + 1, 3
    else:
        first_month, months = 1, 12
    start = day.replace(month=first_month, day=1)
    end_month = first_month - 1 + months
    end = start.replace(year=start.year + end_month // 12, month=end_month % 12 + 1)
    return start, end


def leaderboard(
    entries: Iterable[LedgerEntry],
    community_id: str,
    bounds: tuple[datetime, datetime] | None,
    limit: int = 20,
) -> list[LeaderboardRow]:
    """Volunteers ranked by the points ``community_id`` credited them with ``occurred_at``
    inside ``bounds`` (all time when None). Volunteers whose net points are not positive are
    left out; ties share a rank and are listed by hours then id."""
    points: dict[str, int] = defaultdict(int)
    hours: dict[str, list[float]] = defaultdict(list)
    for e in entries:
        if e.credited_community_id != community_id:
            continue
        if bounds is not None and not bounds[0] <= e.occurred_at < bounds[1]:
            continue
        points[e.volunteer_id] += e.points
        hours[e.volunteer_id].append(e.hours)
    ranked = sorted(
        ((vid, p, _hours(hours[vid])) for vid, p in points.items() if p > 0), key=lambda row: (-row[1], -row[2], row[0])
    )
    rows: list[LeaderboardRow] = []
    for position, (vid, p, h) in enumerate(ranked[:limit], start=1):
        rank = rows[-1].rank if rows and rows[-1].points == p else position
        rows.append(LeaderboardRow(rank=rank, volunteer_id=vid, points=p, hours=h))
    return rows


def points_credited_event(entry: LedgerEntry, context: EventContext | None = None) -> ev.PointsCredited:
    """The PointsCredited outbox event of an entry (its id is derived from the entry id)."""
    return ev.PointsCredited(entry=entry, context=context or EventContext())
