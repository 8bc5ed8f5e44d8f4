"""The ranking rules of matching as pure functions: one place that says how good a volunteer
is for a request, used by ``matching.rank_volunteers`` (domain objects), by ``MatchIndex`` and
by its linear-scan baseline (which inline the same arithmetic and are tested to agree).

Hard rules (a volunteer failing one is not a candidate at all):

- active (not suspended);
- has at least one requested skill (when skills are requested);
- the request lies within the volunteer's own service radius;
- fewer open tasks than ``max_concurrent_tasks``.

Soft rules, each a component in [0, 1], combined with this weight table:

=============  ======  =============================================================
component      weight  value
=============  ======  =============================================================
skill fit      0.30    requested skills held / requested skills (1 when none asked,
                       and 1 for any holder when the skills come from a category)
distance       0.30    1 / (1 + d / 2 km): 1 on the doorstep, 0.5 at 2 km, 0.17 at 10 km
availability   0.20    1 when the time is inside a weekly window, else 0
load           0.10    1 - open_tasks / max_concurrent_tasks
fairness       0.10    1 / (1 + recent assignments), decaying with a 7-day half-life
=============  ======  =============================================================

Why these weights: skill and distance decide whether the help is useful and quick, so they
dominate; being free right now matters but a willing volunteer nearby can still be asked
outside their stated hours (so availability is a weight, not a filter: at night the best
matches are still returned); load and fairness only spread work among comparable candidates.
The distance curve is hyperbolic rather than linear in the radius so that "nearer is better"
holds across volunteers with different radii, and it never reaches 0 inside 50 km.

Distance is equirectangular around the request point (``distance_km``): within the 50 km
search cap its error against the great-circle distance is under 0.5 %, which never changes a
ranking that matters, and it costs four multiplications instead of four trigonometric calls.
It also makes the spatial index's cell bounds exact lower bounds of the same metric.

Availability is judged at quarter-hour resolution in the city's local time (UTC+8): a
quarter [q, q + 15 min) counts as available when a window covers its first minute. The
index stores a 672-bit week mask per volunteer; the same mask decides here, so the service,
the index and the tests agree to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from linli.common.errors import InvalidArgument

from .model import CITY_TZ, FAIRNESS_HALF_LIFE_SECONDS, TimeWindow

W_SKILL = 0.30
W_DISTANCE = 0.30
W_AVAILABILITY = 0.20
W_LOAD = 0.10
W_FAIRNESS = 0.10
#: Distance at which the distance component is one half.
DISTANCE_HALF_KM = 2.0

#: Mean Earth radius (IUGG) and the length of one degree of latitude on it.
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0

CITY_UTC_OFFSET_SECONDS = int(CITY_TZ.utcoffset(None).total_seconds())
SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
#: Bytes of one volunteer's week mask (672 bits).
AVAILABILITY_BYTES = SLOTS_PER_WEEK // 8
#: 1970-01-01 was a Thursday: three days after a Monday.
_EPOCH_WEEKDAY_OFFSET_MINUTES = 3 * 24 * 60


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """The components (each in [0, 1]) and their weighted total."""

    skill_fit: float
    distance: float
    availability: float
    load: float
    fairness: float
    total: float


def upper_bound(distance_km: float) -> float:
    """The best total any candidate at ``distance_km`` or further can reach (every other
    component perfect). The index stops searching once this falls below its k-th score."""
    return W_SKILL + W_DISTANCE * (1.0 / (1.0 + distance_km / DISTANCE_HALF_KM)) + W_AVAILABILITY + W_LOAD + W_FAIRNESS


def reach_squared(threshold: float, penalty: float = 0.0) -> float:
    """The square of the largest distance (km) at which a candidate unable to earn ``penalty``
    of the weight could still score ``threshold``: ``upper_bound(d) - penalty >= threshold``.

    Infinite when even a candidate infinitely far could; negative when none could. Rounded
    outwards (a part per billion) so that it never excludes a candidate that could tie."""
    rest = W_SKILL + W_AVAILABILITY + W_LOAD + W_FAIRNESS - penalty
    needed = threshold - 1e-9 - rest  # what the distance component must contribute
    if needed <= 0.0:
        return math.inf
    if needed > W_DISTANCE:
        return -1.0
    reach = DISTANCE_HALF_KM * (W_DISTANCE / needed - 1.0) * (1.0 + 1e-9) + 1e-9
    return reach * reach


def score(
    *, skill_fit: float, distance_km: float, available: bool, open_tasks: int, max_tasks: int, recent: float
) -> ScoreBreakdown:
    """The weighted score of one candidate that passed the hard rules.

    ``MatchIndex`` repeats this arithmetic inline in its hot loop, operation for operation
    in the same order, so totals are bit-identical (the tests check it)."""
    distance = 1.0 / (1.0 + distance_km / DISTANCE_HALF_KM)
    availability = 1.0 if available else 0.0
    load = 1.0 - open_tasks / max_tasks
    fairness = 1.0 / (1.0 + recent)
    total = (
        W_SKILL * skill_fit
        + W_DISTANCE * distance
        + (W_AVAILABILITY if available else 0.0)
        + W_LOAD * load
        + W_FAIRNESS * fairness
    )
    return ScoreBreakdown(skill_fit, distance, availability, load, fairness, total)


def skill_fit(volunteer_mask: int, requested_mask: int, *, any_of: bool = False) -> float:
    """Share of the requested skills the volunteer holds (1 when none are requested).

    With ``any_of`` (skills derived from a request category, which are alternatives: a
    "repairs" request needs an electrician *or* a plumber) holding one is a full fit."""
    wanted = requested_mask.bit_count()
    if wanted == 0 or any_of:
        return 1.0
    return (volunteer_mask & requested_mask).bit_count() / wanted


def km_per_degree_lng(lat: float) -> float:
    """Kilometres per degree of longitude at a latitude (the east-west scale)."""
    return KM_PER_DEGREE * math.cos(math.radians(lat))


def distance_km(from_lat: float, from_lng: float, to_lat: float, to_lng: float) -> float:
    """Equirectangular distance, scaled at ``from_lat`` (the request point)."""
    dy = (to_lat - from_lat) * KM_PER_DEGREE
    dx = (to_lng - from_lng) * km_per_degree_lng(from_lat)
    return math.sqrt(dx * dx + dy * dy)


def epoch_seconds(at: datetime, field: str = "at") -> float:
    """Seconds since the Unix epoch of an aware datetime (naive ones are rejected: a time
    without a zone is ambiguous by eight hours here)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidArgument(f"{field} must carry a time zone", field=field)
    return at.timestamp()


