"""MatchVolunteers at city scale: the in-memory MatchIndex against a linear scan of the same data.

Builds N synthetic volunteers (default 1,000,000) over a 120 km x 100 km area around Taizhou
(lat 28.6, lng 121.4), 70 % of them clustered around five urban centres and 30 % spread over
the countryside, then measures:

- index build time and memory (RSS growth of the process, and the index's own estimate);
- MatchVolunteers latency (p50/p90/p99/max) over Q random queries, drawn where people live
  (80 %) or anywhere in the area (20 %), with one, two, a category's worth or no skills, at
  random times of the week;
- a linear scan of the same volunteers for a few of the same queries (results must be equal),
  and the speed-up of the index over it.

Targets (issue 4): p99 < 10 ms, >= 100x faster than the scan, index memory < 600 MB.

    .venv/bin/python bench/bench_matching.py                      # the full run (~1-2 min)
    .venv/bin/python bench/bench_matching.py --volunteers 100000 --queries 200
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from linli.volunteers.domain import catalogue
from linli.volunteers.domain.match_index import MatchIndex, linear_scan_match
from linli.volunteers.domain.model import GeoPoint, RecentAssignments, TimeWindow, Volunteer

CENTRE_LAT, CENTRE_LNG = 28.6, 121.4
HALF_HEIGHT_KM, HALF_WIDTH_KM = 50.0, 60.0
KM_PER_DEG_LAT = 111.195
KM_PER_DEG_LNG = KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
#: Urban centres: (lat, lng, sigma km, share of the urban population).
CENTRES = (
    (28.68, 121.44, 4.0, 0.30),  # Jiaojiang
    (28.65, 121.26, 3.5, 0.20),  # Huangyan
    (28.58, 121.37, 3.5, 0.20),  # Luqiao
    (28.85, 121.14, 3.0, 0.15),  # Linhai (edge of the area)
    (28.37, 121.38, 3.0, 0.15),  # Wenling
)
URBAN_SHARE = 0.70
#: (radius range km, share): most people help close to home, a few travel far.
RADII = (((0.5, 3.0), 0.50), ((3.0, 6.0), 0.30), ((6.0, 10.0), 0.14), ((10.0, 20.0), 0.05), ((20.0, 50.0), 0.01))
EPOCH = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday

TARGET_P99_MS = 10.0
TARGET_SPEEDUP = 100.0
TARGET_MEMORY_MB = 600.0


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def clamp_to_area(lat: float, lng: float) -> tuple[float, float]:
    dlat, dlng = HALF_HEIGHT_KM / KM_PER_DEG_LAT, HALF_WIDTH_KM / KM_PER_DEG_LNG
    return (
        min(max(lat, CENTRE_LAT - dlat), CENTRE_LAT + dlat),
        min(max(lng, CENTRE_LNG - dlng), CENTRE_LNG + dlng),
    )


def random_place(rng: random.Random, urban_share: float = URBAN_SHARE) -> tuple[float, float]:
    if rng.random() < urban_share:
        lat0, lng0, sigma, _ = rng.choices(CENTRES, weights=[c[3] for c in CENTRES])[0]
        return clamp_to_area(
            lat0 + rng.gauss(0.0, sigma) / KM_PER_DEG_LAT, lng0 + rng.gauss(0.0, sigma) / KM_PER_DEG_LNG
        )
    return (
        CENTRE_LAT + rng.uniform(-HALF_HEIGHT_KM, HALF_HEIGHT_KM) / KM_PER_DEG_LAT,
        CENTRE_LNG + rng.uniform(-HALF_WIDTH_KM, HALF_WIDTH_KM) / KM_PER_DEG_LNG,
    )


def schedule_patterns(rng: random.Random) -> list[tuple[TimeWindow, ...]]:
    """A few dozen weekly schedules people actually keep (evenings, weekends, retirees'
    mornings, ...); volunteers share them, as real ones do."""
    evenings = tuple(TimeWindow(d, "18:30", "21:00") for d in range(1, 6))
    weekends = tuple(TimeWindow(d, "09:00", "17:00") for d in (6, 7))
    mornings = tuple(TimeWindow(d, "08:00", "11:30") for d in range(1, 8))
    patterns = [evenings, weekends, evenings + weekends, mornings, ()]
    for _ in range(40):
        days = sorted(rng.sample(range(1, 8), rng.randint(1, 5)))
        start = rng.randint(7, 18)
        length = rng.randint(2, 5)
        patterns.append(tuple(TimeWindow(d, f"{start:02d}:00", f"{min(start + length, 24):02d}:00") for d in days))
    return patterns


def synthetic_volunteers(n: int, seed: int) -> Iterator[Volunteer]:
    """N volunteers, generated lazily so the benchmark never holds them all as objects."""
    rng = random.Random(seed)
    skills = [s.code for s in catalogue.list_skills()]
    popularity = [1.0 / (1 + i) ** 0.7 for i in range(len(skills))]  # a few skills are common
    rng.shuffle(popularity)
    patterns = schedule_patterns(rng)
    radius_ranges = [r for r, _ in RADII]
    radius_weights = [w for _, w in RADII]
    for i in range(n):
        lat, lng = random_place(rng)
        low, high = rng.choices(radius_ranges, weights=radius_weights)[0]
        held = {*rng.choices(skills, weights=popularity, k=rng.randint(1, 4))}
        recent = RecentAssignments(rng.uniform(0.5, 3.0), EPOCH.timestamp() - rng.uniform(0, 30 * 86400))
        yield Volunteer(
            id=f"vol_{i:022d}",
            person_id=f"p{i}",
            display_name="v",
            home_community_id="c",
            skills=tuple(held),
            service_radius_km=round(rng.uniform(low, high), 1),
            home=GeoPoint(lat, lng),
            availability=rng.choice(patterns),
            max_concurrent_tasks=rng.randint(1, 5),
            open_tasks=0 if rng.random() < 0.8 else rng.randint(0, 2),
            recent_assignments=recent if rng.random() < 0.3 else RecentAssignments(),
            created_at=EPOCH,
            updated_at=EPOCH,
        )


Query = tuple[float, float, list[str], str, datetime, int]


def random_queries(q: int, seed: int) -> list[Query]:
    rng = random.Random(seed + 1)
    skills = [s.code for s in catalogue.list_skills()]
    categories = list(catalogue.CATEGORY_SKILLS_DATA)
    out: list[Query] = []
    for _ in range(q):
        lat, lng = random_place(rng) if rng.random() < 0.8 else random_place(rng, urban_share=0.0)
        kind = rng.random()
        wanted: list[str] = []
        category = ""
        if kind < 0.60:
            wanted = [rng.choice(skills)]
        elif kind < 0.75:
            wanted = rng.sample(skills, 2)  # both needed
        elif kind < 0.90:
            category = rng.choice(categories)  # its skills are alternatives
        at = EPOCH + timedelta(minutes=rng.randrange(7 * 24 * 60))
        out.append((lat, lng, wanted, category, at, 10))
    return out


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--scan-queries", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    print(f"MatchVolunteers benchmark: {args.volunteers:,} volunteers, {args.queries:,} queries", flush=True)
    gc.collect()
    rss_before = rss_bytes()
    started = time.perf_counter()
    index = MatchIndex(reference_lat=CENTRE_LAT)
    gc.disable()  # the build allocates no cycles; the collector would only rescan the ids
    try:
        for volunteer in synthetic_volunteers(args.volunteers, args.seed):
            index.upsert(volunteer)
    finally:
        gc.enable()
    build_s = time.perf_counter() - started
    gc.collect()
    index_rss_mb = (rss_bytes() - rss_before) / 1e6
    index_est_mb = index.memory_bytes() / 1e6
    print(f"  built in {build_s:.1f} s: {index.stats()}", flush=True)

    queries = random_queries(args.queries, args.seed)
    for lat, lng, wanted, category, at, k in queries[:20]:  # warm-up
        index.match(lat, lng, wanted, at, k, category=category)
    latencies_ms: list[float] = []
    results = []
    for lat, lng, wanted, category, at, k in queries:
        t0 = time.perf_counter_ns()
        results.append(index.match(lat, lng, wanted, at, k, category=category))
        latencies_ms.append((time.perf_counter_ns() - t0) / 1e6)
    ordered = sorted(latencies_ms)
    index_mean = statistics.fmean(latencies_ms)
    empty = sum(1 for r in results if not r)

    scan_ms: list[float] = []
    same_index_ms: list[float] = []
    mismatches = 0
    for i, (lat, lng, wanted, category, at, k) in enumerate(queries[: args.scan_queries]):
        t0 = time.perf_counter_ns()
        baseline = linear_scan_match(index, lat, lng, wanted, at, k, category=category)
        scan_ms.append((time.perf_counter_ns() - t0) / 1e6)
        same_index_ms.append(latencies_ms[i])
        mismatches += baseline != results[i]
        print(f"  scan {i + 1}/{args.scan_queries}: {scan_ms[-1]:.0f} ms (index {latencies_ms[i]:.2f} ms)", flush=True)
    scan_mean = statistics.fmean(scan_ms) if scan_ms else math.nan
    speedup_mean = scan_mean / index_mean
    speedup_same = scan_mean / statistics.fmean(same_index_ms) if same_index_ms else math.nan

    p99 = percentile(ordered, 99)
    memory_mb = max(index_rss_mb, index_est_mb)
    rows = [
        ("volunteers", f"{args.volunteers:,}", ""),
        ("index build", f"{build_s:.1f} s", f"{build_s / args.volunteers * 1e6:.1f} us/volunteer"),
        ("index memory (RSS growth)", f"{index_rss_mb:.0f} MB", ""),
        ("index memory (estimate)", f"{index_est_mb:.0f} MB", ""),
        ("queries", f"{len(queries):,}", f"{empty} with no candidate"),
        ("match p50", f"{percentile(ordered, 50):.2f} ms", ""),
        ("match p90", f"{percentile(ordered, 90):.2f} ms", ""),
        ("match p99", f"{p99:.2f} ms", ""),
        ("match max", f"{ordered[-1]:.2f} ms", ""),
        ("match mean", f"{index_mean:.2f} ms", ""),
        ("linear scan mean", f"{scan_mean:.0f} ms", f"{len(scan_ms)} queries, {mismatches} result mismatches"),
        ("speed-up (scan mean / index mean)", f"{speedup_mean:.0f}x", ""),
        ("speed-up (same queries)", f"{speedup_same:.0f}x", ""),
    ]
    print()
    print(f"{'measure':<36}{'value':>14}  note")
    print("-" * 80)
    for name, value, note in rows:
        print(f"{name:<36}{value:>14}  {note}")
    print("-" * 80)
    checks = [
        (f"p99 < {TARGET_P99_MS:g} ms", p99 < TARGET_P99_MS),
        (f">= {TARGET_SPEEDUP:g}x faster than the linear scan", speedup_mean >= TARGET_SPEEDUP),
        (f"index memory < {TARGET_MEMORY_MB:g} MB", memory_mb < TARGET_MEMORY_MB),
        ("index results equal the linear scan", mismatches == 0),
    ]
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    if args.volunteers != 1_000_000:
        print("(the targets are set for 1,000,000 volunteers; smaller runs shrink the scan more than the index)")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
