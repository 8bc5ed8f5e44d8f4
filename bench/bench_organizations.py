"""Organisation tree and grid lookups on a city of 10,000 organisations and 5,000 grids.

Measures, in the same run:
- subtree listing through the service's in-memory directory vs a naive scan of every
  organisation (what a store without a usable index does), and vs the same query on FerretDB
  (`find({"path": root})`, unless --no-db);
- point-to-grid lookup through the GridIndex vs a linear scan of all polygons.
Prints p50/p99 latencies and the speed-up ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import uuid
from collections.abc import Callable

from linli.organizations.domain.geo import GeoPoint, GridIndex, Polygon, naive_locate
from linli.organizations.domain.model import LocalizedText, Organization, OrganizationKind
from linli.organizations.service_layer.directory import Directory

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
KINDS = [
    OrganizationKind.DISTRICT,
    OrganizationKind.STREET_OFFICE,
    OrganizationKind.COMMUNITY_COMMITTEE,
    OrganizationKind.COMPOUND_BRANCH,
    OrganizationKind.BUILDING_GROUP,
]


def build_city(total: int, rng: random.Random) -> list[Organization]:
    """A district, 20 streets, 25 communities each, then compounds and buildings up to `total`."""
    orgs: list[Organization] = []

    def add(kind: OrganizationKind, parent: Organization | None) -> Organization:
        org = Organization(
            id=f"org_{len(orgs):06d}",
            kind=kind,
            code=f"C{len(orgs):06d}",
            name=LocalizedText(zh=f"组织{len(orgs)}", en=f"Org {len(orgs)}"),
            parent_id=parent.id if parent else None,
            path=parent.subtree_path if parent else (),
            created_at=NOW,
            updated_at=NOW,
        )
        orgs.append(org)
        return org

    district = add(OrganizationKind.DISTRICT, None)
    streets = [add(OrganizationKind.STREET_OFFICE, district) for _ in range(20)]
    communities = [add(OrganizationKind.COMMUNITY_COMMITTEE, s) for s in streets for _ in range(25)]
    compounds = [add(OrganizationKind.COMPOUND_BRANCH, c) for c in communities for _ in range(4)]
    while len(orgs) < total:
        add(OrganizationKind.BUILDING_GROUP, rng.choice(compounds))
    return orgs


def build_grids(count: int, rng: random.Random) -> list[tuple[str, Polygon]]:
    """Hexagon-ish cells tiling a ~70 km x 70 km area around Taizhou."""
    side = int(count**0.5) + 1
    size = 0.6 / side
    grids = []
    for n in range(count):
        row, col = divmod(n, side)
        lat, lng = 28.3 + row * size, 121.1 + col * size
        jitter = size * 0.1
        ring = (
            GeoPoint(lat, lng + jitter),
            GeoPoint(lat, lng + size - jitter),
            GeoPoint(lat + size / 2, lng + size),
            GeoPoint(lat + size, lng + size - jitter),
            GeoPoint(lat + size, lng + jitter),
            GeoPoint(lat + size / 2, lng + rng.uniform(0, jitter)),
        )
        grids.append((f"grid_{n:05d}", Polygon(ring)))
    return grids


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def row(name: str, samples: list[float]) -> tuple[str, float, float]:
    return name, pct(samples, 0.5) * 1e6, pct(samples, 0.99) * 1e6


def print_table(title: str, rows: list[tuple[str, float, float]]) -> None:
    """Speed-ups are against the first row, measured in the same run."""
    print(f"\n{title}")
    print(f"  {'method':<44}{'p50 µs':>12}{'p99 µs':>12}{'p50 speed-up':>14}")
    for name, p50, p99 in rows:
        print(f"  {name:<44}{p50:>12.1f}{p99:>12.1f}{rows[0][1] / p50:>13.3f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=10_000)
    parser.add_argument("--grids", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-db", action="store_true", help="skip the FerretDB baseline")
    args = parser.parse_args()
    rng = random.Random(7)

    orgs = build_city(args.organizations, rng)
    directory = Directory()
    started = time.perf_counter()
    for org in orgs:
        directory.put_organization(org)
    load_seconds = time.perf_counter() - started
    roots = [o for o in orgs if o.kind in (OrganizationKind.STREET_OFFICE, OrganizationKind.COMMUNITY_COMMITTEE)]
    queries = [rng.choice(roots).id for _ in range(args.queries)]
    position = iter(range(10**9))

    def indexed() -> object:
        return directory.subtree(queries[next(position) % len(queries)])

    def naive() -> object:
        root = queries[next(position) % len(queries)]
        found = [o for o in orgs if root in o.path]
        found.sort(key=lambda o: (*o.path, o.code))
        return found

    assert {o.id for o in directory.subtree(queries[0])} == {o.id for o in orgs if queries[0] in o.path}
    rows = [
        row("naive scan of all organisations", timed(naive, args.queries)),
        row("in-memory directory (service)", timed(indexed, args.queries)),
    ]
    if not args.no_db:
        rows.append(row("FerretDB find({path: root}) (no pushdown)", db_baseline(orgs, queries)))
    print(f"city: {len(orgs)} organisations, directory load {load_seconds * 1000:.0f} ms")
    print_table(f"ListSubtree (roots: streets and communities, {args.queries} queries)", rows)

    grids = build_grids(args.grids, rng)
    started = time.perf_counter()
    index = GridIndex.build(grids)
    build_ms = (time.perf_counter() - started) * 1000
    points = [GeoPoint(rng.uniform(28.28, 28.92), rng.uniform(121.08, 121.72)) for _ in range(args.queries * 4)]
    assert all(index.locate(p) == naive_locate(p, grids) for p in points[:200])
    positions = iter(range(10**9))
    grid_rows = [
        row(
            "linear scan of all grid polygons",
            timed(lambda: naive_locate(points[next(positions) % len(points)], grids), args.queries),
        ),
        row(
            "GridIndex (service)", timed(lambda: index.locate(points[next(positions) % len(points)]), args.queries * 4)
        ),
    ]
    print(f"\ngrids: {len(grids)}, index build {build_ms:.0f} ms")
    print_table(f"LocateGrid ({len(points)} random points)", grid_rows)
    print(
        f"\nRESULT subtree speed-up vs naive scan: {rows[0][1] / rows[1][1]:.1f}x (p50), "
        f"{rows[0][2] / rows[1][2]:.1f}x (p99); grid lookup speed-up: {grid_rows[0][1] / grid_rows[1][1]:.1f}x (p50)"
    )


def db_baseline(orgs: list[Organization], queries: list[str]) -> list[float]:
    from pymongo import MongoClient  # noqa: PLC0415 - only with the database baseline

    from tests.support.infra import start_infra  # noqa: PLC0415

    infra = start_infra(kafka=False)
    try:
        client: MongoClient[dict[str, object]] = MongoClient(infra.mongo_uri)
        collection = client[f"bench_{uuid.uuid4().hex[:6]}"]["organizations"]
        collection.create_index("path")
        collection.insert_many(
            [{"_id": o.id, "code": o.code, "path": list(o.path), "parent_id": o.parent_id} for o in orgs]
        )
        position = iter(range(10**9))
        samples = timed(
            lambda: list(collection.find({"path": queries[next(position) % len(queries)]})), min(30, len(queries))
        )
        client.close()
        return samples
    finally:
        infra.stop()


if __name__ == "__main__":
    main()
