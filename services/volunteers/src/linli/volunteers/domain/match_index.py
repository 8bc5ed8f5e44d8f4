"""``MatchIndex``: the in-memory index behind MatchVolunteers, fast at city scale.

Why in memory: the local MongoDB-compatible server has no geo index, and even with one the
ranking (skills, availability this quarter hour, load, fairness) is not a database query.
The service rebuilds the index from the volunteers collection at start and keeps it current
from its own changes (register, update, suspend, claim/release events).

Storage is columnar and compact, not one Python object per volunteer: each volunteer is a
*slot* number into flat ``array`` columns (latitude, longitude, radius, 64-bit skill mask,
open and maximum tasks, decayed recent-assignment count and its time) plus an 84-byte
availability bit mask per slot in one ``bytearray`` (672 quarter hours of the week). The
only per-volunteer Python objects are the id strings (the API returns them) and the
id -> slot dictionary. Buckets are ``array('I')`` of slot numbers.

Spatial partition: uniform grids of square-ish cells on a global lat/lng lattice (a cell key
is two integer divisions). Each grid has buckets per (cell, something):

- the *skill grid* (1 km cells): a bucket per (cell, skill) and one per cell for "any skill",
  so a query for an electrician never even looks at a plumber;
- the *hour grid* (2 km cells): a bucket per (cell, hour of the week) holding the volunteers
  with a window in that hour, so "who is free now" is found without scanning everyone.

Why the two, and how a query uses them: availability is a soft rule worth 0.2 (``scoring``),
so the k-th best score is often set by volunteers who are *not* free (at night, nobody is),
and a free volunteer a few kilometres away could still beat them. One grid would then have
to score every volunteer within those kilometres, tens of thousands in a dense centre. So the
candidates are split into parts, each scored by exactly one walk over the grids:

- free at the requested quarter / not free (the exact quarter-hour bit decides);
- when several explicit skills are asked, holding all of them / only some.

Each part has its own upper bound (a part that cannot earn the availability weight, or the
whole skill weight, is bounded lower) and so its own stopping distance: the not-free part
usually stops after a cell or two. Each walk reads the smaller bucket family containing its
part: free volunteers come from the hour grid when fewer people are free that hour than hold
the skill (nights), else from the skill buckets; "holds all" comes from the rarest requested
skill's buckets. Skills derived from a request category are alternatives (any one is a full
fit), so category queries need no all/some split.

Why a uniform grid and not geohash or H3: every query is "everything within r km of a point",
which on a grid is a block of cells whose exact distance bounds are two subtractions per row
and column; geohash cells are not square (their aspect ratio flips with each character) and
their neighbour arithmetic is awkward at prefix boundaries; H3 is the nicest tessellation but
needs a C library we do not ship, and hexagon distance bounds are no tighter for this use.

Why ~1 km skill cells: most volunteers serve within a few kilometres and requests ask for a
handful of candidates. In a dense centre (over a thousand volunteers per square kilometre)
one 1 km cell already holds enough people with a common skill, so a query reads that cell and
perhaps its ring of eight; smaller cells multiply dictionary look-ups for no fewer candidates,
larger ones make every visited cell hold many times the people. Hour buckets are 2 km because
they multiply the bucket count by up to 168.

Radius classes: each volunteer lives in the grids of its radius class (by default radius
<= 10 km in the 1 km / 2 km grids; larger radii, up to the 50 km cap, in 4 km grids). Searching
1 km cells out to 50 km would visit ~8,000 cells for the few who travel that far.

These choices were measured with ``bench/bench_matching.py`` (1,000,000 volunteers, 1,000
queries; mean / p99 latency, index size): the default 0.65 / 2.9 ms, 447 MB; hour cells of 1 km
0.76 / 3.6 ms, 563 MB; of 3 km 0.96 / 4.4 ms; skill cells of 0.5 km 0.81 / 3.8 ms; three
radius classes (5 / 15 / 50 km) 0.72 / 3.1 ms; one class for every radius 1.6 / 22 ms.

Search order and early stop: each walk goes ring by ring outwards from the query's cell, and
the walks are interleaved best-first by the upper bound of their next ring (``scoring
.upper_bound`` at the ring's exact distance gap, less what the walk's part cannot earn). Once
k candidates are found, a cell whose own gap is beyond the distance at which its part could
still beat the k-th score is skipped, a candidate beyond it is dropped before scoring, and
when no walk's next ring could beat the k-th score the search stops. A walk also ends once
its next ring lies beyond the largest service radius present in its class: nobody there could
reach the request.

Results are identical to ``linear_scan_match`` (the same scoring loop over every slot): the
heap keeps the k best scores, every candidate scoring at least the k-th best is sorted by
(score desc, distance asc, id asc), and the early stop only skips candidates that score
strictly less than the k-th best.
"""

