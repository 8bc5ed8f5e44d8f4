"""Issue 10 in the volunteers service: who sees what (profiles, ledgers, matching distances),
idempotency keys bound to their payload, bounded input, and the bounded ancestors cache."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from linli.common.errors import Conflict, InvalidArgument, PermissionDenied, Unauthenticated
from linli.volunteers.adapters.organizations import BoundedTtlCache, OrganizationAncestors
from linli.volunteers.domain import matching
from linli.volunteers.domain.ledger import LeaderboardPeriod
from linli.volunteers.domain.matching import Candidate, ScoreBreakdown
from linli.volunteers.domain.model import GeoPoint, LedgerEntry
from linli.volunteers.entrypoints import convert
from linli.volunteers.service_layer import commands as c
from linli.volunteers.service_layer.handlers.common import VolunteerView
from tests.unit.volunteers.conftest import NOW
from tests.unit.volunteers.test_handlers import HOME, rated, register, registration
from tests.unit.volunteers.vol_fakes import ANONYMOUS, EAST, OPERATOR, WEST, App, actor, make_app

PERSONAL_JSON_FIELDS = {
    "personId",
    "phone",
    "home",
    "workplaceCommunityId",
    "serviceRadiusKm",
    "availability",
    "maxConcurrentTasks",
    "openTasks",
    "suspendedAt",
    "suspensionReason",
}


@pytest.fixture
def app() -> App:
    return make_app()


# -- who sees what -------------------------------------------------------------------------------
def test_outside_callers_see_public_fields_only(app: App) -> None:
    volunteer = register(app, workplace_community_id=WEST)
    app.handle(c.SuspendVolunteer(actor=OPERATOR, volunteer_id=volunteer.id, reason="家里有事"))
    for reader in (ANONYMOUS, actor("nosy", "resident"), actor("adm-w", "admin@org_other")):
        shown: VolunteerView = app.handle(c.GetVolunteer(actor=reader, volunteer_id=volunteer.id))
        assert not shown.personal
        wire = convert.volunteer_json(shown.volunteer, personal=False)
        assert not PERSONAL_JSON_FIELDS & wire.keys()
        assert wire["displayName"] == "王秀英" and wire["status"] == "VOLUNTEER_STATUS_SUSPENDED"
        message = convert.volunteer(shown.volunteer, personal=False)
        assert "person-1" not in str(message) and "13800001111" not in str(message) and "家里有事" not in str(message)
        found = app.handle(c.SearchVolunteers(actor=reader, community_id=EAST, include_suspended=True))
        assert [v.personal for v in found] == [False]
    for insider in (OPERATOR, actor("person-1"), actor("adm-e", f"admin@{EAST}")):
        shown = app.handle(c.GetVolunteer(actor=insider, volunteer_id=volunteer.id))
        full = convert.volunteer_json(shown.volunteer, personal=shown.personal)
        assert {"personId", "phone", "home", "suspensionReason", "availability"} <= full.keys()


def test_looking_up_by_person_id_is_for_that_person_and_staff(app: App) -> None:
    volunteer = register(app)
    with pytest.raises(Unauthenticated):
        app.handle(c.GetVolunteer(actor=ANONYMOUS, person_id="person-1"))
    with pytest.raises(PermissionDenied):
        app.handle(c.GetVolunteer(actor=actor("nosy", "resident"), person_id="person-1"))
    with pytest.raises(PermissionDenied):  # an admin elsewhere learns nothing either
        app.handle(c.GetVolunteer(actor=actor("adm-w", "admin@org_other"), person_id="person-1"))
    assert app.handle(c.GetVolunteer(actor=actor("person-1"), person_id="person-1")).volunteer.id == volunteer.id
    assert app.handle(c.GetVolunteer(actor=OPERATOR, person_id="person-1")).personal


def test_ledger_entries_lose_requests_reasons_and_people_outside_scope(app: App) -> None:
    volunteer = register(app)
    [credit] = rated(app, volunteer)
    app.handle(
        c.RecordCorrection(
            actor=OPERATOR,
            idempotency_key="fix",
            volunteer_id=volunteer.id,
            community_id=EAST,
            points_delta=3,
            reason="迟到扣分原因",
        )
    )
    public: list[LedgerEntry] = app.handle(c.ListLedgerEntries(actor=ANONYMOUS, volunteer_id=volunteer.id))
    assert len(public) == 2
    for entry in public:
        assert (entry.request_id, entry.cause_event_id, entry.reason, entry.recorded_by, entry.rating) == (
            "",
            "",
            "",
            "",
            0,
        )
    assert sum(e.points for e in public) == credit.points + 3
    own = app.handle(c.ListLedgerEntries(actor=actor("person-1"), volunteer_id=volunteer.id))
    assert {e.request_id for e in own} >= {credit.request_id} and any(e.reason for e in own)


def test_match_distances_are_banded_for_residents_and_anonymous_callers(app: App) -> None:
    km = 1 / 111.2
    near = register(app, person_id="p-near", home=GeoPoint(HOME.lat + 0.31 * km, HOME.lng))
    far = register(app, person_id="p-far", home=GeoPoint(HOME.lat + 1.26 * km, HOME.lng))
    query: dict[str, Any] = {"location": HOME, "skills": ("plumbing",), "k": 10, "at": NOW}
    exact = app.handle(c.MatchVolunteers(actor=actor("d-1", f"dispatcher@{EAST}"), **query)).candidates
    assert [x.volunteer_id for x in exact] == [near.id, far.id]
    assert exact[0].distance_km == pytest.approx(0.31, abs=0.01)
    for reader in (ANONYMOUS, actor("res", "resident"), actor("vol", "volunteer")):
        coarse = app.handle(c.MatchVolunteers(actor=reader, **query)).candidates
        assert [x.volunteer_id for x in coarse] == [near.id, far.id]  # same ranking
        assert [x.distance_km for x in coarse] == [0.5, 1.5]
        for shown in coarse:
            assert shown.breakdown.distance == pytest.approx(1 / (1 + shown.distance_km / 2))
            assert shown.score == shown.breakdown.total


def test_coarsened_rounds_up_to_half_kilometre_bands() -> None:
    parts = ScoreBreakdown(1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    for exact, band in ((0.0, 0.5), (0.49, 0.5), (0.5, 0.5), (0.51, 1.0), (7.2, 7.5)):
        assert matching.coarsened(Candidate("v", 1.0, exact, parts)).distance_km == band


# -- idempotency keys ----------------------------------------------------------------------------
def test_a_registration_key_reused_for_another_payload_is_aborted(app: App) -> None:
    first = register(app, key="reg-1")
    assert register(app, key="reg-1").id == first.id  # the same payload: the first result
    with pytest.raises(Conflict) as other:
        register(app, key="reg-1", display_name="李四")
    assert other.value.field == "idempotency_key"
    assert app.directory.find(type(first), first.id).display_name == "王秀英"  # type: ignore[union-attr]


def test_registration_keys_are_scoped_to_the_caller(app: App) -> None:
    mine = register(app, who=actor("person-1"), key="k")
    theirs = register(app, who=actor("person-2"), key="k", person_id="person-2")
    assert mine.id != theirs.id


# -- bounded input -------------------------------------------------------------------------------
def test_nan_and_infinite_locations_are_invalid(app: App) -> None:
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InvalidArgument) as error:
            app.handle(c.MatchVolunteers(actor=OPERATOR, location=GeoPoint(bad, 121.4), k=5, at=NOW))
        assert error.value.field == "location.lat"
        with pytest.raises(InvalidArgument):
            register(app, home=GeoPoint(28.6, bad))


def test_oversized_queries_are_refused_quickly_with_short_echoes(app: App) -> None:
    huge = "x" * 1_000_000
    started = time.perf_counter()
    for command in (
        c.SearchVolunteers(actor=ANONYMOUS, skill=huge),
        c.SearchVolunteers(actor=ANONYMOUS, post=huge),
        c.SearchVolunteers(actor=ANONYMOUS, community_id=huge),
        c.SearchVolunteers(actor=ANONYMOUS, team_id=huge),
        c.GetVolunteer(actor=ANONYMOUS, volunteer_id=huge),
        c.GetIdentityCard(actor=ANONYMOUS, volunteer_id=huge),
        c.ListTeams(actor=ANONYMOUS, focus=huge),
        c.ListLedgerEntries(actor=ANONYMOUS, volunteer_id=huge),
        c.GetLeaderboard(actor=ANONYMOUS, community_id=huge, period=LeaderboardPeriod.WEEK),
        c.MatchVolunteers(actor=ANONYMOUS, location=HOME, category=huge, at=NOW),
        c.MatchVolunteers(actor=ANONYMOUS, location=HOME, skills=(huge,), at=NOW),
        c.MatchVolunteers(actor=ANONYMOUS, location=HOME, skills=("plumbing",) * 10_000, at=NOW),
    ):
        with pytest.raises(InvalidArgument) as error:
            app.handle(command)
        assert len(str(error.value)) < 200, command
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("k", [-1, 101, 2**31 - 1])
def test_match_limits_from_the_proto_are_enforced(app: App, k: int) -> None:
    with pytest.raises(InvalidArgument) as error:
        app.handle(c.MatchVolunteers(actor=OPERATOR, location=HOME, k=k, at=NOW))
    assert error.value.field == "k"


def test_registration_text_stays_bounded(app: App) -> None:
    with pytest.raises(InvalidArgument):
        app.handle(c.RegisterVolunteer(actor=OPERATOR, registration=registration(display_name="名" * 1_000_000)))


# -- bounded caches --------------------------------------------------------------------------------
def test_the_cache_keeps_at_most_max_entries_least_recently_used_first() -> None:
    now = [0.0]
    cache: BoundedTtlCache[int] = BoundedTtlCache(ttl_seconds=10, max_entries=3, clock=lambda: now[0])
    for i in range(3):
        cache.put(f"k{i}", i)
    assert cache.get("k0") == 0  # k0 is now the most recently used
    cache.put("k3", 3)
    assert len(cache) == 3 and cache.get("k1") is None and cache.get("k0") == 0
    for i in range(10_000):
        cache.put(f"flood-{i}", i)
    assert len(cache) == 3


def test_the_cache_forgets_after_its_ttl() -> None:
    now = [0.0]
    cache: BoundedTtlCache[str] = BoundedTtlCache(ttl_seconds=10, max_entries=5, clock=lambda: now[0])
    cache.put("a", "x")
    now[0] = 9.9
    assert cache.get("a") == "x"
    now[0] = 10.0
    assert cache.get("a") is None and len(cache) == 0


def test_organisation_ancestors_answers_are_bounded() -> None:
    lookup = OrganizationAncestors("localhost:1", max_entries=2)
    for org in ("a", "b", "c"):
        lookup._cache.put(org, ())
    assert len(lookup._cache) == 2
