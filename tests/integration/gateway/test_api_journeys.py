"""The REST API over the real services: every role's main journey, idempotent creates, stale
If-Match, problem details for bad input, and the access matrix (role x own scope / another
community / no identity) for the main routes.

The module runs its own gateway process on the shared gateway's database with
`LINLI_OPERATOR_PERSON_IDS` naming an operator account signed up first, and no role cache, so
roles granted over gRPC (as the tests' operator) apply at once.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import requests

from linli.v1 import organizations_pb2 as og
from linli.v1 import organizations_pb2_grpc
from tests.integration.gateway.conftest import Platform
from tests.support.gateway import GatewayProcess, start_gateway
from tests.support.identity import ops_env, who

#: Webhook deliveries in tests only ever go to loopback (a closed port: refused at once); the
#: test platform's notifications service allows http and 127.0.0.0/8 for that.
LOOPBACK_HOOK = "http://127.0.0.1:9/hook"

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
PROBLEM = "application/problem+json"


@dataclass
class Caller:
    url: str
    person_id: str
    token: str

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**({"Authorization": f"Bearer {self.token}"} if self.token else {}), **(extra or {})}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(
            f"{self.url}/api/v1{path}", headers=self.headers(kwargs.pop("headers", None)), timeout=20, **kwargs
        )

    def send(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}/api/v1{path}",
            json=body,
            headers=self.headers(kwargs.pop("headers", None)),
            timeout=20,
            **kwargs,
        )

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.send("POST", path, body if body is not None else {}, **kwargs)


def sign_up(url: str, name: str) -> Caller:
    response = requests.post(
        f"{url}/api/v1/auth/sign-up",
        json={"login": f"{name}-{uuid.uuid4().hex[:8]}@example.org", "password": PASSWORD, "display_name": name},
        timeout=20,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Caller(url, body["person"]["id"], body["access_token"])


@dataclass
class World:
    gateway: GatewayProcess
    url: str
    community_a: str
    community_b: str
    point_a: dict[str, float]
    department: str
    operator: Caller
    resident: Caller
    other_resident: Caller
    volunteer: Caller
    dispatcher_a: Caller
    dispatcher_b: Caller
    admin_a: Caller
    liaison: Caller
    anonymous: Caller


def _centre(grid: dict[str, Any]) -> dict[str, float]:
    shape = grid["shape"]
    if "cell" in shape:
        sw, ne = shape["cell"]["south_west"], shape["cell"]["north_east"]
        return {"lat": (sw["lat"] + ne["lat"]) / 2, "lng": (sw["lng"] + ne["lng"]) / 2}
    vertices = shape["polygon"]["vertices"]
    return {
        "lat": sum(v["lat"] for v in vertices) / len(vertices),
        "lng": sum(v["lng"] for v in vertices) / len(vertices),
    }


def _ensure_seeded(gateway: Platform) -> None:
    """Seeds the demo city when the organizations service is empty (the seed is idempotent)."""
    channel = grpc.insecure_channel(gateway.organizations.address)
    stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
    grids = stub.ListGrids(og.ListGridsRequest(), metadata=who("tests-operator", "operator"), timeout=10)
    channel.close()
    if grids.grids:
        return
    env = {**gateway.organizations.env, **ops_env(), "LINLI_ORGANIZATIONS_ADDR": gateway.organizations.address}
    done = subprocess.run(
        [sys.executable, "-m", "linli.organizations.seed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def world(gateway: Platform) -> Iterator[World]:
    _ensure_seeded(gateway)
    operator = sign_up(gateway.url, "operator")
    own = start_gateway(
        gateway.infra,
        gateway.services,
        LINLI_MONGO_DB=gateway.gateway.env["LINLI_MONGO_DB"],
        LINLI_OPERATOR_PERSON_IDS=operator.person_id,
        LINLI_ROLES_CACHE_SECONDS="0",
        LINLI_RATE_LIMIT_DEFAULT="100000/minute",
    )
    try:
        url = own.url
        operator = Caller(url, operator.person_id, operator.token)
        anonymous = Caller(url, "", "")
        grids = operator.get("/grids", params={"page_size": 100})
        assert grids.status_code == 200, grids.text
        by_community: dict[str, dict[str, Any]] = {}
        for grid in grids.json()["grids"]:
            if grid.get("community_id"):
                by_community.setdefault(grid["community_id"], grid)
        with_grids = list(by_community.items())[:2]
        assert len(with_grids) == 2, f"the seed has two communities with grids: {grids.text[:500]}"
        (community_a, grid_a), (community_b, _) = with_grids
        departments = anonymous.get("/organizations/search", params={"q": "", "kind": "department", "page_size": 5})
        department = ""
        if departments.status_code == 200 and departments.json()["organizations"]:
            department = departments.json()["organizations"][0]["id"]
        people = {
            name: sign_up(url, name)
            for name in ("resident", "other", "volunteer", "dispatcher-a", "dispatcher-b", "admin-a", "liaison")
        }
        channel = grpc.insecure_channel(gateway.organizations.address)
        stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
        grants = [
            ("dispatcher-a", community_a, og.ORGANIZATION_ROLE_DISPATCHER),
            ("dispatcher-b", community_b, og.ORGANIZATION_ROLE_DISPATCHER),
            ("admin-a", community_a, og.ORGANIZATION_ROLE_ADMIN),
        ]
        if department:
            grants.append(("liaison", department, og.ORGANIZATION_ROLE_LIAISON))
        for name, org_id, role in grants:
            stub.GrantRole(
                og.GrantRoleRequest(
                    idempotency_key=f"api-test:{name}:{org_id}",
                    person_id=people[name].person_id,
                    organization_id=org_id,
                    role=role,
                ),
                metadata=who("tests-operator", "operator"),
                timeout=10,
            )
        channel.close()
        yield World(
            gateway=own,
            url=url,
            community_a=community_a,
            community_b=community_b,
            point_a=_centre(grid_a),
            department=department,
            operator=operator,
            resident=people["resident"],
            other_resident=people["other"],
            volunteer=people["volunteer"],
            dispatcher_a=people["dispatcher-a"],
            dispatcher_b=people["dispatcher-b"],
            admin_a=people["admin-a"],
            liaison=people["liaison"],
            anonymous=anonymous,
        )
    finally:
        own.stop()


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers["Content-Type"]
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert "Traceback" not in response.text
    return body


def submit(world: World, caller: Caller, title: str = "Leaking pipe in stairwell", key: str = "") -> requests.Response:
    return caller.post(
        "/requests",
        {
            "category": "repairs",
            "title": title,
            "description": "Water is dripping from the pipe on the third floor.",
            "point": world.point_a,
            "address": {"text": "Building 3"},
        },
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def act(caller: Caller, request_id: str, action: str, etag: str, body: Any = None) -> requests.Response:
    return caller.post(f"/requests/{request_id}/{action}", body or {}, headers={"If-Match": etag})


@pytest.fixture(scope="module")
def volunteer_id(world: World) -> str:
    response = world.volunteer.post(
        "/volunteers",
        {
            "display_name": "Xiao Li",
            "home_community_id": world.community_a,
            "skills": ["plumbing"],
            "home": world.point_a,
            "service_radius_km": 5,
        },
        headers={"Idempotency-Key": "register-1"},
    )
    if response.status_code == 400 and "skills" in response.text:
        skills = world.anonymous.get("/catalogue/skills").json()["skills"]
        response = world.volunteer.post(
            "/volunteers",
            {
                "display_name": "Xiao Li",
                "home_community_id": world.community_a,
                "skills": [skills[0]["code"]],
                "home": world.point_a,
                "service_radius_km": 5,
            },
            headers={"Idempotency-Key": "register-2"},
        )
    assert response.status_code == 201, response.text
    assert response.headers["Location"].endswith(f"/volunteers/{response.json()['id']}")
    volunteer: str = response.json()["id"]
    return volunteer


def test_the_core_loop_through_the_api(world: World, volunteer_id: str) -> None:
    created = submit(world, world.resident)
    assert created.status_code == 201, created.text
    request = created.json()["request"]
    request_id = request["id"]
    assert created.headers["Location"] == f"/api/v1/requests/{request_id}"
    assert created.headers["ETag"] == f'"v{request["version"]}"'
    assert request["status"] == "submitted"
    assert request["community_id"] == world.community_a

    fetched = world.dispatcher_a.get(f"/requests/{request_id}")
    assert fetched.status_code == 200, fetched.text
    etag = fetched.headers["ETag"]

    accepted = act(world.dispatcher_a, request_id, "accept", etag, {"note": "on it"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"

    offered = act(
        world.dispatcher_a, request_id, "offer", accepted.headers["ETag"], {"candidate_volunteer_ids": [volunteer_id]}
    )
    assert offered.status_code == 200, offered.text
    assert offered.json()["status"] == "offered"

    claimed = act(world.volunteer, request_id, "claim", offered.headers["ETag"])
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "claimed"
    started = act(world.volunteer, request_id, "start", claimed.headers["ETag"], {"note": "arrived"})
    assert started.status_code == 200, started.text
    resolved = act(
        world.volunteer,
        request_id,
        "resolve",
        started.headers["ETag"],
        {"result_text": "Replaced the joint.", "hours": 1.5},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"

    mine = world.resident.get(f"/requests/{request_id}")
    assert mine.status_code == 200
    rated = act(world.resident, request_id, "rate", mine.headers["ETag"], {"stars": 5, "comment": "Thanks"})
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "rated"
    assert rated.json()["rating"]["stars"] == 5

    ledger = world.dispatcher_a.get("/requests", params={"community": world.community_a, "status": ["rated"]})
    assert ledger.status_code == 200, ledger.text
    assert request_id in [r["id"] for r in ledger.json()["requests"]]


def test_idempotent_create(world: World) -> None:
    key = uuid.uuid4().hex
    first = submit(world, world.resident, key=key)
    again = submit(world, world.resident, key=key)
    assert first.status_code == again.status_code == 201, again.text
    assert first.json()["request"]["id"] == again.json()["request"]["id"]
    other = submit(world, world.resident, title="Something else entirely", key=key)
    assert_problem(other, 409)


def test_anonymous_submit_needs_a_client_token_with_a_key(world: World) -> None:
    refused = submit(world, world.anonymous)
    assert_problem(refused, 400)
    token = uuid.uuid4().hex
    key = uuid.uuid4().hex
    body = {
        "category": "repairs",
        "title": "Broken street light",
        "point": world.point_a,
        "anonymous_contact": {"phone": "13800000000"},
    }
    headers = {"Idempotency-Key": key, "X-Client-Token": token}
    first = world.anonymous.post("/requests", body, headers=headers)
    assert first.status_code == 201, first.text
    again = world.anonymous.post("/requests", body, headers=headers)
    assert again.json()["request"]["id"] == first.json()["request"]["id"]


def test_stale_if_match_is_412(world: World) -> None:
    request = submit(world, world.resident).json()["request"]
    assert_problem(act(world.dispatcher_a, request["id"], "accept", '"v999"'), 412)
    assert act(world.dispatcher_a, request["id"], "accept", f'"v{request["version"]}"').status_code == 200
    assert_problem(act(world.dispatcher_a, request["id"], "reject", f'"v{request["version"]}"', {"reason": "x"}), 412)


def test_bad_input_is_a_problem_naming_the_field(world: World) -> None:
    body = assert_problem(world.resident.post("/requests", {"category": "repairs"}), 400)
    assert "title" in str(body)
    body = assert_problem(
        world.resident.post("/requests", {"category": "repairs", "title": "x", "urgency": "whenever"}), 400
    )
    assert "urgency" in str(body)
    body = assert_problem(world.resident.post("/requests", {"category": "repairs", "title": "x", "bogus": 1}), 400)
    assert "bogus" in str(body)
    assert_problem(world.resident.get("/requests", params={"page_size": "0"}), 400)
    assert_problem(act(world.resident, "req_x", "accept", "v1"), 400)  # not an ETag


def test_liaison_acknowledges_an_escalation(world: World, gateway: Platform) -> None:
    request = submit(world, world.resident).json()["request"]
    accepted = act(world.dispatcher_a, request["id"], "accept", f'"v{request["version"]}"')
    escalated = act(
        world.dispatcher_a,
        request["id"],
        "escalate",
        accepted.headers["ETag"],
        {"reason": "needs the department"},
    )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["escalation_level"] >= 1
    target = escalated.json()["escalations"][-1]["target_id"]
    # Not yet a liaison of the target: refused.
    refused = act(world.liaison, request["id"], "acknowledge", escalated.headers["ETag"], {"note": "?"})
    assert refused.status_code in (403, 404), refused.text
    channel = grpc.insecure_channel(gateway.organizations.address)
    organizations_pb2_grpc.OrganizationServiceStub(channel).GrantRole(
        og.GrantRoleRequest(
            idempotency_key=f"api-test:liaison:{target}",
            person_id=world.liaison.person_id,
            organization_id=target,
            role=og.ORGANIZATION_ROLE_LIAISON,
        ),
        metadata=who("tests-operator", "operator"),
        timeout=10,
    )
    channel.close()
    acknowledged = act(world.liaison, request["id"], "acknowledge", escalated.headers["ETag"], {"note": "on our way"})
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["escalations"][-1]["acknowledged_by"] == world.liaison.person_id


def test_admin_builds_a_grid_and_a_station(world: World) -> None:
    code = f"G-{uuid.uuid4().hex[:6]}"
    lat, lng = world.point_a["lat"] + 0.3, world.point_a["lng"] + 0.3
    grid = world.admin_a.post(
        "/grids",
        {
            "organization_id": world.community_a,
            "code": code,
            "name": {"zh": "测试网格", "en": "Test grid"},
            "shape": {
                "cell": {"south_west": {"lat": lat, "lng": lng}, "north_east": {"lat": lat + 0.001, "lng": lng + 0.001}}
            },
            "households_count": 400,
        },
        headers={"Idempotency-Key": code},
    )
    assert grid.status_code == 201, grid.text
    grid_id = grid.json()["id"]
    assert grid.headers["Location"] == f"/api/v1/grids/{grid_id}"
    located = world.anonymous.get("/grids/locate", params={"lat": lat + 0.0005, "lng": lng + 0.0005})
    assert located.status_code == 200, located.text
    assert located.json()["found"] is True
    assert located.json()["grid"]["id"] == grid_id
    updated = world.admin_a.send(
        "PATCH", f"/grids/{grid_id}", {"households_count": 450}, headers={"If-Match": grid.headers["ETag"]}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["households_count"] == 450
    assert updated.json()["name"]["en"] == "Test grid"  # untouched: not in the body
    assert_problem(
        world.admin_a.send(
            "PATCH", f"/grids/{grid_id}", {"households_count": 1}, headers={"If-Match": grid.headers["ETag"]}
        ),
        412,
    )
    assert_problem(
        world.dispatcher_b.post(
            "/grids",
            {
                "organization_id": world.community_a,
                "code": "x",
                "name": {"en": "x"},
                "shape": {"cell": {"south_west": {"lat": 1, "lng": 1}, "north_east": {"lat": 1.001, "lng": 1.001}}},
            },
        ),
        403,
    )


def test_operator_manages_a_subscription(world: World) -> None:
    agency = world.department or world.community_a
    created = world.operator.post(
        "/subscriptions",
        {
            "agency_id": agency,
            "name": "City hotline",
            "url": LOOPBACK_HOOK,
            "event_types": ["org.linli.public.*"],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    sub_id = body["subscription"]["id"]
    fetched = world.operator.get(f"/subscriptions/{sub_id}")
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()
    paused = world.operator.send(
        "PATCH", f"/subscriptions/{sub_id}", {"active": 2}, headers={"If-Match": fetched.headers["ETag"]}
    )
    assert paused.status_code == 200, paused.text
    assert paused.json()["active"] is False
    assert_problem(world.resident.get(f"/subscriptions/{sub_id}"), 403)
    assert_problem(world.anonymous.get("/subscriptions"), 401)
    deleted = world.operator.send("DELETE", f"/subscriptions/{sub_id}", headers={"If-Match": paused.headers["ETag"]})
    assert deleted.status_code == 200, deleted.text


def test_inbox_and_preferences_need_a_person(world: World) -> None:
    assert_problem(world.anonymous.get("/inbox"), 401)
    assert_problem(world.anonymous.get("/inbox/stream"), 401)
    inbox = world.resident.get("/inbox")
    assert inbox.status_code == 200, inbox.text
    assert "entries" in inbox.json()
    count = world.resident.get("/inbox/unread-count")
    assert count.status_code == 200
    assert world.resident.post("/inbox/read-all").status_code == 200
    prefs = world.resident.get("/preferences")
    assert prefs.status_code == 200, prefs.text


def test_inbox_stream_is_server_sent_events(world: World) -> None:
    with world.resident.get("/inbox/stream", stream=True) as response:
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/event-stream")
        first = str(next(response.iter_lines(decode_unicode=True)))
        assert first.startswith(("retry:", ":"))


def test_public_board_and_csv_export(world: World) -> None:
    board = world.anonymous.get("/board", params={"scope_id": world.community_a})
    assert board.status_code == 200, board.text
    assert "overall" in board.json()
    export = world.dispatcher_a.get("/exports/ledger.csv", params={"scope_id": world.community_a})
    assert export.status_code == 200, export.text
    assert export.headers["Content-Type"].startswith("text/csv")
    assert export.content.startswith(b"\xef\xbb\xbf")
    assert_problem(world.anonymous.get("/exports/ledger.csv", params={"scope_id": world.community_a}), 401)


# --- the access matrix -------------------------------------------------------------------------

ROLES = ("anonymous", "resident", "other_resident", "volunteer", "dispatcher_a", "dispatcher_b", "admin_a", "operator")


@pytest.fixture(scope="module")
def subject(world: World) -> dict[str, str]:
    request = submit(world, world.resident, title="Matrix subject").json()["request"]
    return {"request": request["id"], "community_a": world.community_a, "community_b": world.community_b}


# (method, path template, body, expected status class per role: "2" (2xx), "401", "403", "404")
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
    (
        "GET",
        "/requests/{request}",
        None,
        {
            "anonymous": "404|401",
            "resident": "2",
            "other_resident": "404|403",
            "volunteer": "404|403",
            "dispatcher_a": "2",
            "dispatcher_b": "404|403",
            "admin_a": "2",
            "operator": "2",
        },
    ),
    (
        "GET",
        "/requests?community={community_a}",
        None,
        {"anonymous": "401|2", "resident": "2", "dispatcher_a": "2", "dispatcher_b": "2|403", "operator": "2"},
    ),
    (
        "POST",
        "/requests/{request}/reject",
        {"reason": "not ours"},
        {"anonymous": "401|404", "resident": "403|404", "volunteer": "403|404", "dispatcher_b": "403|404"},
    ),
    (
        "GET",
        "/moderation/pending?scope_id={community_a}",
        None,
        {"anonymous": "401", "resident": "403", "dispatcher_a": "2", "operator": "2"},
    ),
    ("GET", "/statistics?scope_id={community_a}", None, {"anonymous": "401", "dispatcher_a": "2", "operator": "2"}),
    ("GET", "/board?scope_id={community_a}", None, {role: "2" for role in ROLES}),
    (
        "GET",
        "/exports/ledger.csv?scope_id={community_a}",
        None,
        {"anonymous": "401", "dispatcher_a": "2", "operator": "2"},
    ),
    ("GET", "/organizations/{community_a}", None, {role: "2" for role in ROLES}),
    ("GET", "/organizations/{community_a}/children", None, {role: "2" for role in ROLES}),
    ("GET", "/grids?organization={community_a}", None, {role: "2" for role in ROLES}),
    ("GET", "/roles?organization={community_a}", None, {"anonymous": "401", "admin_a": "2", "operator": "2"}),
    ("GET", "/scopes", None, {"anonymous": "401", "resident": "2", "dispatcher_a": "2"}),
    (
        "PATCH",
        "/organizations/{community_a}",
        {"contacts": []},
        {"anonymous": "401", "resident": "403", "dispatcher_a": "403", "admin_a": "2", "operator": "2"},
    ),
    ("GET", "/catalogue/skills", None, {role: "2" for role in ROLES}),
    ("GET", "/teams", None, {role: "2" for role in ROLES}),
    ("GET", "/volunteers?community={community_a}", None, {role: "2" for role in ROLES}),
    ("GET", "/inbox", None, {"anonymous": "401", "resident": "2", "operator": "2"}),
    ("GET", "/preferences", None, {"anonymous": "401", "resident": "2"}),
    ("GET", "/subscriptions", None, {"anonymous": "401", "resident": "403|2", "operator": "2"}),
    ("GET", "/dead-letters", None, {"anonymous": "401", "resident": "403", "dispatcher_a": "403", "operator": "2"}),
    ("GET", "/notification-kinds", None, {"resident": "2", "operator": "2"}),
]

CASES = [
    pytest.param(method, path, body, role, expected, id=f"{method} {path} as {role}")
    for method, path, body, table in MATRIX
    for role, expected in table.items()
]


def _class(status: int) -> str:
    return "2" if 200 <= status < 300 else str(status)


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_access_matrix(
    world: World, subject: dict[str, str], method: str, path: str, body: Any, role: str, expected: str
) -> None:
    caller: Caller = getattr(world, role)
    response = caller.send(method, path.format(**subject), body if method != "GET" else None)
    got = _class(response.status_code)
    assert got in expected.split("|"), f"{method} {path} as {role}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.headers["Content-Type"].startswith(PROBLEM)
