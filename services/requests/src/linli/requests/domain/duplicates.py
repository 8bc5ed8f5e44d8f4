"""Likely duplicates on submit, and merging a duplicate into its original.

A candidate is a duplicate when it has the same category, lies within ``radius_m`` (300 m)
and was submitted within ``window`` (7 days) of the new one, and its text is similar. Text
similarity is the Jaccard index of token sets: lower-cased Latin/digit words, and
overlapping character bigrams of Chinese runs (Chinese has no spaces, and bigrams match
"楼道灯坏了" with "楼道的灯不亮" on 楼道 without a segmenter). The score blends text (0.6),
proximity (0.25) and recency (0.15); only scores above ``min_score`` with some text overlap
are suggested. Without coordinates on either side, "nearby" falls back to the same grid.

The service layer loads the candidates (same category, recent, in the area); this module
only scores them, so it stays pure.

Merging: a dispatcher folds the duplicate into the original. The duplicate becomes MERGED
and points at the original; its requester and followers become followers of the original,
so everyone hears of the outcome from then on. Both aggregates change and both get an
event; both are checked before either changes.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from linli.common.errors import InvalidArgument

from . import events as ev
from . import rules
from .dispatch import withdraw_open_offers
from .lru import BoundedLru
from .model import GeoPoint, Request, Status
from .state_machine import Action, Caller, begin, commit, publish

EARTH_RADIUS_M: Final = 6_371_000.0
_LATIN: Final = re.compile(r"[a-z0-9]+")
_HAN: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_STOPWORDS: Final = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "the",
        "there",
        "this",
        "to",
        "was",
        "we",
        "with",
    }
)
#: Statuses whose requests cannot be the original of a duplicate.
_GONE: Final = frozenset({Status.REJECTED, Status.CANCELLED, Status.MERGED})


@dataclass(frozen=True, slots=True)
class DuplicatePolicy:
    radius_m: float = 300.0
    window: timedelta = timedelta(days=7)
    min_score: float = 0.4
    min_text_similarity: float = 0.1
    limit: int = 5
    text_weight: float = 0.6
    proximity_weight: float = 0.25
    recency_weight: float = 0.15
    #: A flood of reports from one spot (a burst pipe) is compared with the closest in time
    #: only, so a submit's cost stays bounded.
    max_candidates: int = 20


DEFAULT_DUPLICATE_POLICY: Final = DuplicatePolicy()


@dataclass(frozen=True, slots=True)
class DuplicateProbe:
    """What is compared: a new request, or a draft before it is submitted."""

    category: str
    text: str
    at: datetime
    point: GeoPoint | None = None
    grid_id: str = ""
    id: str = ""

    @classmethod
    def of(cls, request: Request) -> DuplicateProbe:
        return cls(
            category=request.category,
            text=f"{request.title} {request.description}",
            at=request.submitted_at,
            point=request.location,
            grid_id=request.place.grid_id,
            id=request.id,
        )


@dataclass(frozen=True, slots=True)
class DuplicateSuggestion:
    request_id: str
    score: float
    text_similarity: float
    distance_m: float | None
    submitted_at: datetime
    status: Status
    distance_band: str = ""


#: Coarse distances shown to callers who are not staff: (upper bound in metres, label).
DISTANCE_BANDS: Final = ((100.0, "<100 m"), (300.0, "<300 m"))


def distance_band(distance: float | None) -> str:
    """The coarse band of a distance ("" when unknown or beyond the last band)."""
    if distance is None:
        return ""
    return next((label for bound, label in DISTANCE_BANDS if distance < bound), "")


def coarse(suggestion: DuplicateSuggestion) -> DuplicateSuggestion:
    """The suggestion as residents and anonymous callers get it: a distance band, never the
    exact distance (which would locate someone's home by a few probes)."""
    return replace(suggestion, distance_m=None, distance_band=distance_band(suggestion.distance_m))


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlng = math.radians(b.lng - a.lng)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


#: Token sets of recent texts (each submit compares with the same recent nearby requests):
#: at most 4,096 texts and 2,000,000 characters of them, least recently used dropped first.
_TOKEN_CACHE: Final = BoundedLru[str, frozenset[str]](max_items=4096, max_weight=2_000_000, weight=len)
#: Texts longer than this are tokenised without being cached.
_CACHED_TEXT_MAX: Final = 8192


def tokens(text: str) -> frozenset[str]:
    """Latin/digit words (no stopwords) and Chinese character bigrams (a lone character
    stands for itself)."""
    found = _TOKEN_CACHE.get(text)
    if found is None:
        found = _tokens(text)
        if len(text) <= _CACHED_TEXT_MAX:
            _TOKEN_CACHE.put(text, found)
    return found


def _tokens(text: str) -> frozenset[str]:
    normal = unicodedata.normalize("NFKC", text).lower()
    found = {w for w in _LATIN.findall(normal) if w not in _STOPWORDS}
    for run in _HAN.findall(normal):
        if len(run) == 1:
            found.add(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(found)


def similarity(a: str, b: str) -> float:
    """Jaccard index of the token sets, in [0, 1]."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _proximity(probe: DuplicateProbe, other: Request, radius: float) -> tuple[float, float | None] | None:
    """(proximity in [0, 1], distance) or None when not nearby."""
    there = other.location
    if probe.point is not None and there is not None:
        d = distance_m(probe.point, there)
        return (1.0 - d / radius, d) if d <= radius else None
    if probe.grid_id and probe.grid_id == other.place.grid_id:
        return 0.5, None
    return None


def _nearby(
    probe: DuplicateProbe, other: Request, policy: DuplicatePolicy
) -> tuple[timedelta, tuple[float, float | None]] | None:
    """(age difference, proximity) when `other` could be a duplicate before reading its text."""
    if other.id == probe.id or other.category != probe.category or other.status in _GONE:
        return None
    age = abs(probe.at - other.submitted_at)
    if age > policy.window:
        return None
    near = _proximity(probe, other, policy.radius_m)
    return None if near is None else (age, near)


def _scored(
    probe: DuplicateProbe, other: Request, age: timedelta, near: tuple[float, float | None], policy: DuplicatePolicy
) -> DuplicateSuggestion | None:
    text = similarity(probe.text, f"{other.title} {other.description}")
    if text < policy.min_text_similarity:
        return None
    recency = 1.0 - age / policy.window
    total = policy.text_weight * text + policy.proximity_weight * near[0] + policy.recency_weight * recency
    if total < policy.min_score:
        return None
    return DuplicateSuggestion(
        request_id=other.id,
        score=round(total, 4),
        text_similarity=round(text, 4),
        distance_m=None if near[1] is None else round(near[1], 1),
        submitted_at=other.submitted_at,
        status=other.status,
        distance_band=distance_band(near[1]),
    )


def suggest_duplicates(
    probe: DuplicateProbe, candidates: Iterable[Request], policy: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY
) -> list[DuplicateSuggestion]:
    """Likely duplicates, best first (ties: older first, the likelier original). Of the
    candidates that are near enough in place and time, only the `max_candidates` closest in
    time have their text compared."""
    pool = [(c, found) for c in candidates if (found := _nearby(probe, c, policy)) is not None]
    if len(pool) > policy.max_candidates:
        pool = heapq.nsmallest(policy.max_candidates, pool, key=lambda item: item[1][0])
    suggestions = [s for c, (age, near) in pool if (s := _scored(probe, c, age, near, policy)) is not None]
    suggestions.sort(key=lambda s: (-s.score, s.submitted_at, s.request_id))
    return suggestions[: policy.limit]


def merge(
    duplicate: Request,
    original: Request,
    caller: Caller,
    *,
    reason: str,
    now: datetime,
    expected_version: int = 0,
    original_expected_version: int = 0,
) -> frozenset[str]:
    """Folds ``duplicate`` into ``original``. Returns everyone who will hear of the outcome
    (the original's requester and followers after the merge)."""
    if duplicate.id == original.id:
        raise InvalidArgument("original_id: a request cannot be merged into itself", field="original_id")
    dup_step = begin(duplicate, Action.MERGE, caller, expected_version)
    orig_step = begin(original, Action.ABSORB_DUPLICATE, caller, original_expected_version)
    why = rules.validate_reason(reason)
    moved = set(duplicate.followers)
    if duplicate.requester.person_id:
        moved.add(duplicate.requester.person_id)
    moved.discard(original.requester.person_id)
    original.followers = original.followers | moved
    # Duplicates folded into the duplicate earlier now hang off the original too.
    original.duplicate_ids = (*original.duplicate_ids, duplicate.id, *duplicate.duplicate_ids)
    withdrawn = withdraw_open_offers(duplicate, now)
    duplicate.merged_into_id = original.id
    duplicate.followers = frozenset()
    duplicate.closed_at = now
    commit(duplicate, dup_step, now, why or f"duplicate of {original.id}")
    commit(original, orig_step, now, why or f"absorbed duplicate {duplicate.id}")
    audience = original.followers | ({original.requester.person_id} - {""})
    followers = tuple(sorted(audience))
    for value, step, change in ((duplicate, dup_step, "merged"), (original, orig_step, "duplicate_absorbed")):
        value.pending_events.append(
            ev.RequestMerged(
                ev.RequestFacts.of(value),
                step.context,
                duplicate_id=duplicate.id,
                original_id=original.id,
                follower_person_ids=followers,
            )
        )
        publish(value, change, caller.trace_id, step.role)
    if withdrawn:
        duplicate.pending_events.append(
            ev.OfferWithdrawn(
                ev.RequestFacts.of(duplicate), dup_step.context, volunteer_ids=tuple(withdrawn), reason="merged"
            )
        )
    return frozenset(audience)