from __future__ import annotations

import heapq
import math
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import compress

from linli.common.errors import InvalidArgument, NotFound

from . import catalogue, rules
from .model import FAIRNESS_HALF_LIFE_SECONDS, GeoPoint, RecentAssignments, Volunteer
from .scoring import (
    AVAILABILITY_BYTES,
    DISTANCE_HALF_KM,
    KM_PER_DEGREE,
    W_AVAILABILITY,
    W_DISTANCE,
    W_FAIRNESS,
    W_LOAD,
    W_SKILL,
    ScoreBreakdown,
    availability_mask,
    epoch_seconds,
    km_per_degree_lng,
    mask_has_slot,
    reach_squared,
    recent_at,
    score,
    skill_fit,
    upper_bound,
    week_slot,
)


@dataclass(frozen=True, slots=True)
class RadiusClass:
    """Volunteers with a radius up to ``max_radius_km`` (and above the previous class's) and
    the cell edges of their skill grid and hour grid."""

    max_radius_km: float
    skill_cell_km: float
    hour_cell_km: float


DEFAULT_RADIUS_CLASSES: tuple[RadiusClass, ...] = (
    RadiusClass(10.0, 1.0, 2.0),
    RadiusClass(rules.MAX_SERVICE_RADIUS_KM, 4.0, 4.0),
)
DEFAULT_K = 10
MAX_K = 100
#: Score slack for the early stop, far above float rounding and far below any real difference.
_SCORE_EPSILON = 1e-9
#: Distance slack (1 mm) so cell bounds stay lower bounds despite float rounding.
_GAP_EPSILON_KM = 1e-6
_CELL_OFFSET = 1 << 20
_SUFFIX_BITS = 8  # room for 168 hours or 1 + 64 skill buckets per cell
_ANY_SKILL = 0  # skill-grid suffix of "any skill"; skill bit b uses b + 1
_QUARTERS_PER_HOUR = 4

#: A match result: (volunteer id, score, distance km).
Match = tuple[str, float, float]
#: What the scoring loop reads: (slots, skills already scored, required "free now" or None,
#: required "holds every requested skill" or None, weight those slots cannot earn).
_Source = Iterator[tuple[Iterable[int], int, bool | None, bool | None, float]]


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """A validated query: request point, requested skill mask, week quarter, epoch seconds.

    ``any_of`` is True when the skills come from a request category: they are alternatives
    and holding one is a full fit; explicit skills are all needed (fit = share held)."""

    lat: float
    lng: float
    skills: tuple[str, ...]
    mask: int
    any_of: bool
    slot: int
    when: float
    k: int


def prepare_query(
    lat: float, lng: float, skills: Sequence[str], at: datetime, k: int = DEFAULT_K, *, category: str = ""
) -> MatchQuery:
    """Validates a query (errors name ``location.lat``, ``skills[i]``, ``at``, ``k``).

    Explicit ``skills`` win; without them the ``category``'s skills are used as
    alternatives; with neither (or an unknown category) every volunteer's skills fit."""
    rules.validate_point(GeoPoint(lat, lng), "location")
    codes = catalogue.validate_skill_codes(skills)
    any_of = False
    if not codes and category:
        codes, any_of = catalogue.skills_for_category(category), True
    if not 1 <= k <= MAX_K:
        raise InvalidArgument(f"k must be between 1 and {MAX_K}, got {k}", field="k")
    when = epoch_seconds(at)
    return MatchQuery(lat, lng, codes, catalogue.skill_mask(codes), any_of, week_slot(when), when, k)