def week_slot(epoch: float) -> int:
    """The quarter hour of the local (UTC+8) week an instant falls in: 0 is Monday 00:00."""
    minutes = math.floor((epoch + CITY_UTC_OFFSET_SECONDS) / 60.0)
    return int((minutes + _EPOCH_WEEKDAY_OFFSET_MINUTES) % (7 * 24 * 60)) // SLOT_MINUTES


@lru_cache(maxsize=8192)
def availability_mask(windows: tuple[TimeWindow, ...]) -> bytes:
    """The 672-bit week mask of validated windows (bit ``s`` of byte ``s // 8`` is quarter
    ``s``). Cached: volunteers share a few common schedules, and the index is built from a
    million of them."""
    mask = bytearray(AVAILABILITY_BYTES)
    for window in windows:
        day = (window.weekday - 1) * SLOTS_PER_DAY
        first = -(-window.start_minute // SLOT_MINUTES)  # first quarter starting at/after start
        last = -(-window.end_minute // SLOT_MINUTES)  # quarters starting before end
        for quarter in range(first, last):
            slot = day + quarter
            mask[slot >> 3] |= 1 << (slot & 7)
    return bytes(mask)


def mask_has_slot(mask: bytes, slot: int) -> bool:
    """Whether a week mask marks quarter ``slot`` available."""
    return bool(mask[slot >> 3] >> (slot & 7) & 1)


def is_available(windows: Iterable[TimeWindow], at: datetime) -> bool:
    """Whether a volunteer with these windows counts as available at ``at``."""
    return mask_has_slot(availability_mask(tuple(windows)), week_slot(epoch_seconds(at)))


def recent_at(count: float, as_of: float, when: float) -> float:
    """The decayed recent-assignments count (same formula as ``RecentAssignments.at``)."""
    if count == 0.0 or when <= as_of:
        return count
    decay: float = 0.5 ** ((when - as_of) / FAIRNESS_HALF_LIFE_SECONDS)
    return count * decay
