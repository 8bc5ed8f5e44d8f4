"""Ranking rules of matching: hard rules, the weight table, time and fairness helpers."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from linli.common.errors import InvalidArgument
from linli.volunteers.domain import matching, scoring
from linli.volunteers.domain.model import FAIRNESS_HALF_LIFE_SECONDS, RecentAssignments, TimeWindow, Volunteer

MONDAY_10_LOCAL = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
Factory = Callable[..., Volunteer]
LAT, LNG = 28.6, 121.4
KM = 1.0 / scoring.KM_PER_DEGREE  # one kilometre of latitude in degrees


def ids(candidates: list[matching.Candidate]) -> list[str]:
    return [c.volunteer_id for c in candidates]


def test_weights_sum_to_one() -> None:
    total = scoring.W_SKILL + scoring.W_DISTANCE + scoring.W_AVAILABILITY + scoring.W_LOAD + scoring.W_FAIRNESS
    assert math.isclose(total, 1.0)
    assert math.isclose(scoring.upper_bound(0.0), 1.0)


def test_score_components() -> None:
    b = scoring.score(skill_fit=0.5, distance_km=2.0, available=True, open_tasks=1, max_tasks=4, recent=1.0)
    assert (b.skill_fit, b.distance, b.availability, b.load, b.fairness) == (0.5, 0.5, 1.0, 0.75, 0.5)
    assert math.isclose(b.total, 0.3 * 0.5 + 0.3 * 0.5 + 0.2 + 0.1 * 0.75 + 0.1 * 0.5)


def test_reach_squared_matches_the_upper_bound() -> None:
    threshold = scoring.upper_bound(3.0)
    assert math.isclose(math.sqrt(scoring.reach_squared(threshold)), 3.0, rel_tol=1e-6)
    assert scoring.reach_squared(0.5) == math.inf  # even far away one can score 0.7
    assert scoring.reach_squared(0.95, penalty=0.2) < 0  # without availability 0.8 is the best


def test_nearer_ranks_higher(new_volunteer: Factory) -> None:
    near = new_volunteer("near", lat=LAT + 0.5 * KM)
    far = new_volunteer("far", lat=LAT + 3 * KM)
    assert ids(matching.rank_volunteers([far, near], LAT, LNG, ["plumbing"], MONDAY_10_LOCAL)) == ["near", "far"]


def test_skill_fit_is_the_share_of_requested_skills(new_volunteer: Factory) -> None:
    both = new_volunteer("both", skills=("plumbing", "electrical_repair"), lat=LAT + 1 * KM)
    one = new_volunteer("one", skills=("plumbing",))
    ranked = matching.rank_volunteers([one, both], LAT, LNG, ["plumbing", "electrical_repair"], MONDAY_10_LOCAL)
    assert ids(ranked) == ["both", "one"]
    assert [c.breakdown.skill_fit for c in ranked] == [1.0, 0.5]


def test_category_skills_are_alternatives(new_volunteer: Factory) -> None:
    plumber = new_volunteer("plumber", skills=("plumbing",))
    tutor = new_volunteer("tutor", skills=("tutoring",))
    ranked = matching.rank_volunteers([plumber, tutor], LAT, LNG, [], MONDAY_10_LOCAL, category="repairs")
    assert ids(ranked) == ["plumber"]
    assert ranked[0].breakdown.skill_fit == 1.0


def test_no_skills_requested_matches_everyone(new_volunteer: Factory) -> None:
    people = [new_volunteer("a", skills=("tutoring",)), new_volunteer("b", skills=("driving",))]
    assert len(matching.rank_volunteers(people, LAT, LNG, [], MONDAY_10_LOCAL)) == 2


def test_availability_now_counts_in_city_time(new_volunteer: Factory) -> None:
    free = new_volunteer("free", lat=LAT + 1 * KM, availability=(TimeWindow(1, "09:00", "11:00"),))
    busy = new_volunteer("busy", availability=(TimeWindow(1, "18:00", "21:00"),))
    ranked = matching.rank_volunteers([busy, free], LAT, LNG, ["plumbing"], MONDAY_10_LOCAL)
    assert ids(ranked) == ["free", "busy"]  # availability outweighs one kilometre
    evening = MONDAY_10_LOCAL + timedelta(hours=9)  # Monday 19:00 in the city
    assert ids(matching.rank_volunteers([busy, free], LAT, LNG, ["plumbing"], evening)) == ["busy", "free"]


def test_load_and_fairness_break_ties(new_volunteer: Factory) -> None:
    idle = new_volunteer("idle")
    loaded = new_volunteer("loaded", open_tasks=2)
    assert ids(matching.rank_volunteers([loaded, idle], LAT, LNG, ["plumbing"], MONDAY_10_LOCAL)) == ["idle", "loaded"]
    rested = new_volunteer("rested")
    busy_lately = new_volunteer("busy_lately")
    busy_lately.recent_assignments = RecentAssignments(3.0, MONDAY_10_LOCAL.timestamp())
    ranked = matching.rank_volunteers([busy_lately, rested], LAT, LNG, ["plumbing"], MONDAY_10_LOCAL)
    assert ids(ranked) == ["rested", "busy_lately"]
    assert ranked[1].breakdown.fairness == 0.25


def test_hard_rules_exclude(new_volunteer: Factory) -> None:
    out_of_radius = new_volunteer("far", lat=LAT + 6 * KM, radius=5.0)
    full = new_volunteer("full", open_tasks=3, max_tasks=3)
    wrong_skill = new_volunteer("tutor", skills=("tutoring",))
    suspended = new_volunteer("suspended")
    suspended.status = suspended.status.SUSPENDED
    ok = new_volunteer("ok", lat=LAT + 4.9 * KM, radius=5.0)
    people = [out_of_radius, full, wrong_skill, suspended, ok]
    assert ids(matching.rank_volunteers(people, LAT, LNG, ["plumbing"], MONDAY_10_LOCAL)) == ["ok"]


def test_ties_are_broken_by_distance_then_id(new_volunteer: Factory) -> None:
    twins = [new_volunteer("b"), new_volunteer("a"), new_volunteer("c")]
    assert ids(matching.rank_volunteers(twins, LAT, LNG, ["plumbing"], MONDAY_10_LOCAL, k=2)) == ["a", "b"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: matching.prepare_query(95.0, LNG, [], MONDAY_10_LOCAL), "location.lat"),
        (lambda: matching.prepare_query(LAT, LNG, ["juggling"], MONDAY_10_LOCAL), "skills[0]"),
        (lambda: matching.prepare_query(LAT, LNG, [], datetime(2025, 3, 3, 10)), "at"),
        (lambda: matching.prepare_query(LAT, LNG, [], MONDAY_10_LOCAL, k=0), "k"),
        (lambda: matching.prepare_query(LAT, LNG, [], MONDAY_10_LOCAL, k=101), "k"),
    ],
)
def test_bad_queries_name_the_field(call: Callable[[], object], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        call()
    assert err.value.field == field


def test_week_slot_uses_utc_plus_8() -> None:
    monday_midnight_local = datetime(2025, 3, 3, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    assert scoring.week_slot(monday_midnight_local.timestamp()) == 0
    assert scoring.week_slot(MONDAY_10_LOCAL.timestamp()) == 40  # 10:00 -> quarter 40
    sunday_late = datetime(2025, 3, 9, 23, 59, tzinfo=timezone(timedelta(hours=8)))
    assert scoring.week_slot(sunday_late.timestamp()) == scoring.SLOTS_PER_WEEK - 1


def test_availability_mask_is_quarter_hour_resolution() -> None:
    windows = (TimeWindow(1, "08:10", "09:00"), TimeWindow(7, "23:00", "24:00"))
    mask = scoring.availability_mask(windows)
    slots = [s for s in range(scoring.SLOTS_PER_WEEK) if scoring.mask_has_slot(mask, s)]
    # 08:15, 08:30, 08:45 (08:00 starts before the window), and Sunday's last hour
    assert slots == [33, 34, 35, *range(scoring.SLOTS_PER_WEEK - 4, scoring.SLOTS_PER_WEEK)]
    local = timezone(timedelta(hours=8))
    assert scoring.is_available(windows, datetime(2025, 3, 3, 8, 20, tzinfo=local))
    assert not scoring.is_available(windows, datetime(2025, 3, 3, 8, 5, tzinfo=local))
    assert not scoring.is_available(windows, datetime(2025, 3, 4, 8, 20, tzinfo=local))


def test_recent_assignments_decay_with_a_half_life() -> None:
    t0 = 1_000_000.0
    counter = RecentAssignments().plus_one(t0).plus_one(t0)
    assert counter.count == 2.0
    assert math.isclose(counter.at(t0 + FAIRNESS_HALF_LIFE_SECONDS), 1.0)
    assert counter.at(t0 - 10) == 2.0  # asking about the past never grows it
    late = counter.plus_one(t0 - FAIRNESS_HALF_LIFE_SECONDS)  # reported late: weighs one half
    assert math.isclose(late.count, 2.5) and late.as_of == t0
    assert math.isclose(scoring.recent_at(2.0, t0, t0 + 2 * FAIRNESS_HALF_LIFE_SECONDS), 0.5)


def test_distance_is_close_to_great_circle() -> None:
    d = scoring.distance_km(28.6, 121.4, 28.9, 121.7)
    lat1, lat2 = math.radians(28.6), math.radians(28.9)
    dlat, dlng = lat2 - lat1, math.radians(0.3)
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    great_circle = 2 * scoring.EARTH_RADIUS_KM * math.asin(math.sqrt(a))
    assert abs(d - great_circle) / great_circle < 0.005
