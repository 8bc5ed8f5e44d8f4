"""The access matrix over every `/api/v1` route: each route called by nine callers (nobody, the
resident who submitted the subject request, another resident, a volunteer, a dispatcher of the
subject's community A, a dispatcher of community B, an admin of A, a department liaison, the
operator), the status class each must get.

Classes: "2" is 2xx; "ok" is "allowed": 2xx, or 400 / 409 where the service refuses the
minimal body or the resource's state after authorising the caller; "401", "403", "404";
"deny" is 403 or 404 (a service may hide existence from a signed-in caller out of scope).

`test_every_route_has_a_row` reads the running gateway's OpenAPI document: a route added later
without a row here (or in `NOT_YET_COVERED`, which must only shrink) fails it.

The callers come from test_api_journeys' `world` (its own gateway process, no role cache, roles
granted over gRPC). Routes that change a resource get a fresh one per call where a change would
spoil the other cells (a fresh request, organisation, API key, subscription, visit plan).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.integration.gateway import test_api_journeys as journeys
from tests.integration.gateway.test_api_journeys import PASSWORD, PROBLEM, Caller, World, sign_up, submit

#: Webhook deliveries in tests only ever go to loopback (a closed port: refused at once); the
#: test platform's notifications service allows http and 127.0.0.0/8 for that.
LOOPBACK_HOOK = "http://127.0.0.1:9/hook"

pytestmark = pytest.mark.integration

world = journeys.world
volunteer_id = journeys.volunteer_id

ROLES = (
    "anonymous",
    "resident",
    "other_resident",
    "volunteer",
    "dispatcher_a",
    "dispatcher_b",
    "admin_a",
    "liaison",
    "operator",
)

CLASSES: dict[str, frozenset[str]] = {
    "2": frozenset({"2"}),
    "ok": frozenset({"2", "400", "409"}),
    "401": frozenset({"401"}),
    "403": frozenset({"403"}),
    "404": frozenset({"404"}),
    "deny": frozenset({"403", "404"}),
}

#: Routes without a row yet: this list must only shrink.
NOT_YET_COVERED: frozenset[tuple[str, str]] = frozenset()


def expect(default: str, **per_role: str) -> dict[str, str]:
    unknown = set(per_role) - set(ROLES)
    assert not unknown, unknown
    return {role: per_role.get(role, default) for role in ROLES}


PUBLIC = expect("2")
PERSON = expect("2", anonymous="401")
PERSON_OK = expect("ok", anonymous="401")
STAFF_A = expect("deny", anonymous="401", dispatcher_a="ok", admin_a="ok", operator="ok")
ADMIN_A = expect("deny", anonymous="401", admin_a="ok", operator="ok")
OPERATOR = expect("deny", anonymous="401", operator="ok")
#: The volunteer holding the request (claimed by the matrix volunteer).
ASSIGNEE = expect("deny", anonymous="401", volunteer="ok")
HANDLERS = expect("deny", anonymous="401", volunteer="ok", dispatcher_a="ok", admin_a="ok", operator="ok")


def _when(hours: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


@dataclass
class Context:
    """Path parameters and bodies: the module's fixtures plus factories of fresh resources."""

    world: World
    volunteer: str
    volunteer2: str
    grantee: str
    login: str
    grid: str
    station: str
    event: str
    team: str
    subscription: str
    plan: str
    org: str
    request: str
    cache: dict[str, str] = field(default_factory=dict)

    @property
    def community_a(self) -> str:
        return self.world.community_a

    def fresh_request(self) -> str:
        response = submit(self.world, self.world.resident, title="Access matrix subject")
        assert response.status_code == 201, response.text
        request_id: str = response.json()["request"]["id"]
        return request_id

    def staged(self, state: str) -> str:
        """A request of the resident's in `state`, moved there by the dispatcher of A and the
        volunteer; kept for the next caller until a call changes it (`spent`)."""
        if state in self.cache:
            return self.cache[state]
        w = self.world
        request_id = self.fresh_request()
        steps: dict[str, list[tuple[Caller, str, dict[str, Any]]]] = {
            "submitted": [],
            "accepted": [(w.dispatcher_a, "accept", {})],
            "offered": [
                (w.dispatcher_a, "accept", {}),
                (w.dispatcher_a, "offer", {"candidate_volunteer_ids": [self.volunteer]}),
            ],
        }
        steps["claimed"] = [*steps["offered"], (w.volunteer, "claim", {})]
        steps["started"] = [*steps["claimed"], (w.volunteer, "start", {})]
        steps["resolved"] = [*steps["started"], (w.volunteer, "resolve", {"result_text": "done", "hours": 1})]
        steps["escalated"] = [*steps["accepted"], (w.dispatcher_a, "escalate", {"reason": "matrix"})]
        steps["round_table"] = [
            *steps["accepted"],
            (w.dispatcher_a, "round-table", {"parties": [{"kind": "other", "name": "Owners"}], "topic": "matrix"}),
        ]
        steps["transferring"] = [
            *steps["claimed"],
            (w.volunteer, "transfer", {"to": {"kind": "volunteer", "id": self.volunteer2}, "reason": "matrix"}),
        ]
        for caller, action, body in steps[state]:
            done = caller.post(f"/requests/{request_id}/{action}", body)
            assert done.status_code == 200, f"staging {state}: {action}: {done.text}"
        self.cache[state] = request_id
        return request_id

    def spent(self, state: str) -> None:
        self.cache.pop(state, None)

    def fresh_org(self) -> str:
        code = f"M-{uuid.uuid4().hex[:8]}"
        response = self.world.operator.post(
            "/organizations",
            {
                "kind": "building_group",
                "code": code,
                "name": {"en": code},
                "parent_id": self.community_a,
            },
            headers={"Idempotency-Key": code},
        )
        assert response.status_code == 201, response.text
        org_id: str = response.json()["id"]
        return org_id

    def fresh_key(self) -> str:
        response = self.world.operator.post("/api-keys", {"name": "matrix", "organization_id": self.community_a})
        assert response.status_code in (200, 201), response.text
        body = response.json()
        found = next((v for v in body.values() if isinstance(v, dict) and "id" in v), body)
        key_id: str = found["id"]
        return key_id

    def fresh_subscription(self) -> str:
        response = self.world.operator.post(
            "/subscriptions",
            subscription_body(self),
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.text
        sub_id: str = response.json()["subscription"]["id"]
        return sub_id

    def fresh_plan(self) -> str:
        response = self.world.dispatcher_a.post("/visit-plans", plan_body(self))
        assert response.status_code == 201, response.text
        plan_id: str = response.json()["id"]
        return plan_id

    def resolve(self, name: str) -> str:
        if name.startswith("staged:"):
            return self.staged(name.removeprefix("staged:"))
        if name.startswith("fresh_"):
            factory: Callable[[], str] = getattr(self, name)
            return factory()
        value: str = getattr(self, name)
        return value


Body = dict[str, Any] | Callable[[Context], dict[str, Any]] | None


def subscription_body(ctx: Context) -> dict[str, Any]:
    return {
        "agency_id": ctx.community_a,
        "name": "Matrix hook",
        "url": LOOPBACK_HOOK,
        "event_types": ["org.linli.public.*"],
    }


def plan_body(ctx: Context) -> dict[str, Any]:
    return {
        "resident_group": "special",
        "resident_person_id": ctx.world.other_resident.person_id,
        "cadence": "weekly",
        "interval": 1,
        "starts_at": _when(24),
        "category": "care_visit",
        "title": "Weekly visit",
        "point": ctx.world.point_a,
    }


def grid_body(ctx: Context) -> dict[str, Any]:
    code = f"MG-{uuid.uuid4().hex[:6]}"
    offset = int(uuid.uuid4().int % 1000) / 10000
    lat, lng = ctx.world.point_a["lat"] + 0.5 + offset, ctx.world.point_a["lng"] + 0.5 + offset
    return {
        "organization_id": ctx.community_a,
        "code": code,
        "name": {"en": code},
        "shape": {
            "cell": {"south_west": {"lat": lat, "lng": lng}, "north_east": {"lat": lat + 1e-4, "lng": lng + 1e-4}}
        },
    }


def station_body(ctx: Context) -> dict[str, Any]:
    code = f"MS-{uuid.uuid4().hex[:6]}"
    return {"organization_id": ctx.community_a, "kind": "living_room", "code": code, "name": {"en": code}}


def sign_up_body(ctx: Context) -> dict[str, Any]:
    return {"login": f"matrix-{uuid.uuid4().hex[:10]}@example.org", "password": PASSWORD, "display_name": "Matrix"}


def refresh_token(ctx: Context) -> dict[str, Any]:
    response = requests.post(
        f"{ctx.world.url}/api/v1/auth/sign-in", json={"login": ctx.login, "password": PASSWORD}, timeout=20
    )
    assert response.status_code == 200, response.text
    return {"refresh_token": response.json()["refresh_token"]}


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # as the OpenAPI document names it, without /api/v1
    expected: dict[str, str]
    body: Body = None
    query: dict[str, str] = field(default_factory=dict)  # value: a Context attribute or "=literal"
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> Context attribute
    headers: dict[str, str] = field(default_factory=dict)


R = Row
REQ = {"request_id": "staged:submitted"}


def staged(state: str) -> dict[str, str]:
    return {"request_id": f"staged:{state}"}


ORG_A = {"org_id": "community_a"}
A = {"scope_id": "community_a"}

MATRIX: list[Row] = [
    # --- accounts ---
    R("POST", "/auth/sign-up", PUBLIC, sign_up_body),
    R("POST", "/auth/sign-in", PUBLIC, lambda ctx: {"login": ctx.login, "password": PASSWORD}),
    R("POST", "/auth/refresh", PUBLIC, refresh_token),
    R("POST", "/auth/sign-out", PUBLIC, refresh_token),
    # a wrong current password for everyone: a right one would revoke the module's tokens
    R(
        "POST",
        "/auth/password",
        expect("403", anonymous="401"),
        {"current_password": "not-the-password", "new_password": "another long password"},
    ),
    R("POST", "/auth/password-reset", PUBLIC, lambda ctx: {"login": ctx.login}),
    # an unknown token: 400 for anyone (test_password_reset walks the real flow)
    R("POST", "/auth/password-reset/confirm", expect("ok"), {"token": "unknown", "new_password": "a long password"}),
    R("GET", "/me", PERSON),
    R("PATCH", "/me", PERSON, {"language": "en"}),
    R("POST", "/api-keys", ADMIN_A, lambda ctx: {"name": "matrix", "organization_id": ctx.community_a}),
    R("GET", "/api-keys", ADMIN_A, query={"organization_id": "community_a"}),
    R("DELETE", "/api-keys/{key_id}", ADMIN_A, params={"key_id": "fresh_key"}),
    # --- organizations ---
    R(
        "POST",
        "/organizations",
        ADMIN_A,
        lambda ctx: {
            "kind": "building_group",
            "code": f"M-{uuid.uuid4().hex[:8]}",
            "name": {"en": "Matrix"},
            "parent_id": ctx.community_a,
        },
    ),
    R("GET", "/organizations", PUBLIC),
    R("GET", "/organizations/search", PUBLIC, query={"q": "=a"}),
    R("GET", "/organizations/{org_id}", PUBLIC, params=ORG_A),
    R("PATCH", "/organizations/{org_id}", ADMIN_A, {"contacts": []}, params={"org_id": "org"}),
    R("GET", "/organizations/{org_id}/children", PUBLIC, params=ORG_A),
    R("GET", "/organizations/{org_id}/subtree", PUBLIC, params=ORG_A),
    R("GET", "/organizations/{org_id}/ancestors", PUBLIC, params=ORG_A),
    R("GET", "/organizations/{org_id}/responders", PUBLIC, query={"category": "=repairs"}, params=ORG_A),
    R(
        "POST",
        "/organizations/{org_id}/move",
        ADMIN_A,
        lambda ctx: {"new_parent_id": ctx.community_a},
        params={"org_id": "org"},
    ),
    R("POST", "/organizations/{org_id}/archive", ADMIN_A, {"reason": "matrix"}, params={"org_id": "fresh_org"}),
    R("GET", "/grids", PUBLIC, query={"organization": "community_a"}),
    R("POST", "/grids", ADMIN_A, grid_body),
    R("GET", "/grids/locate", PUBLIC, query={"lat": "=31.2", "lng": "=121.4"}),
    R("GET", "/grids/{grid_id}", PUBLIC, params={"grid_id": "grid"}),
    R("PATCH", "/grids/{grid_id}", ADMIN_A, {"households_count": 420}, params={"grid_id": "grid"}),
    R("GET", "/stations", PUBLIC, query={"organization": "community_a"}),
    R("POST", "/stations", ADMIN_A, station_body),
    R("GET", "/stations/{station_id}", PUBLIC, params={"station_id": "station"}),
    R("PATCH", "/stations/{station_id}", ADMIN_A, {"capacity": 30}, params={"station_id": "station"}),
    R(
        "POST",
        "/stations/{station_id}/events",
        ADMIN_A,
        lambda ctx: {"title": {"en": "Tea"}, "starts_at": _when(48), "ends_at": _when(50)},
        params={"station_id": "station"},
    ),
    R("GET", "/station-events", PUBLIC, query={"station": "station"}),
    R("POST", "/station-events/{event_id}/signups", PERSON_OK, {}, params={"event_id": "event"}),
    R(
        "POST",
        "/station-events/{event_id}/attendance",
        ADMIN_A,
        {"attendance_count": 3},
        params={"event_id": "event"},
    ),
    # filtered to what the caller may see
    R("GET", "/roles", PERSON, query={"organization": "community_a"}),
    R(
        "POST",
        "/roles",
        ADMIN_A,
        lambda ctx: {"person_id": ctx.grantee, "organization_id": ctx.community_a, "role": "member"},
    ),
    R(
        "POST",
        "/roles/revoke",
        ADMIN_A,
        lambda ctx: {"person_id": ctx.grantee, "organization_id": ctx.community_a, "role": "member"},
    ),
    R("GET", "/scopes", PERSON),
    # --- requests ---
    R(
        "POST",
        "/requests",
        expect("2", anonymous="ok"),
        lambda ctx: {"category": "repairs", "title": "Matrix submit", "point": ctx.world.point_a},
        headers={"X-Client-Token": "matrix-client-token-0001"},
    ),
    R("GET", "/requests", PERSON, query={"community": "community_a"}),
    R(
        "GET",
        "/requests/{request_id}",
        expect("deny", anonymous="401", resident="2", dispatcher_a="2", admin_a="2", operator="2"),
        params={"request_id": "request"},
    ),
    R(
        "GET",
        "/requests/{request_id}/duplicates",
        expect("deny", anonymous="401", resident="2", dispatcher_a="2", admin_a="2", operator="2"),
        params={"request_id": "request"},
    ),
    R(
        "POST",
        "/duplicates/suggest",
        PUBLIC,
        lambda ctx: {"category": "repairs", "title": "Leaking pipe", "point": ctx.world.point_a},
    ),
    R("POST", "/requests/{request_id}/accept", STAFF_A, {}, params=REQ),
    R("POST", "/requests/{request_id}/reject", STAFF_A, {"reason": "matrix"}, params=REQ),
    R(
        "POST",
        "/requests/{request_id}/dispatch",
        STAFF_A,
        lambda ctx: {"assignee": {"kind": "volunteer", "id": ctx.volunteer}},
        params=staged("accepted"),
    ),
    R("POST", "/requests/{request_id}/offer", STAFF_A, {}, params=staged("accepted")),
    R(
        "POST",
        "/requests/{request_id}/claim",
        expect("deny", anonymous="401", volunteer="ok"),
        {},
        params=staged("offered"),
    ),
    R(
        "POST",
        "/requests/{request_id}/decline",
        expect("deny", anonymous="401", volunteer="ok"),
        {},
        params=staged("offered"),
    ),
    R("POST", "/requests/{request_id}/start", ASSIGNEE, {}, params=staged("claimed")),
    R("POST", "/requests/{request_id}/resolve", HANDLERS, {"result_text": "done"}, params=staged("started")),
    R(
        "POST",
        "/requests/{request_id}/close",
        expect("deny", anonymous="401", resident="ok", dispatcher_a="ok", admin_a="ok", operator="ok"),
        {},
        params=staged("resolved"),
    ),
    R(
        "POST",
        "/requests/{request_id}/rate",
        expect("deny", anonymous="401", resident="ok"),
        {"stars": 5},
        params=staged("resolved"),
    ),
    R(
        "POST",
        "/requests/{request_id}/reopen",
        expect("deny", anonymous="401", resident="ok", dispatcher_a="ok", admin_a="ok", operator="ok"),
        {"reason": "matrix"},
        params=staged("resolved"),
    ),
    R(
        "POST",
        "/requests/{request_id}/cancel",
        expect("deny", anonymous="401", resident="ok"),
        {},
        params=REQ,
    ),
    R(
        "POST",
        "/requests/{request_id}/follow",
        expect("ok", anonymous="401"),  # public requests: anyone signed in; private ones: 404 (test_existence)
        {},
        params=REQ,
    ),
    R(
        "POST",
        "/requests/{request_id}/transfer",
        HANDLERS,
        lambda ctx: {"to": {"kind": "volunteer", "id": ctx.volunteer2}, "reason": "matrix"},
        params=staged("claimed"),
    ),
    R(
        "POST",
        "/requests/{request_id}/transfer-response",
        expect("deny", anonymous="401"),
        {"accept": True},
        params=staged("transferring"),
    ),
    R("POST", "/requests/{request_id}/escalate", STAFF_A, {"reason": "matrix"}, params=staged("accepted")),
    R(
        "POST",
        "/requests/{request_id}/acknowledge",
        expect("deny", anonymous="401", operator="ok"),
        {},
        params=staged("escalated"),
    ),
    R("POST", "/requests/{request_id}/moderate", STAFF_A, {"visibility": "hide", "reason": "matrix"}, params=REQ),
    R(
        "POST",
        "/requests/{request_id}/merge",
        STAFF_A,
        lambda ctx: {"original_id": ctx.request, "reason": "matrix"},
        params=REQ,
    ),
    R(
        "POST",
        "/requests/{request_id}/round-table",
        STAFF_A,
        {"parties": [{"kind": "other", "name": "Owners"}], "topic": "matrix"},
        params=staged("accepted"),
    ),
    R(
        "POST",
        "/requests/{request_id}/round-table/meetings",
        STAFF_A,
        {"notes": "matrix", "held_at": _when(-1)},
        params=staged("round_table"),
    ),
    R(
        "POST",
        "/requests/{request_id}/round-table/conclude",
        STAFF_A,
        {"outcome": "resolve", "summary": "matrix"},
        params=staged("round_table"),
    ),
    R(
        "GET",
        "/moderation/pending",
        expect("deny", anonymous="401", dispatcher_a="2", dispatcher_b="2", admin_a="2", operator="2"),
        query=A,
    ),
    # aggregates, like the public board
    R("GET", "/statistics", PERSON, query=A),
    R("GET", "/board", PUBLIC, query=A),
    # only the requests the caller sees in full (personal data: staff of the scope)
    R("GET", "/exports/ledger.csv", PERSON, query=A),
    R("POST", "/visit-plans", STAFF_A, plan_body),
    # filtered: staff in scope, the visited resident
    R("GET", "/visit-plans", PERSON, query=A),
    R("POST", "/visit-plans/{plan_id}/stop", STAFF_A, {"reason": "matrix"}, params={"plan_id": "fresh_plan"}),
    # --- volunteers ---
    # before POST /volunteers, which makes every caller a volunteer
    R("GET", "/volunteers/me", expect("404", anonymous="401", volunteer="2")),
    R("GET", "/catalogue/skills", PUBLIC),
    R("GET", "/catalogue/posts", PUBLIC),
    R(
        "POST",
        "/volunteers",
        PERSON_OK,
        lambda ctx: {
            "display_name": "Matrix",
            "home_community_id": ctx.community_a,
            "home": ctx.world.point_a,
            "service_radius_km": 5,
        },
    ),
    R("GET", "/volunteers", PUBLIC, query={"community": "community_a"}),
    R("GET", "/volunteers/{volunteer_id}", PUBLIC, params={"volunteer_id": "volunteer"}),
    R(
        "PATCH",
        "/volunteers/{volunteer_id}",
        expect("deny", anonymous="401", volunteer="ok", admin_a="ok", operator="ok"),
        {"service_radius_km": 5},
        params={"volunteer_id": "volunteer"},
    ),
    R("GET", "/volunteers/{volunteer_id}/card", PUBLIC, params={"volunteer_id": "volunteer"}),
    R("GET", "/volunteers/{volunteer_id}/points", PUBLIC, params={"volunteer_id": "volunteer"}),
    R("GET", "/volunteers/{volunteer_id}/ledger", PUBLIC, params={"volunteer_id": "volunteer"}),
    R(
        "POST",
        "/volunteers/{volunteer_id}/suspend",
        ADMIN_A,
        {"reason": "matrix"},
        params={"volunteer_id": "volunteer2"},
    ),
    R("POST", "/volunteers/{volunteer_id}/reactivate", ADMIN_A, params={"volunteer_id": "volunteer2"}),
    R(
        "POST",
        "/volunteers/{volunteer_id}/corrections",
        ADMIN_A,
        lambda ctx: {"community_id": ctx.community_a, "reason": "matrix", "points_delta": 0},
        params={"volunteer_id": "volunteer2"},
    ),
    R("GET", "/leaderboard", PUBLIC, query={"community": "community_a"}),  # period: month by default
    # dispatching and volunteering roles only; by this row POST /volunteers has made every
    # signed-in caller a volunteer (test_existence checks a resident who is not one: 403)
    R("POST", "/matches", PERSON, lambda ctx: {"location": ctx.world.point_a}),
    R("GET", "/teams", PUBLIC),
    R(
        "POST",
        "/teams",
        ADMIN_A,
        lambda ctx: {
            "name": "Matrix team",
            "leader_volunteer_id": ctx.volunteer,
            "owning_organization_id": ctx.community_a,
        },
    ),
    R("GET", "/teams/{team_id}", PUBLIC, params={"team_id": "team"}),
    R(
        "POST",
        "/teams/{team_id}/members",
        expect("deny", anonymous="401", volunteer="ok", admin_a="ok", operator="ok"),
        lambda ctx: {"volunteer_id": ctx.volunteer2},
        params={"team_id": "team"},
    ),
    R(
        "DELETE",
        "/teams/{team_id}/members/{volunteer_id}",
        expect("deny", anonymous="401", volunteer="ok", admin_a="ok", operator="ok"),
        params={"team_id": "team", "volunteer_id": "volunteer2"},
    ),
    # --- notifications ---
    R("GET", "/inbox", PERSON),
    R("GET", "/inbox/stream", PERSON),
    R("GET", "/inbox/unread-count", PERSON),
    R("POST", "/inbox/read", expect("404", anonymous="401"), {"entry_ids": ["ntf_matrix_unknown"]}),
    R("POST", "/inbox/read-all", PERSON),
    R("GET", "/preferences", PERSON),
    R("PUT", "/preferences", PERSON_OK, {"language": "en"}),
    R("GET", "/notification-kinds", PUBLIC),
    R("GET", "/subscriptions", expect("403", anonymous="401", operator="2")),
    R("POST", "/subscriptions", OPERATOR, subscription_body, headers={"Idempotency-Key": "=fresh"}),
    R("GET", "/subscriptions/{subscription_id}", OPERATOR, params={"subscription_id": "subscription"}),
    R(
        "PATCH",
        "/subscriptions/{subscription_id}",
        OPERATOR,
        {"name": "Renamed"},
        params={"subscription_id": "subscription"},
    ),
    R("DELETE", "/subscriptions/{subscription_id}", OPERATOR, params={"subscription_id": "fresh_subscription"}),
    R("POST", "/subscriptions/{subscription_id}/test", OPERATOR, params={"subscription_id": "subscription"}),
    R(
        "POST",
        "/subscriptions/{subscription_id}/rotate-secret",
        OPERATOR,
        {},
        params={"subscription_id": "subscription"},
    ),
    R("GET", "/dead-letters", OPERATOR),
    R(
        "POST",
        "/dead-letters/{delivery_id}/replay",
        expect("deny", anonymous="401", operator="404"),
        params={"delivery_id": "=dlv_matrix_unknown"},
    ),
]

#: Cells where the service's answer looks wrong: (method, route, caller) -> reason.
KNOWN_WRONG: dict[tuple[str, str, str], str] = {}


def _value(ctx: Context, name: str) -> str:
    if name.startswith("="):
        return uuid.uuid4().hex if name == "=fresh" else name[1:]
    return ctx.resolve(name)


@pytest.fixture(scope="module")
def ctx(world: World, volunteer_id: str) -> Context:
    op, admin = world.operator, world.admin_a
    grantee = sign_up(world.url, "grantee")
    second = grantee.post(
        "/volunteers",
        {
            "display_name": "Second",
            "home_community_id": world.community_a,
            "home": world.point_a,
            "service_radius_km": 5,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert second.status_code == 201, second.text
    login = f"matrix-login-{uuid.uuid4().hex[:8]}@example.org"
    made = requests.post(
        f"{world.url}/api/v1/auth/sign-up",
        json={"login": login, "password": PASSWORD, "display_name": "Login"},
        timeout=20,
    )
    assert made.status_code == 201, made.text
    grids = op.get("/grids", params={"organization": world.community_a})
    assert grids.status_code == 200 and grids.json()["grids"], grids.text
    stub = Context(world, volunteer_id, second.json()["id"], grantee.person_id, login, "", "", "", "", "", "", "", "")
    station = admin.post("/stations", station_body(stub))
    assert station.status_code == 201, station.text
    event = admin.post(
        f"/stations/{station.json()['id']}/events",
        {"title": {"en": "Tea"}, "starts_at": _when(48), "ends_at": _when(50)},
    )
    assert event.status_code == 201, event.text
    team = admin.post(
        "/teams",
        # A unique name: test_existence.py sets this context up again in the same world.
        {
            "name": f"Matrix team {uuid.uuid4().hex[:6]}",
            "leader_volunteer_id": volunteer_id,
            "owning_organization_id": world.community_a,
        },
    )
    assert team.status_code == 201, team.text
    subject = submit(world, world.resident, title="Matrix subject")
    assert subject.status_code == 201, subject.text
    stub.grid = grids.json()["grids"][0]["id"]
    stub.station = station.json()["id"]
    stub.event = event.json()["id"]
    stub.team = team.json()["id"]
    stub.request = subject.json()["request"]["id"]
    stub.org = stub.fresh_org()
    stub.subscription = stub.fresh_subscription()
    stub.plan = stub.fresh_plan()
    return stub


def _class(status: int) -> str:
    return "2" if 200 <= status < 300 else str(status)


def _call(caller: Caller, row: Row, ctx: Context) -> requests.Response:
    path = row.route
    for name in path.split("{")[1:]:
        param = name.split("}")[0]
        path = path.replace(f"{{{param}}}", _value(ctx, row.params.get(param, param)))
    query = {key: _value(ctx, value) for key, value in row.query.items()}
    body = row.body(ctx) if callable(row.body) else row.body
    if body is None and row.method in ("POST", "PUT", "PATCH"):
        body = {}
    headers = {key: _value(ctx, value) if value.startswith("=") else value for key, value in row.headers.items()}
    if row.method in ("POST", "PUT") and "Idempotency-Key" not in headers:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    stream = row.route.endswith("/stream")
    response = caller.send(row.method, path, body, params=query, headers=headers, stream=stream)
    if stream:
        response.close()
    return response


CASES = [
    pytest.param(
        row,
        role,
        id=f"{row.method} {row.route} as {role}",
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[(row.method, row.route, role)])]
        if (row.method, row.route, role) in KNOWN_WRONG
        else [],
    )
    for row in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_access_matrix(ctx: Context, row: Row, role: str) -> None:
    caller: Caller = getattr(ctx.world, role)
    response = _call(caller, row, ctx)
    if response.status_code < 300:
        for value in row.params.values():
            if value.startswith("staged:"):
                ctx.spent(value.removeprefix("staged:"))
    expected = row.expected[role]
    got = _class(response.status_code)
    assert got in CLASSES[expected], (
        f"{row.method} {row.route} as {role}: expected {expected}, got {response.status_code} {response.text[:300]}"
    )
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith(PROBLEM), response.headers["Content-Type"]


def test_every_route_has_a_row(world: World) -> None:
    document = requests.get(f"{world.url}/api/v1/openapi.json", timeout=20)
    assert document.status_code == 200, document.text[:300]
    served = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in document.json()["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    rows = [(row.method, row.route) for row in MATRIX]
    assert len(rows) == len(set(rows)), "a route has two rows"
    assert not set(rows) & NOT_YET_COVERED, "a covered route is still listed in NOT_YET_COVERED"
    assert not served - set(rows) - NOT_YET_COVERED, f"routes without a matrix row: {sorted(served - set(rows))}"
    assert not set(rows) - served, f"rows for routes the gateway does not serve: {sorted(set(rows) - served)}"
    assert not NOT_YET_COVERED - served, "NOT_YET_COVERED names routes the gateway does not serve"
