"""Accounts and sign-in against the real gateway (gunicorn) and services: sign-in with tokens
and with a cookie, refresh rotation, sign-out, wrong password and unknown login answered
alike, lockout, the per-address sign-in throttle, API keys created, used and revoked, /me with
roles from organizations and volunteers, the demo seed's accounts, and the services refusing
what the gateway did not sign."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
import requests
from pymongo import MongoClient

from linli.gateway import seed
from linli.gateway.accounts.passwords import HashParameters, Passwords
from linli.gateway.accounts.repository import AccountRepository, MongoDocuments
from linli.gateway.accounts.service import AccountService
from linli.gateway.accounts.settings import AccountSettings
from linli.v1 import common_pb2, organizations_pb2_grpc, volunteers_pb2_grpc
from linli.v1 import organizations_pb2 as og
from linli.v1 import volunteers_pb2 as vp
from tests.integration.gateway.conftest import Platform
from tests.support.gateway import start_gateway
from tests.support.identity import who

pytestmark = pytest.mark.integration

PASSWORD = "it-password-1234"
OPERATOR = who("test-operator", "operator")


@dataclass
class People:
    url: str
    accounts: AccountService
    street_id: str
    community_id: str
    dispatcher: str  # logins
    admin: str
    volunteer: str
    resident: str
    ids: dict[str, str]


def _unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def own_url(gateway: Platform) -> Iterator[str]:
    """A gateway of this module's own on the shared database, so the sign-ins of other modules
    (all from 127.0.0.1) do not count against this module's per-address sign-in limit."""
    own = start_gateway(
        gateway.infra,
        gateway.services,
        LINLI_MONGO_DB=gateway.gateway.env["LINLI_MONGO_DB"],
        LINLI_SIGN_IN_RATE_LIMIT="100000/minute",
        LINLI_RATE_LIMIT_DEFAULT="100000/minute",
    )
    try:
        yield own.url
    finally:
        own.stop()


@pytest.fixture(scope="module")
def people(gateway: Platform, own_url: str) -> Iterator[People]:
    client: MongoClient[dict[str, Any]] = MongoClient(gateway.gateway.env["LINLI_MONGO_URI"], tz_aware=True)
    accounts = AccountService(
        AccountRepository(MongoDocuments(client[gateway.gateway.env["LINLI_MONGO_DB"]])),
        Passwords(HashParameters(1, 1024, 1)),  # cheap: the gateway rehashes at sign-in
    )
    with grpc.insecure_channel(gateway.organizations.address) as channel:
        orgs = organizations_pb2_grpc.OrganizationServiceStub(channel)
        code = uuid.uuid4().hex[:8].upper()
        street = orgs.CreateOrganization(
            og.CreateOrganizationRequest(
                idempotency_key=f"it-acc-{code}",
                kind=og.ORGANIZATION_KIND_STREET_OFFICE,
                code=f"ACC-{code}",
                name=common_pb2.LocalizedText(zh="测试街道", en="Accounts Street"),
            ),
            metadata=OPERATOR,
            timeout=10,
        )
        community = orgs.CreateOrganization(
            og.CreateOrganizationRequest(
                idempotency_key=f"it-acc-{code}-c",
                kind=og.ORGANIZATION_KIND_COMMUNITY_COMMITTEE,
                code=f"ACC-{code}-C1",
                name=common_pb2.LocalizedText(zh="测试社区", en="Accounts Community"),
                parent_id=street.id,
            ),
            metadata=OPERATOR,
            timeout=10,
        )
        ids = {name: _unique(f"person-it-{name}") for name in ("dispatcher", "admin", "volunteer", "resident")}
        for person, org_id, role in (
            (ids["dispatcher"], community.id, og.ORGANIZATION_ROLE_DISPATCHER),
            (ids["admin"], street.id, og.ORGANIZATION_ROLE_ADMIN),
        ):
            orgs.GrantRole(
                og.GrantRoleRequest(idempotency_key=_unique("g"), person_id=person, organization_id=org_id, role=role),
                metadata=OPERATOR,
                timeout=10,
            )
    with grpc.insecure_channel(gateway.volunteers.address) as channel:
        volunteers_pb2_grpc.VolunteerServiceStub(channel).RegisterVolunteer(
            vp.RegisterVolunteerRequest(
                idempotency_key=_unique("v"),
                person_id=ids["volunteer"],
                display_name="王秀英",
                phone="13800001111",
                home_community_id=community.id,
                skills=["plumbing"],
                languages=["zh"],
                service_radius_km=5.0,
                home=common_pb2.GeoPoint(lat=28.66, lng=121.42),
            ),
            metadata=who(ids["volunteer"], "resident"),
            timeout=10,
        )
    logins = {}
    for name, person in ids.items():
        login = f"{name}-{uuid.uuid4().hex[:8]}@example.org"
        accounts.register(login=login, password=PASSWORD, display_name=name, person_id=person)
        logins[name] = login
    try:
        yield People(
            own_url,
            accounts,
            street.id,
            community.id,
            logins["dispatcher"],
            logins["admin"],
            logins["volunteer"],
            logins["resident"],
            ids,
        )
    finally:
        client.close()