@lru_cache(maxsize=8192)
def _hours_of(mask: bytes) -> tuple[int, ...]:
    """Hours of the week (0..167) in which a week mask has at least one available quarter."""
    return tuple(hour for hour in range(len(mask) * 2) if mask[hour >> 1] >> ((hour & 1) * 4) & 0xF)


def _skill_suffixes(mask: int) -> list[int]:
    suffixes = [_ANY_SKILL]
    bit = 0
    while mask:
        if mask & 1:
            suffixes.append(bit + 1)
        mask >>= 1
        bit += 1
    return suffixes


@dataclass(slots=True)
class _Grid:
    """A uniform lattice of cells with a dict of buckets keyed by (cell, suffix)."""

    dlat: float
    dlng: float
    buckets: dict[int, array[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, cell_km: float, lng_scale: float) -> _Grid:
        if not 0.1 <= cell_km <= 100.0:
            raise ValueError(f"cell edge must be 0.1 to 100 km, got {cell_km}")  # keys pack 21-bit rows/columns
        return cls(dlat=cell_km / KM_PER_DEGREE, dlng=cell_km / lng_scale)

    def cell(self, lat: float, lng: float) -> int:
        """The bucket key base (suffix bits clear) of the cell containing a point."""
        return self.cell_key(math.floor(lat / self.dlat), math.floor(lng / self.dlng))

    @staticmethod
    def cell_key(row: int, col: int) -> int:
        """Row and column packed into one int, leaving the low bits for the suffix."""
        return ((row + _CELL_OFFSET) << 21 | (col + _CELL_OFFSET)) << _SUFFIX_BITS

    def add(self, base: int, suffixes: Iterable[int], slot: int) -> None:
        buckets = self.buckets
        for suffix in suffixes:
            bucket = buckets.get(base | suffix)
            if bucket is None:
                buckets[base | suffix] = array("I", (slot,))
            else:
                bucket.append(slot)

    def discard(self, base: int, suffixes: Iterable[int], slot: int) -> None:
        buckets = self.buckets
        for suffix in suffixes:
            bucket = buckets[base | suffix]
            bucket.remove(slot)
            if not bucket:
                del buckets[base | suffix]


@dataclass(slots=True)
class _Class:
    """A radius class: its bound, its two grids, and a histogram of the radii it holds."""

    max_radius: float
    by_skill: _Grid
    by_hour: _Grid
    #: Active volunteers per ceil(radius km), to know the largest radius present.
    radius_counts: list[int] = field(default_factory=lambda: [0] * (int(rules.MAX_SERVICE_RADIUS_KM) + 2))
    #: Active volunteers per skill bit and per hour of the week: which buckets are smaller.
    skill_counts: list[int] = field(default_factory=lambda: [0] * catalogue.MAX_SKILLS)
    hour_counts: list[int] = field(default_factory=lambda: [0] * (7 * 24))

    def count(self, suffixes: Iterable[int], hours: Iterable[int], delta: int) -> None:
        for suffix in suffixes:
            if suffix != _ANY_SKILL:
                self.skill_counts[suffix - 1] += delta
        for hour in hours:
            self.hour_counts[hour] += delta

    def reach_km(self) -> int:
        """The largest (rounded-up) radius of an active volunteer in this class; 0 if none."""
        counts = self.radius_counts
        for km in range(len(counts) - 1, 0, -1):
            if counts[km]:
                return km
        return 0


class MatchIndex:
    """Columnar store of matchable volunteers plus per-radius-class grids (see module doc)."""

    def __init__(
        self, *, reference_lat: float = 30.0, radius_classes: Sequence[RadiusClass] = DEFAULT_RADIUS_CLASSES
    ) -> None:
        """``reference_lat`` sets the east-west size of cells (degrees of longitude shrink
        with latitude); any value is correct, the city's makes cells square."""
        ordered = sorted(radius_classes, key=lambda rc: rc.max_radius_km)
        if not ordered or ordered[-1].max_radius_km < rules.MAX_SERVICE_RADIUS_KM:
            raise ValueError("the last radius class must reach the maximum service radius")
        lng_scale = km_per_degree_lng(reference_lat)
        self._classes = [
            _Class(rc.max_radius_km, _Grid.of(rc.skill_cell_km, lng_scale), _Grid.of(rc.hour_cell_km, lng_scale))
            for rc in ordered
        ]
        self._lat = array("d")
        self._lng = array("d")
        self._radius = array("d")
        self._skills = array("Q")
        self._avail = bytearray()
        self._open = array("H")
        self._max = array("H")
        self._recent = array("d")
        self._recent_as_of = array("d")
        self._active = bytearray()
        self._ids: list[str] = []
        self._slot_of: dict[str, int] = {}
        self._free: list[int] = []

    # ------------------------------------------------------------------ maintenance

    @classmethod
    def build(
        cls,
        volunteers: Iterable[Volunteer],
        *,
        reference_lat: float = 30.0,
        radius_classes: Sequence[RadiusClass] = DEFAULT_RADIUS_CLASSES,
    ) -> MatchIndex:
        """An index of every volunteer given (suspended ones are stored but never matched)."""
        index = cls(reference_lat=reference_lat, radius_classes=radius_classes)
        for volunteer in volunteers:
            index.upsert(volunteer)
        return index

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, volunteer_id: object) -> bool:
        return volunteer_id in self._slot_of

    def _class_of(self, radius: float) -> _Class:
        for radius_class in self._classes:
            if radius <= radius_class.max_radius:
                return radius_class
        return self._classes[-1]

    def _schedule(self, slot: int) -> bytes:
        start = slot * AVAILABILITY_BYTES
        return bytes(self._avail[start : start + AVAILABILITY_BYTES])

    def _link(self, slot: int) -> None:
        """Puts an active slot into its class's buckets."""
        lat, lng, radius = self._lat[slot], self._lng[slot], self._radius[slot]
        radius_class = self._class_of(radius)
        suffixes, hours = _skill_suffixes(self._skills[slot]), _hours_of(self._schedule(slot))
        radius_class.by_skill.add(radius_class.by_skill.cell(lat, lng), suffixes, slot)
        radius_class.by_hour.add(radius_class.by_hour.cell(lat, lng), hours, slot)
        radius_class.count(suffixes, hours, 1)
        radius_class.radius_counts[math.ceil(radius)] += 1
        self._active[slot] = 1

    def _unlink(self, slot: int) -> None:
        """Takes a slot out of the buckets (no-op when it is not active)."""
        if not self._active[slot]:
            return
        lat, lng, radius = self._lat[slot], self._lng[slot], self._radius[slot]
        radius_class = self._class_of(radius)
        suffixes, hours = _skill_suffixes(self._skills[slot]), _hours_of(self._schedule(slot))
        radius_class.by_skill.discard(radius_class.by_skill.cell(lat, lng), suffixes, slot)
        radius_class.by_hour.discard(radius_class.by_hour.cell(lat, lng), hours, slot)
        radius_class.count(suffixes, hours, -1)
        radius_class.radius_counts[math.ceil(radius)] -= 1
        self._active[slot] = 0

    def upsert(self, volunteer: Volunteer) -> None:
        """Adds or replaces a volunteer (position, skills, schedule, limits, load, status).

        Values are re-validated: the index must never hold a point or radius that would
        break its distance bounds."""
        rules.validate_point(volunteer.home, "home")
        radius = rules.validate_radius(volunteer.service_radius_km)
        mask = catalogue.skill_mask(catalogue.validate_skill_codes(volunteer.skills))
        schedule = availability_mask(tuple(volunteer.availability))
        max_tasks = rules.validate_max_concurrent_tasks(volunteer.max_concurrent_tasks)
        recent = volunteer.recent_assignments
        slot = self._slot_of.get(volunteer.id)
        if slot is None:
            slot = self._allocate(volunteer.id)
        else:
            self._unlink(slot)
        self._lat[slot] = volunteer.home.lat
        self._lng[slot] = volunteer.home.lng
        self._radius[slot] = radius
        self._skills[slot] = mask
        start = slot * AVAILABILITY_BYTES
        self._avail[start : start + AVAILABILITY_BYTES] = schedule
        self._open[slot] = min(max(volunteer.open_tasks, 0), 0xFFFF)
        self._max[slot] = max_tasks
        self._recent[slot] = recent.count
        self._recent_as_of[slot] = recent.as_of
        if volunteer.active:
            self._link(slot)

    def _allocate(self, volunteer_id: str) -> int:
        if self._free:
            slot = self._free.pop()
            self._ids[slot] = volunteer_id
        else:
            slot = len(self._ids)
            self._ids.append(volunteer_id)
            for column in (self._lat, self._lng, self._radius, self._recent, self._recent_as_of):
                column.append(0.0)
            self._skills.append(0)
            self._open.append(0)
            self._max.append(1)
            self._avail.extend(bytes(AVAILABILITY_BYTES))
            self._active.append(0)
        self._slot_of[volunteer_id] = slot
        return slot

    def remove(self, volunteer_id: str) -> bool:
        """Forgets a volunteer; False when unknown. The slot is reused by the next insert."""
        slot = self._slot_of.pop(volunteer_id, None)
        if slot is None:
            return False
        self._unlink(slot)
        self._ids[slot] = ""
        self._free.append(slot)
        return True

    def _slot(self, volunteer_id: str) -> int:
        slot = self._slot_of.get(volunteer_id)
        if slot is None:
            raise NotFound(f"volunteer {volunteer_id} is not in the matching index", field="volunteer_id")
        return slot

    def set_load(self, volunteer_id: str, open_tasks: int) -> None:
        """The volunteer's current number of open tasks (from claim/release events)."""
        self._open[self._slot(volunteer_id)] = min(max(open_tasks, 0), 0xFFFF)

    def set_recent(self, volunteer_id: str, recent: RecentAssignments) -> None:
        """The volunteer's decayed count of recent assignments, as stored with them."""
        slot = self._slot(volunteer_id)
        self._recent[slot] = recent.count
        self._recent_as_of[slot] = recent.as_of

    def record_assignment(self, volunteer_id: str, when: datetime) -> None:
        """One more recent assignment at ``when`` (feeds the fairness rule)."""
        slot = self._slot(volunteer_id)
        counter = RecentAssignments(self._recent[slot], self._recent_as_of[slot]).plus_one(epoch_seconds(when, "when"))
        self._recent[slot] = counter.count
        self._recent_as_of[slot] = counter.as_of

    # ------------------------------------------------------------------ queries

    def match(
        self, lat: float, lng: float, skills: Sequence[str], at: datetime, k: int = DEFAULT_K, *, category: str = ""
    ) -> list[Match]:
        """The best k active volunteers for a request at (lat, lng) needing ``skills`` (or
        one of the ``category``'s skills) at ``at``: [(volunteer id, score, distance km)],
        best first."""
        query = prepare_query(lat, lng, skills, at, k, category=category)
        return self._run(query, lambda heap: self._grid_buckets(query, heap))

    def linear_scan(
        self, lat: float, lng: float, skills: Sequence[str], at: datetime, k: int = DEFAULT_K, *, category: str = ""
    ) -> list[Match]:
        """The same ranking by scoring every stored volunteer: the baseline and the oracle."""
        query = prepare_query(lat, lng, skills, at, k, category=category)
        return self._run(
            query, lambda heap: iter(((compress(range(len(self._ids)), self._active), 0, None, None, 0.0),))
        )

    def breakdown(
        self, volunteer_id: str, lat: float, lng: float, skills: Sequence[str], at: datetime, *, category: str = ""
    ) -> ScoreBreakdown:
        """The score components of one volunteer for a query (for MatchCandidate.breakdown).
        It does not apply the hard rules: call it for volunteers ``match`` returned."""
        query = prepare_query(lat, lng, skills, at, category=category)
        slot = self._slot(volunteer_id)
        dy = (self._lat[slot] - query.lat) * KM_PER_DEGREE
        dx = (self._lng[slot] - query.lng) * km_per_degree_lng(query.lat)
        return score(
            skill_fit=skill_fit(self._skills[slot], query.mask, any_of=query.any_of),
            distance_km=math.sqrt(dx * dx + dy * dy),
            available=mask_has_slot(self._schedule(slot), query.slot),
            open_tasks=self._open[slot],
            max_tasks=self._max[slot],
            recent=recent_at(self._recent[slot], self._recent_as_of[slot], query.when),
        )

    def _grid_buckets(self, query: MatchQuery, heap: list[float]) -> _Source:
        """Yields (bucket, skip mask, required "free now", required "all skills"), walk by
        walk best bound first, until no unvisited volunteer can enter the top k."""
        kx = km_per_degree_lng(query.lat)
        walks = [
            _Walk.make(grid, reach, query, kx, suffixes, available, full, penalty)
            for radius_class in self._classes
            if (reach := radius_class.reach_km())
            for grid, suffixes, available, full, penalty in _walk_plans(radius_class, query)
        ]
        k = query.k
        while walks:
            walk = max(walks, key=_Walk.bound)
            if len(heap) >= k and walk.bound() < heap[0] - _SCORE_EPSILON:
                return
            buckets = walk.grid.buckets
            for base in walk.ring_cells(heap, k):
                for suffix, skip in walk.suffixes:
                    bucket = buckets.get(base | suffix)
                    if bucket:
                        yield bucket, skip, walk.available, walk.full, walk.penalty
            if not walk.advance():
                walks.remove(walk)

    def _run(self, query: MatchQuery, source: Callable[[list[float]], _Source]) -> list[Match]:
        """The scoring loop shared by the index and the linear scan.

        The arithmetic repeats ``scoring.score`` operation for operation (same operands, same
        order) so that totals are bit-identical to it; keep the two in step."""
        lat_col, lng_col, radius_col, skills_col = self._lat, self._lng, self._radius, self._skills
        avail, open_col, max_col = self._avail, self._open, self._max
        recent_col, recent_as_of = self._recent, self._recent_as_of
        sqrt = math.sqrt
        push, replace = heapq.heappush, heapq.heapreplace
        qlat, qlng, req, when, k = query.lat, query.lng, query.mask, query.when, query.k
        wanted = req.bit_count()
        share = wanted and not query.any_of  # skill fit is the share held (else 1)
        ky, kx = KM_PER_DEGREE, km_per_degree_lng(qlat)
        stride = AVAILABILITY_BYTES
        byte_at, bit = query.slot >> 3, 1 << (query.slot & 7)
        half_life = FAIRNESS_HALF_LIFE_SECONDS
        heap: list[float] = []
        found: list[tuple[float, float, int]] = []
        limit2 = math.inf
        for slots, skip, required, full, penalty in source(heap):
            if len(heap) >= k:
                limit2 = reach_squared(heap[0], penalty)
            for s in slots:  # active slots only: buckets hold no others, the scan filters them
                if required is not None and (avail[s * stride + byte_at] & bit != 0) is not required:
                    continue  # scored by the other part of the search (free now / not free now)
                held = skills_col[s]
                if held & skip:
                    continue  # already scored from an earlier skill's bucket
                matched = held & req
                if wanted and not matched:
                    continue
                if full is not None and (matched == req) is not full:
                    continue  # scored by the other part of the search (all skills / some)
                dy = (lat_col[s] - qlat) * ky
                dx = (lng_col[s] - qlng) * kx
                d2 = dx * dx + dy * dy
                r = radius_col[s]
                if d2 > r * r or d2 > limit2:
                    continue  # out of the volunteer's radius, or too far to beat the k-th best
                o = open_col[s]
                m = max_col[s]
                if o >= m:
                    continue
                d = sqrt(d2)
                count = recent_col[s]
                if count != 0.0:
                    as_of = recent_as_of[s]
                    if when > as_of:
                        count = count * 0.5 ** ((when - as_of) / half_life)
                total = (
                    W_SKILL * (matched.bit_count() / wanted if share else 1.0)
                    + W_DISTANCE * (1.0 / (1.0 + d / DISTANCE_HALF_KM))
                    + (W_AVAILABILITY if avail[s * stride + byte_at] & bit else 0.0)
                    + W_LOAD * (1.0 - o / m)
                    + W_FAIRNESS * (1.0 / (1.0 + count))
                )
                if len(heap) < k:
                    push(heap, total)
                    found.append((total, d, s))
                    if len(heap) == k:
                        limit2 = reach_squared(heap[0], penalty)
                elif total >= heap[0]:
                    if total > heap[0]:
                        replace(heap, total)
                        limit2 = reach_squared(heap[0], penalty)
                    found.append((total, d, s))
        threshold = heap[0] if len(heap) >= k else -math.inf
        ids = self._ids
        best = sorted((c for c in found if c[0] >= threshold), key=lambda c: (-c[0], c[1], ids[c[2]]))
        return [(ids[s], total, d) for total, d, s in best[:k]]

    # ------------------------------------------------------------------ introspection

    def memory_bytes(self) -> int:
        """Approximate bytes held by the index (columns, buckets, ids and their dict)."""
        columns = (
            self._lat, self._lng, self._radius, self._skills, self._avail, self._open, self._max,
            self._recent, self._recent_as_of, self._active, self._ids, self._slot_of, self._free,
        )  # fmt: skip
        total = sum(sys.getsizeof(column) for column in columns)
        total += sum(sys.getsizeof(i) for i in self._ids)
        total += sum(sys.getsizeof(slot) for slot in self._slot_of.values())
        for radius_class in self._classes:
            for grid in (radius_class.by_skill, radius_class.by_hour):
                total += sys.getsizeof(grid.buckets)
                total += sum(sys.getsizeof(bucket) for bucket in grid.buckets.values())
                total += sum(sys.getsizeof(key) for key in grid.buckets)
        return total

    def stats(self) -> dict[str, int]:
        """Counts for logs and metrics: volunteers, active ones, buckets per grid."""
        out = {"volunteers": len(self._slot_of), "active": sum(self._active)}
        for radius_class in self._classes:
            out[f"skill_buckets_r{radius_class.max_radius:g}"] = len(radius_class.by_skill.buckets)
            out[f"hour_buckets_r{radius_class.max_radius:g}"] = len(radius_class.by_hour.buckets)
        return out


