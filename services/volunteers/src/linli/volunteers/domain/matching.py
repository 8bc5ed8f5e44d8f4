"""Matching volunteers to a request: the public face of ``scoring`` (the ranking rules and
their weight table) and ``match_index`` (the in-memory index and its linear-scan baseline).

``rank_volunteers`` applies the rules to domain objects directly. It is the readable
reference: ``MatchIndex.match`` and ``linear_scan_match`` must return exactly what it returns
for the same volunteers (the unit tests check all three against each other).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from . import catalogue
from .match_index import (
    DEFAULT_K,
    DEFAULT_RADIUS_CLASSES,
    MAX_K,
    Match,
    MatchIndex,
    MatchQuery,
    RadiusClass,
    linear_scan_match,
    prepare_query,
)
from .model import Volunteer
from .scoring import (
    DISTANCE_HALF_KM,
    W_AVAILABILITY,
    W_DISTANCE,
    W_FAIRNESS,
    W_LOAD,
    W_SKILL,
    ScoreBreakdown,
    availability_mask,
    distance_km,
    is_available,
    mask_has_slot,
    score,
    skill_fit,
    upper_bound,
)

__all__ = [
    "DEFAULT_K",
    "DEFAULT_RADIUS_CLASSES",
    "DISTANCE_BAND_KM",
    "DISTANCE_HALF_KM",
    "MAX_K",
    "W_AVAILABILITY",
    "W_DISTANCE",
    "W_FAIRNESS",
    "W_LOAD",
    "W_SKILL",
    "Candidate",
    "Match",
    "MatchIndex",
    "MatchQuery",
    "RadiusClass",
    "ScoreBreakdown",
    "coarsened",
    "distance_km",
    "is_available",
    "linear_scan_match",
    "prepare_query",
    "rank_volunteers",
    "resolve_skills",
    "score",
    "score_volunteer",
    "upper_bound",
]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked volunteer with the parts of its score."""

    volunteer_id: str
    score: float
    distance_km: float
    breakdown: ScoreBreakdown


def resolve_skills(skills: Sequence[str], category: str) -> tuple[str, ...]:
    """The skills a query asks for: the explicit ones, else the category's (may be none)."""
    explicit = catalogue.validate_skill_codes(skills)
    return explicit if explicit else catalogue.skills_for_category(category)


def score_volunteer(volunteer: Volunteer, query: MatchQuery) -> ScoreBreakdown | None:
    """A volunteer's score for a query, or None when a hard rule excludes them (suspended,
    no requested skill, request outside their radius, at their task limit)."""
    if not volunteer.active:
        return None
    held = catalogue.skill_mask(volunteer.skills)
    if query.mask and not held & query.mask:
        return None
    distance = distance_km(query.lat, query.lng, volunteer.home.lat, volunteer.home.lng)
    if distance > volunteer.service_radius_km:
        return None
    if volunteer.open_tasks >= volunteer.max_concurrent_tasks:
        return None
    return score(
        skill_fit=skill_fit(held, query.mask, any_of=query.any_of),
        distance_km=distance,
        available=mask_has_slot(availability_mask(tuple(volunteer.availability)), query.slot),
        open_tasks=volunteer.open_tasks,
        max_tasks=volunteer.max_concurrent_tasks,
        recent=volunteer.recent_assignments.at(query.when),
    )


def _distance_of(volunteer: Volunteer, query: MatchQuery) -> float:
    return distance_km(query.lat, query.lng, volunteer.home.lat, volunteer.home.lng)


def rank_volunteers(
    volunteers: Iterable[Volunteer],
    lat: float,
    lng: float,
    skills: Sequence[str],
    at: datetime,
    k: int = DEFAULT_K,
    *,
    category: str = "",
) -> list[Candidate]:
    """The best k candidates among ``volunteers``: score desc, then distance, then id."""
    query = prepare_query(lat, lng, skills, at, k, category=category)
    scored = [
        Candidate(v.id, breakdown.total, _distance_of(v, query), breakdown)
        for v in volunteers
        if (breakdown := score_volunteer(v, query)) is not None
    ]
    scored.sort(key=lambda c: (-c.score, c.distance_km, c.volunteer_id))
    return scored[:k]


#: Coarse distance band shown to callers who may not know where volunteers live (km).
DISTANCE_BAND_KM = 0.5


def coarsened(candidate: Candidate, band_km: float = DISTANCE_BAND_KM) -> Candidate:
    """The candidate as a caller without staff rights sees it: the distance rounded up to
    the next ``band_km`` step (at least one step: "within 0.5 km"), and the distance part of
    the score and the totals recomputed from that band, so no shown number reveals the
    exact distance to the volunteer's home. The ranking itself is not changed."""
    band = max(1, math.ceil(candidate.distance_km / band_km - 1e-9)) * band_km
    parts = candidate.breakdown
    distance = 1.0 / (1.0 + band / DISTANCE_HALF_KM)
    total = (
        W_SKILL * parts.skill_fit
        + W_DISTANCE * distance
        + W_AVAILABILITY * parts.availability
        + W_LOAD * parts.load
        + W_FAIRNESS * parts.fairness
    )
    breakdown = ScoreBreakdown(parts.skill_fit, distance, parts.availability, parts.load, parts.fairness, total)
    return Candidate(candidate.volunteer_id, total, band, breakdown)
