"""`linli.gateway.auth` and the auth routes in-process: the real app with in-memory accounts and
fake organizations/volunteers stubs (roles come from them, cached), the service token the
gateway signs, bearer tokens, cookies, API keys and their own rate limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import grpc
import jwt
import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from linli.common import tokens
from linli.common.errors import PermissionDenied, Unauthenticated
from linli.common.identity import Identity
from linli.gateway import auth
from linli.gateway.accounts.repository import MemoryDocuments
from linli.gateway.accounts.settings import AccountSettings
from linli.gateway.app import create_app
from linli.gateway.clients import Clients
from linli.gateway.config import GatewayConfig
from linli.v1 import organizations_pb2 as org_pb
from linli.v1 import volunteers_pb2 as vol_pb

FAST = {
    "LINLI_ARGON2_TIME_COST": "1",
    "LINLI_ARGON2_MEMORY_KIB": "1024",
    "LINLI_ARGON2_PARALLELISM": "1",
    "LINLI_OPERATOR_PERSON_IDS": "person-operator",
}


class NotFoundError(grpc.RpcError):  # type: ignore[misc]
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.NOT_FOUND

    def details(self) -> str:
        return "not found"

    def trailing_metadata(self) -> tuple[()]:
        return ()


class FakeOrganizations:
    def __init__(self) -> None:
        self.grants: dict[str, list[tuple[str, org_pb.OrganizationRole]]] = {
            "person-c1-dispatcher": [("org_c1", org_pb.ORGANIZATION_ROLE_DISPATCHER)],
            "person-c1-admin": [("org_c1", org_pb.ORGANIZATION_ROLE_ADMIN)],
        }
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    def ListRoles(self, request: org_pb.ListRolesRequest, **kwargs: Any) -> org_pb.ListRolesResponse:
        self.calls.append((request.person_id, list(kwargs.get("metadata") or [])))
        return org_pb.ListRolesResponse(
            assignments=[
                org_pb.RoleAssignment(person_id=request.person_id, organization_id=org, role=role, active=True)
                for org, role in self.grants.get(request.person_id, [])
            ]
        )

    def GetVisibleScopes(self, request: org_pb.GetVisibleScopesRequest, **_: Any) -> org_pb.GetVisibleScopesResponse:
        return org_pb.GetVisibleScopesResponse(
            scopes=[
                org_pb.VisibleScope(root_id=org, roles=[role]) for org, role in self.grants.get(request.person_id, [])
            ]
        )

    def GetAncestors(self, request: org_pb.GetAncestorsRequest, **_: Any) -> org_pb.GetAncestorsResponse:
        if request.id == "org_c1_x1":
            return org_pb.GetAncestorsResponse(ancestors=[org_pb.Organization(id="org_c1")])
        return org_pb.GetAncestorsResponse()

    def GetOrganization(self, request: org_pb.GetOrganizationRequest, **_: Any) -> org_pb.Organization:
        return org_pb.Organization(id=request.id)


class FakeVolunteers:
    def __init__(self) -> None:
        self.people = {"person-vol-00001"}

    def GetVolunteer(self, request: vol_pb.GetVolunteerRequest, **_: Any) -> vol_pb.Volunteer:
        if request.person_id in self.people:
            return vol_pb.Volunteer(id="vol_1", person_id=request.person_id)
        raise NotFoundError()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    for kid in ("gateway.1", "tests.1"):
        tokens.generate_keypair(directory, kid)
    return directory


@pytest.fixture
def fakes() -> SimpleNamespace:
    return SimpleNamespace(organizations=FakeOrganizations(), volunteers=FakeVolunteers(), default_timeout=2.0)


@pytest.fixture
def app(keys: Path, fakes: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    config = GatewayConfig.from_env(
        {},
        rate_limit_storage_uri="memory://",
        signing_key_file=str(keys / "gateway.1.key.pem"),
        identity_keys_dir=str(keys),
    )
    clients = cast(Clients, fakes)
    flask_app = create_app(config, clients=clients)
    state = auth.init_app(flask_app, config, clients=clients, documents=MemoryDocuments())
    for person, login in [
        ("demo-resident-1", "resident1@linli.local"),
        ("person-c1-dispatcher", "13800000010"),
        ("person-c1-admin", "admin@linli.local"),
        ("person-vol-00001", "vol1@linli.local"),
        ("person-operator", "operator@linli.local"),
    ]:
        state.accounts.register(login=login, password="demo-password", display_name=person, person_id=person)
    yield flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, login: str, password: str = "demo-password", **extra: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/sign-in", json={"login": login, "password": password, **extra})
    assert response.status_code == 200, response.json
    return cast(dict[str, Any], response.json)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_roles_come_from_organizations_and_volunteers(client: FlaskClient) -> None:
    cases = {
        "resident1@linli.local": ["resident"],
        "13800000010": ["resident", "dispatcher@org_c1"],
        "admin@linli.local": ["resident", "admin@org_c1"],
        "vol1@linli.local": ["resident", "volunteer"],
        "operator@linli.local": ["resident", "operator"],
    }
    for login, roles in cases.items():
        signed_in = sign_in(client, login)
        me = client.get("/api/v1/me", headers=bearer(signed_in["access_token"])).json
        assert me is not None
        assert me["roles"] == roles, login
        assert me["authenticated_by"] == "bearer"


def test_roles_are_cached_briefly(app: Flask, client: FlaskClient, fakes: SimpleNamespace) -> None:
    token = sign_in(client, "13800000010")["access_token"]
    before = len(fakes.organizations.calls)
    for _ in range(5):
        client.get("/api/v1/me", headers=bearer(token))
    assert len(fakes.organizations.calls) == before  # served from the cache
    fakes.organizations.grants["person-c1-dispatcher"] = []
    with app.app_context():
        auth.current_auth().roles.ttl = 0.0
        auth.current_auth().roles.forget("person-c1-dispatcher")
    me = client.get("/api/v1/me", headers=bearer(token)).json
    assert me is not None
    assert me["roles"] == ["resident"]


def test_roles_are_asked_with_the_persons_own_signed_identity(
    client: FlaskClient, fakes: SimpleNamespace, keys: Path
) -> None:
    sign_in(client, "13800000010")
    person_id, metadata = fakes.organizations.calls[-1]
    assert person_id == "person-c1-dispatcher"
    token = dict(metadata)["authorization"].removeprefix("Bearer ")
    identity, issuer = tokens.Verifier(tokens.KeyRing.load(keys)).verify_with_issuer(token)
    assert (identity.subject, issuer) == ("person-c1-dispatcher", "gateway")
    assert "x-request-id" in dict(metadata)


def test_service_metadata_is_a_short_lived_gateway_token(app: Flask, keys: Path) -> None:
    person = auth.Person(id="person-c1-dispatcher", roles=("resident", "dispatcher@org_c1"))
    with app.test_request_context("/", headers={"X-Request-Id": "req-1"}):
        metadata = dict(auth.service_metadata(person))
        again = dict(auth.service_metadata(person))
        assert auth.service_metadata(None) == [("x-request-id", metadata["x-request-id"])]
    assert again["authorization"] == metadata["authorization"]  # reused until near expiry
    token = metadata["authorization"].removeprefix("Bearer ")
    identity = tokens.Verifier(tokens.KeyRing.load(keys)).verify(token)
    assert identity == Identity.of("person-c1-dispatcher", ["resident", "dispatcher@org_c1"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "linli-services"
    assert claims["iss"] == "gateway"
    assert 0 < claims["exp"] - time.time() <= 61


def test_require_role_and_require_person(app: Flask) -> None:
    dispatcher = auth.Person(id="p", roles=("resident", "dispatcher@org_c1"))
    with app.test_request_context("/"):
        with pytest.raises(Unauthenticated):
            auth.require_person()
        with pytest.raises(Unauthenticated):
            auth.require_role("dispatcher")
        g.linli_person = dispatcher
        assert auth.require_role("dispatcher") is dispatcher
        assert auth.require_role("dispatcher@org_c1", "operator") is dispatcher
        with pytest.raises(PermissionDenied):
            auth.require_role("dispatcher@org_c2")
        with pytest.raises(PermissionDenied):
            auth.require_role("operator")

    @auth.role_required("operator")
    def view() -> str:
        return "ok"

    with app.test_request_context("/"):
        g.linli_person = dispatcher
        with pytest.raises(PermissionDenied):
            view()
        g.linli_person = auth.Person(id="op", roles=("operator",))
        assert view() == "ok"


def test_access_tokens_are_checked(client: FlaskClient, keys: Path) -> None:
    signed_in = sign_in(client, "resident1@linli.local")
    token = signed_in["access_token"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    foreign = tokens.Signer.from_file(keys / "tests.1.key.pem").sign(
        Identity(subject=signed_in["person"]["account_id"]), audience="linli-gateway"
    )
    service_token = tokens.Signer.from_file(keys / "gateway.1.key.pem").sign(
        Identity(subject=signed_in["person"]["account_id"])
    )
    expired = tokens.Signer.from_file(keys / "gateway.1.key.pem").sign(
        Identity(subject=signed_in["person"]["account_id"]), audience="linli-gateway", ttl_seconds=-60
    )
    for bad in (tampered, foreign, service_token, expired, "nonsense"):
        response = client.get("/api/v1/me", headers=bearer(bad))
        assert response.status_code == 401, bad
        assert response.content_type == "application/problem+json"
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_browser_sessions_use_a_cookie(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/sign-in",
        json={"login": "resident1@linli.local", "password": "demo-password", "client": "browser"},
    )
    assert response.status_code == 200
    assert "access_token" not in (response.json or {})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert client.get("/api/v1/me").status_code == 200
    # a cookie does not authenticate a cross-site unsafe request
    crossed = client.patch("/api/v1/me", json={"language": "en"}, headers={"Origin": "https://evil.example"})
    assert crossed.status_code == 401
    same = client.patch("/api/v1/me", json={"language": "en"}, headers={"Origin": "http://localhost"})
    assert same.status_code == 200
    assert same.json is not None
    assert same.json["language"] == "en"
    assert client.post("/api/v1/auth/sign-out", json={}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_api_keys_lifecycle_and_limits(client: FlaskClient) -> None:
    admin = bearer(sign_in(client, "admin@linli.local")["access_token"])
    resident = bearer(sign_in(client, "resident1@linli.local")["access_token"])
    body = {"name": "12345 hotline", "organization_id": "org_c1_x1", "roles": ["agency"], "rate_limit": "3/minute"}
    assert client.post("/api/v1/api-keys", json=body, headers=resident).status_code == 403
    assert (
        client.post("/api/v1/api-keys", json={**body, "organization_id": "org_other"}, headers=admin).status_code == 403
    )
    created = client.post("/api/v1/api-keys", json=body, headers=admin)
    assert created.status_code == 201, created.json
    key = cast(dict[str, Any], created.json)
    assert key["roles"] == ["agency@org_c1_x1"]
    me = client.get("/api/v1/me", headers={"X-Api-Key": key["key"]})
    assert me.status_code == 200
    assert me.json is not None
    assert (me.json["id"], me.json["api_key_id"]) == (f"apikey-{key['id']}", key["id"])
    # its own limit: 3 per minute (the first /me counted)
    statuses = [client.get("/api/v1/me", headers={"X-Api-Key": key["key"]}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    listed = client.get("/api/v1/api-keys", query_string={"organization_id": "org_c1_x1"}, headers=admin).json
    assert listed is not None
    assert [k["id"] for k in listed["api_keys"]] == [key["id"]]
    assert "key" not in listed["api_keys"][0]
    assert client.delete(f"/api/v1/api-keys/{key['id']}", headers=resident).status_code == 404
    assert client.delete(f"/api/v1/api-keys/{key['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers={"X-Api-Key": key["key"]}).status_code == 401
    assert client.get("/api/v1/me", headers={"X-Api-Key": "lk_bogus"}).status_code == 401


def test_an_api_key_cannot_mint_keys(client: FlaskClient) -> None:
    operator = bearer(sign_in(client, "operator@linli.local")["access_token"])
    body = {"name": "agency", "organization_id": "org_c1", "roles": ["agency", "open311_client"]}
    key = client.post("/api/v1/api-keys", json=body, headers=operator).json
    assert key is not None
    assert key["rate_limit"] == AccountSettings().api_key_rate_limit
    again = client.post("/api/v1/api-keys", json=body, headers={"X-Api-Key": key["key"]})
    assert again.status_code == 403


def test_sign_in_answers_alike_for_unknown_logins(client: FlaskClient) -> None:
    answers = []
    for login in ("resident1@linli.local", "nobody@linli.local", "not a login"):
        response = client.post("/api/v1/auth/sign-in", json={"login": login, "password": "wrong-password"})
        body = dict(response.json or {})
        body.pop("request_id", None)
        answers.append((response.status_code, tuple(sorted(body.items()))))
    assert len(set(answers)) == 1
    assert answers[0][0] == 401


def test_sign_up_makes_a_resident(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/auth/sign-up",
        json={"login": "new@linli.local", "password": "new-password", "display_name": "新邻居", "language": "zh-CN"},
    )
    assert response.status_code == 201, response.json
    body = cast(dict[str, Any], response.json)
    assert body["person"]["roles"] == ["resident"]
    assert body["person"]["id"].startswith("person-")
    taken = client.post(
        "/api/v1/auth/sign-up",
        json={"login": "NEW@linli.local", "password": "new-password", "display_name": "again"},
    )
    assert taken.status_code == 409
    short = client.post(
        "/api/v1/auth/sign-up", json={"login": "x@linli.local", "password": "short", "display_name": "x"}
    )
    assert short.status_code == 400
