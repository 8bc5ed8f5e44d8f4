"""MatchIndex: same answers as the linear scan and as ``rank_volunteers`` over domain
objects, and kept current by upsert, remove, set_load and record_assignment."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from linli.common.errors import InvalidArgument, NotFound
from linli.volunteers.domain import catalogue, matching
from linli.volunteers.domain.match_index import MatchIndex, RadiusClass, linear_scan_match
from linli.volunteers.domain.model import GeoPoint, RecentAssignments, TimeWindow, Volunteer, VolunteerStatus

MONDAY_10_LOCAL = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
LAT, LNG = 28.6, 121.4
Factory = Callable[..., Volunteer]
SKILLS = [s.code for s in catalogue.list_skills()]
CATEGORIES = ["repairs", "medical", "elderly_care", "repairs.electrical", "parking"]


def random_volunteers(n: int, seed: int, lat: float = LAT, lng: float = LNG) -> list[Volunteer]:
    """Volunteers over ~45 km x 50 km, a dense core and a sparse rim, every rule exercised:
    radii up to 50 km, schedules at odd minutes, loads up to the limit, suspensions and
    recent assignments."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if rng.random() < 0.6:
            point = GeoPoint(lat + rng.gauss(0, 0.03), lng + rng.gauss(0, 0.03))
        else:
            point = GeoPoint(lat + rng.uniform(-0.2, 0.2), lng + rng.uniform(-0.25, 0.25))
        windows = []
        for day in rng.sample(range(1, 8), rng.randint(0, 3)):
            start = rng.randrange(0, 22 * 60, 5)
            end = min(start + rng.randrange(30, 300, 5), 24 * 60)
            windows.append(TimeWindow(day, f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"))
        max_tasks = rng.randint(1, 4)
        volunteer = Volunteer(
            id=f"vol_{i:05d}",
            person_id=f"p{i}",
            display_name="v",
            home_community_id="org_c",
            skills=tuple(rng.sample(SKILLS[:10], rng.randint(1, 3))),
            service_radius_km=rng.choice([0.5, 1.0, 2.5, 4.0, 7.5, 10.0, 12.0, 25.0, 50.0]),
            home=point,
            availability=tuple(windows),
            max_concurrent_tasks=max_tasks,
            open_tasks=rng.randint(0, max_tasks),
            status=VolunteerStatus.SUSPENDED if rng.random() < 0.05 else VolunteerStatus.ACTIVE,
            recent_assignments=RecentAssignments(
                rng.choice([0.0, 0.0, 1.0, 2.5]), MONDAY_10_LOCAL.timestamp() - rng.uniform(-86400, 30 * 86400)
            ),
            created_at=MONDAY_10_LOCAL,
            updated_at=MONDAY_10_LOCAL,
        )
        out.append(volunteer)
    return out


Query = tuple[float, float, list[str], str, datetime, int]


def random_queries(n: int, seed: int, lat: float = LAT, lng: float = LNG) -> list[Query]:
    rng = random.Random(seed)
    queries: list[Query] = []
    for i in range(n):
        spread = 0.03 if i % 2 else 0.3
        skills = rng.sample(SKILLS[:10], rng.choice([0, 1, 1, 2, 3]))
        category = rng.choice(CATEGORIES) if not skills and rng.random() < 0.5 else ""
        at = MONDAY_10_LOCAL + timedelta(minutes=rng.randrange(7 * 24 * 60))
        k = rng.choice([1, 3, 10, 25, 100])
        queries.append(
            (lat + rng.uniform(-spread, spread), lng + rng.uniform(-spread, spread), skills, category, at, k)
        )
    return queries


@pytest.fixture(scope="module")
def population() -> list[Volunteer]:
    return random_volunteers(20_000, seed=7)


@pytest.fixture(scope="module")
def index(population: list[Volunteer]) -> MatchIndex:
    return MatchIndex.build(population, reference_lat=LAT)


def as_tuples(candidates: list[matching.Candidate]) -> list[tuple[str, float, float]]:
    return [(c.volunteer_id, c.score, c.distance_km) for c in candidates]


def test_index_agrees_with_linear_scan_and_reference(population: list[Volunteer], index: MatchIndex) -> None:
    non_empty = 0
    for lat, lng, skills, category, at, k in random_queries(24, seed=11):
        fast = index.match(lat, lng, skills, at, k, category=category)
        assert fast == linear_scan_match(index, lat, lng, skills, at, k, category=category)
        assert fast == as_tuples(matching.rank_volunteers(population, lat, lng, skills, at, k, category=category))
        assert [score for _, score, _ in fast] == sorted((score for _, score, _ in fast), reverse=True)
        non_empty += bool(fast)
    assert non_empty >= 20


def test_index_agrees_with_linear_scan_on_many_queries(index: MatchIndex) -> None:
    for lat, lng, skills, category, at, k in random_queries(150, seed=12):
        expected = index.linear_scan(lat, lng, skills, at, k, category=category)
        assert index.match(lat, lng, skills, at, k, category=category) == expected


def test_other_radius_classes_give_the_same_answers(population: list[Volunteer], index: MatchIndex) -> None:
    single = MatchIndex(reference_lat=40.0, radius_classes=[RadiusClass(50.0, 2.5, 5.0)])
    three = MatchIndex(
        reference_lat=LAT,
        radius_classes=[RadiusClass(3.0, 0.5, 1.0), RadiusClass(15.0, 2.0, 2.0), RadiusClass(50.0, 6.0, 6.0)],
    )
    for volunteer in population[:5000]:
        single.upsert(volunteer)
        three.upsert(volunteer)
    for lat, lng, skills, category, at, k in random_queries(30, seed=13):
        expected = single.linear_scan(lat, lng, skills, at, k, category=category)
        assert single.match(lat, lng, skills, at, k, category=category) == expected
        assert three.match(lat, lng, skills, at, k, category=category) == expected


def test_works_in_every_hemisphere() -> None:
    for lat, lng in [(-33.87, 151.21), (40.71, -74.0), (-12.05, -77.04)]:
        people = random_volunteers(800, seed=3, lat=lat, lng=lng)
        built = MatchIndex.build(people, reference_lat=lat)
        for q_lat, q_lng, skills, category, at, k in random_queries(15, seed=4, lat=lat, lng=lng):
            expected = as_tuples(matching.rank_volunteers(people, q_lat, q_lng, skills, at, k, category=category))
            assert built.match(q_lat, q_lng, skills, at, k, category=category) == expected


def test_breakdown_total_is_the_match_score(index: MatchIndex) -> None:
    for lat, lng, skills, category, at, k in random_queries(10, seed=14):
        for volunteer_id, score, _ in index.match(lat, lng, skills, at, k, category=category):
            assert index.breakdown(volunteer_id, lat, lng, skills, at, category=category).total == score


def make_small_index(new_volunteer: Factory) -> MatchIndex:
    index = MatchIndex(reference_lat=LAT)
    index.upsert(new_volunteer("a", lat=LAT + 0.001))
    index.upsert(new_volunteer("b", lat=LAT + 0.01))
    index.upsert(new_volunteer("c", lat=LAT + 0.02, skills=("tutoring",)))
    return index


def found(index: MatchIndex, skills: list[str] | None = None) -> list[str]:
    return [vid for vid, _, _ in index.match(LAT, LNG, skills or ["plumbing"], MONDAY_10_LOCAL, 10)]


def test_upsert_moves_and_changes_a_volunteer(new_volunteer: Factory) -> None:
    index = make_small_index(new_volunteer)
    assert found(index) == ["a", "b"]
    index.upsert(new_volunteer("a", lat=LAT + 0.3))  # moved 33 km away, radius 5 km
    assert found(index) == ["b"]
    index.upsert(new_volunteer("c", lat=LAT + 0.005, skills=("tutoring", "plumbing")))
    assert found(index) == ["c", "b"]
    assert found(index, ["tutoring"]) == ["c"]
    assert len(index) == 3 and "a" in index


def test_suspension_through_upsert(new_volunteer: Factory) -> None:
    index = make_small_index(new_volunteer)
    suspended = new_volunteer("a", lat=LAT + 0.001)
    suspended.status = VolunteerStatus.SUSPENDED
    index.upsert(suspended)
    assert found(index) == ["b"]
    index.upsert(new_volunteer("a", lat=LAT + 0.001))
    assert found(index) == ["a", "b"]


def test_remove_and_slot_reuse(new_volunteer: Factory) -> None:
    index = make_small_index(new_volunteer)
    assert index.remove("a") is True
    assert index.remove("a") is False
    assert found(index) == ["b"] and len(index) == 2
    index.upsert(new_volunteer("d", lat=LAT))
    assert found(index) == ["d", "b"]
    assert index.linear_scan(LAT, LNG, ["plumbing"], MONDAY_10_LOCAL) == index.match(
        LAT, LNG, ["plumbing"], MONDAY_10_LOCAL
    )


def test_load_updates(new_volunteer: Factory) -> None:
    index = make_small_index(new_volunteer)
    index.set_load("a", 3)  # at the limit of 3
    assert found(index) == ["b"]
    index.set_load("a", 1)
    assert found(index) == ["a", "b"]
    assert index.breakdown("a", LAT, LNG, ["plumbing"], MONDAY_10_LOCAL).load == pytest.approx(2 / 3)
    with pytest.raises(NotFound):
        index.set_load("nobody", 1)


def test_recent_assignments_lower_the_rank(new_volunteer: Factory) -> None:
    index = MatchIndex(reference_lat=LAT)
    index.upsert(new_volunteer("a", lat=LAT + 0.001))
    index.upsert(new_volunteer("b", lat=LAT + 0.0015))
    assert found(index) == ["a", "b"]
    index.record_assignment("a", MONDAY_10_LOCAL - timedelta(hours=1))
    assert found(index) == ["b", "a"]
    assert index.breakdown("a", LAT, LNG, ["plumbing"], MONDAY_10_LOCAL).fairness < 0.51
    with pytest.raises(InvalidArgument):
        index.record_assignment("a", datetime(2025, 3, 3))


def test_invalid_volunteers_are_rejected(new_volunteer: Factory) -> None:
    index = MatchIndex()
    with pytest.raises(InvalidArgument) as err:
        index.upsert(new_volunteer("x", radius=80.0))
    assert err.value.field == "service_radius_km"
    with pytest.raises(InvalidArgument) as err:
        index.upsert(new_volunteer("x", lat=95.0))
    assert err.value.field == "home.lat"
    assert len(index) == 0


def test_empty_index_and_introspection(new_volunteer: Factory) -> None:
    index = MatchIndex()
    assert index.match(LAT, LNG, [], MONDAY_10_LOCAL) == []
    index.upsert(new_volunteer("a", availability=(TimeWindow(1, "08:00", "12:00"),)))
    stats = index.stats()
    assert stats["volunteers"] == 1 and stats["active"] == 1
    assert index.memory_bytes() > 0
    with pytest.raises(ValueError, match="last radius class"):
        MatchIndex(radius_classes=[RadiusClass(10.0, 1.0, 2.0)])