def sign_in(url: str, login: str, password: str = PASSWORD, **extra: Any) -> requests.Response:
    return requests.post(f"{url}/api/v1/auth/sign-in", json={"login": login, "password": password, **extra}, timeout=20)


def tokens_of(url: str, login: str) -> dict[str, Any]:
    response = sign_in(url, login)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(url: str, headers: dict[str, str]) -> requests.Response:
    return requests.get(f"{url}/api/v1/me", headers=headers, timeout=20)


def test_sign_in_gives_tokens_and_me_shows_roles_from_organizations(people: People) -> None:
    signed_in = tokens_of(people.url, people.dispatcher)
    assert signed_in["token_type"] == "Bearer"
    assert 0 < signed_in["expires_in"] <= 3600
    mine = me(people.url, bearer(signed_in["access_token"]))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["id"] == people.ids["dispatcher"]
    assert sorted(body["roles"]) == sorted(["resident", f"dispatcher@{people.community_id}"])
    assert [s["root_id"] for s in body["scopes"]] == [people.community_id]
    assert mine.headers["Cache-Control"] == "no-store"


def test_roles_of_admins_volunteers_and_residents(people: People) -> None:
    expected = {
        people.admin: ["resident", f"admin@{people.street_id}"],
        people.volunteer: ["resident", "volunteer"],
        people.resident: ["resident"],
    }
    for login, roles in expected.items():
        body = me(people.url, bearer(tokens_of(people.url, login)["access_token"])).json()
        assert sorted(body["roles"]) == sorted(roles), login


def test_refresh_rotates_and_a_reused_token_ends_the_family(people: People) -> None:
    first = tokens_of(people.url, people.resident)
    refreshed = requests.post(
        f"{people.url}/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}, timeout=20
    )
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert me(people.url, bearer(second["access_token"])).status_code == 200
    replay = requests.post(
        f"{people.url}/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}, timeout=20
    )
    assert replay.status_code == 401
    after = requests.post(
        f"{people.url}/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}, timeout=20
    )
    assert after.status_code == 401


def test_sign_out_revokes_the_refresh_token(people: People) -> None:
    signed_in = tokens_of(people.url, people.resident)
    out = requests.post(
        f"{people.url}/api/v1/auth/sign-out", json={"refresh_token": signed_in["refresh_token"]}, timeout=20
    )
    assert out.status_code == 204
    again = requests.post(
        f"{people.url}/api/v1/auth/refresh", json={"refresh_token": signed_in["refresh_token"]}, timeout=20
    )
    assert again.status_code == 401