@dataclass(slots=True)
class _Walk:
    """The ring-by-ring walk over one grid for one query.

    The walk scores only its part of the candidates (``available``: free at the query's
    quarter or not; ``full``: holding every requested skill or not; None: either), so its
    score bound is ``upper_bound`` less ``penalty``, the weight that part cannot earn."""

    grid: _Grid
    suffixes: list[tuple[int, int]]
    available: bool | None
    full: bool | None
    penalty: float
    row: int
    col: int
    rings: int
    reach2: float
    gap_x2: list[float]
    gap_y2: list[float]
    gap_min: list[float]
    ring: int = 0
    next_bound: float = 0.0

    @staticmethod
    def make(
        grid: _Grid,
        reach: int,
        query: MatchQuery,
        kx: float,
        suffixes: list[tuple[int, int]],
        available: bool | None,
        full: bool | None,
        penalty: float,
    ) -> _Walk:
        """A walk reaching ``reach`` km (the largest radius present in the class)."""
        dlat, dlng = grid.dlat, grid.dlng
        row = math.floor(query.lat / dlat)
        col = math.floor(query.lng / dlng)
        rings = math.ceil(reach / min(dlng * kx, dlat * KM_PER_DEGREE)) + 1
        span = range(-rings, rings + 1)
        gap_x = [_gap(query.lng, (col + i) * dlng, (col + i + 1) * dlng, kx) for i in span]
        gap_y = [_gap(query.lat, (row + j) * dlat, (row + j + 1) * dlat, KM_PER_DEGREE) for j in span]
        # gap_min[r]: the smallest gap of any cell in ring r (its nearest side).
        gap_min = [0.0] + [
            min(gap_x[rings - r], gap_x[rings + r], gap_y[rings - r], gap_y[rings + r]) for r in range(1, rings + 1)
        ]
        gap_x2 = [g * g for g in gap_x]
        gap_y2 = [g * g for g in gap_y]
        return _Walk(
            grid, suffixes, available, full, penalty, row, col, rings, float(reach * reach), gap_x2, gap_y2, gap_min
        )

    def bound(self) -> float:
        """The best score any volunteer in this walk's remaining rings could reach."""
        return upper_bound(self.next_bound) - self.penalty

    def ring_cells(self, heap: list[float], k: int) -> Iterator[int]:
        """Cell keys of the current ring that could hold a candidate: within reach of some
        volunteer of the class and, once k are found, near enough to beat the k-th score
        (the ring's nearest side bounds the ring; each cell's own gap bounds the cell)."""
        r, rings = self.ring, self.rings
        gx2, gy2, reach2 = self.gap_x2, self.gap_y2, self.reach2
        cell = _Grid.cell_key
        if r == 0:
            yield cell(self.row, self.col)
            return
        cells = [(j, i) for j in (-r, r) for i in range(-r, r + 1)]
        cells += [(j, i) for i in (-r, r) for j in range(-r + 1, r)]
        for j, i in cells:
            gap2 = gx2[rings + i] + gy2[rings + j]
            if gap2 > reach2 or (len(heap) >= k and gap2 > reach_squared(heap[0], self.penalty)):
                continue
            yield cell(self.row + j, self.col + i)

    def advance(self) -> bool:
        """Moves to the next ring; False when the walk is over."""
        self.ring += 1
        if self.ring > self.rings:
            return False
        self.next_bound = self.gap_min[self.ring]
        return self.next_bound * self.next_bound <= self.reach2