def test_browser_sign_in_uses_an_http_only_cookie(people: People) -> None:
    browser = requests.Session()
    response = browser.post(
        f"{people.url}/api/v1/auth/sign-in",
        json={"login": people.resident, "password": PASSWORD, "client": "browser"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    assert "access_token" not in response.json()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert browser.get(f"{people.url}/api/v1/me", timeout=20).json()["id"] == people.ids["resident"]
    assert browser.post(f"{people.url}/api/v1/auth/sign-out", json={}, timeout=20).status_code == 204
    assert browser.get(f"{people.url}/api/v1/me", timeout=20).status_code == 401


def _answer(response: requests.Response) -> tuple[int, str, str, str]:
    body = response.json()
    return response.status_code, response.headers["Content-Type"], body["type"], body["detail"]


def test_wrong_password_and_unknown_login_are_indistinguishable(people: People) -> None:
    wrong = sign_in(people.url, people.admin, "not-the-password")
    unknown = sign_in(people.url, f"nobody-{uuid.uuid4().hex[:6]}@example.org", "not-the-password")
    malformed = sign_in(people.url, "not a login at all", "not-the-password")
    assert _answer(wrong) == _answer(unknown) == _answer(malformed)
    assert wrong.status_code == 401
    assert sign_in(people.url, people.admin).status_code == 200  # one failure locks nothing


def test_five_failures_lock_a_login_and_unknown_logins_alike(people: People) -> None:
    victim = f"victim-{uuid.uuid4().hex[:8]}@example.org"
    people.accounts.register(login=victim, password=PASSWORD, display_name="victim", person_id=_unique("person-v"))
    ghost = f"ghost-{uuid.uuid4().hex[:8]}@example.org"
    answers = set()
    for login in (victim, ghost):
        for _ in range(5):
            answers.add(_answer(sign_in(people.url, login, "guess-guess")))
        answers.add(_answer(sign_in(people.url, login, PASSWORD)))  # locked: even the right password
    assert len(answers) == 1
    assert next(iter(answers))[0] == 401


def test_sign_in_is_throttled_per_client_address(gateway: Platform, people: People) -> None:
    own = start_gateway(
        gateway.infra,
        gateway.services,
        LINLI_MONGO_DB=gateway.gateway.env["LINLI_MONGO_DB"],
        LINLI_SIGN_IN_RATE_LIMIT="3/minute",
        LINLI_RATE_LIMIT_STORAGE_URI="memory://",
    )
    try:
        statuses = [sign_in(own.url, people.resident, "wrong-password").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        limited = sign_in(own.url, people.resident)
        assert limited.status_code == 429
        assert limited.headers["Content-Type"].startswith("application/problem+json")
    finally:
        own.stop()


def test_bad_tokens_are_refused(people: People) -> None:
    token = tokens_of(people.url, people.resident)["access_token"]
    head, body, signature = token.split(".")
    tampered = f"{head}.{body}.{signature[::-1]}"
    for headers in (bearer(tampered), bearer("x.y.z"), {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = me(people.url, headers)
        assert response.status_code == 401
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert me(people.url, {}).status_code == 401


def test_api_keys_are_created_used_and_revoked(people: People) -> None:
    admin = bearer(tokens_of(people.url, people.admin)["access_token"])
    resident = bearer(tokens_of(people.url, people.resident)["access_token"])
    body = {"name": "hotline", "organization_id": people.community_id, "roles": ["agency", "open311_client"]}
    refused = requests.post(f"{people.url}/api/v1/api-keys", json=body, headers=resident, timeout=20)
    assert refused.status_code == 403
    created = requests.post(f"{people.url}/api/v1/api-keys", json=body, headers=admin, timeout=20)
    assert created.status_code == 201, created.text
    key = created.json()
    assert set(key["roles"]) == {f"agency@{people.community_id}", "open311_client"}
    caller = me(people.url, {"X-Api-Key": key["key"]})
    assert caller.status_code == 200
    assert caller.json()["api_key_id"] == key["id"]
    listed = requests.get(
        f"{people.url}/api/v1/api-keys", params={"organization_id": people.community_id}, headers=admin, timeout=20
    ).json()["api_keys"]
    assert key["id"] in [k["id"] for k in listed]
    assert all("key" not in k for k in listed)
    revoked = requests.delete(f"{people.url}/api/v1/api-keys/{key['id']}", headers=admin, timeout=20)
    assert revoked.status_code == 204
    assert me(people.url, {"X-Api-Key": key["key"]}).status_code == 401


def test_an_api_key_has_its_own_rate_limit(people: People) -> None:
    admin = bearer(tokens_of(people.url, people.admin)["access_token"])
    body = {"name": "slow client", "organization_id": people.street_id, "rate_limit": "2/minute"}
    key = requests.post(f"{people.url}/api/v1/api-keys", json=body, headers=admin, timeout=20).json()
    statuses = [me(people.url, {"X-Api-Key": key["key"]}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_demo_seed_is_idempotent(people: People) -> None:
    state: Any = SimpleNamespace(accounts=people.accounts, settings=AccountSettings())
    first = seed.seed_accounts(state, "demo-password-1")
    again = seed.seed_accounts(state, "demo-password-1")
    assert first in (0, len(seed.DEMO_ACCOUNTS))  # 0: the session's platform ran the seed already
    assert again == 0
    key = seed.seed_api_key(state, people.street_id, seed.DEFAULT_KEY_SECRET)
    assert seed.seed_api_key(state, people.street_id, seed.DEFAULT_KEY_SECRET) == key
    caller = me(people.url, {"X-Api-Key": key})
    assert caller.status_code == 200
    assert "open311_client" in caller.json()["roles"]
    if first:
        signed_in = sign_in(people.url, "resident1@linli.local", "demo-password-1")
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["person"]["id"] == "demo-resident-1"