_Plan = tuple[_Grid, list[tuple[int, int]], bool | None, bool | None, float]


def _walk_plans(radius_class: _Class, query: MatchQuery) -> list[_Plan]:
    """The walks that together score every candidate of a class exactly once.

    Candidates split by "free at the query's quarter" and, when several skills are asked,
    by "holds them all". Each part gets its own walk and bound: parts that cannot earn the
    availability weight, or the full skill weight, stop much sooner. Each walk reads the
    smaller bucket family that contains its part: free volunteers from the hour grid when
    fewer people are free that hour than hold the skill (at night), else from the skill grid.
    """
    hour = query.slot // _QUARTERS_PER_HOUR
    free_now = radius_class.hour_counts[hour]
    skill_counts = radius_class.skill_counts
    by_hour, by_skill = radius_class.by_hour, radius_class.by_skill
    hour_bucket = [(hour, 0)]
    bits = [bit for bit in range(query.mask.bit_length()) if query.mask >> bit & 1]
    if not bits:
        return [(by_hour, hour_bucket, True, None, 0.0), (by_skill, [(_ANY_SKILL, 0)], False, None, W_AVAILABILITY)]
    each_once = [(bit + 1, query.mask & ((1 << bit) - 1)) for bit in bits]
    holders = sum(skill_counts[bit] for bit in bits)
    if query.any_of or len(bits) == 1:
        # Every holder of a requested skill is a full fit: one part per availability.
        return [
            (by_hour, hour_bucket, True, None, 0.0) if free_now <= holders else (by_skill, each_once, True, None, 0.0),
            (by_skill, each_once, False, None, W_AVAILABILITY),
        ]
    rarest = min(bits, key=lambda bit: skill_counts[bit])
    rarest_bucket = [(rarest + 1, 0)]
    plans: list[_Plan] = [
        (by_hour, hour_bucket, True, True, 0.0)
        if free_now <= skill_counts[rarest]
        else (by_skill, rarest_bucket, True, True, 0.0),
        (by_skill, rarest_bucket, False, True, W_AVAILABILITY),
    ]
    # Holding some but not all skills: the skill component is at most (n - 1) / n.
    shortfall = W_SKILL / len(bits)
    plans.append(
        (by_hour, hour_bucket, True, False, shortfall)
        if free_now <= holders
        else (by_skill, each_once, True, False, shortfall)
    )
    plans.append((by_skill, each_once, False, False, W_AVAILABILITY + shortfall))
    return plans


def _gap(value: float, low: float, high: float, scale: float) -> float:
    """Distance (km, along one axis) from ``value`` to the interval [low, high), less a
    millimetre so rounding can never make it exceed a true distance."""
    if value < low:
        return max(0.0, (low - value) * scale - _GAP_EPSILON_KM)
    if value > high:
        return max(0.0, (value - high) * scale - _GAP_EPSILON_KM)
    return 0.0


def linear_scan_match(
    index: MatchIndex,
    lat: float,
    lng: float,
    skills: Sequence[str],
    at: datetime,
    k: int = DEFAULT_K,
    *,
    category: str = "",
) -> list[Match]:
    """Baseline: score every volunteer in ``index`` (no spatial pruning); same results as
    ``index.match``."""
    return index.linear_scan(lat, lng, skills, at, k, category=category)
