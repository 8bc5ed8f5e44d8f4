"""`/api/v1` routes of accounts: sign-up, sign-in, refresh, sign-out, the caller (`/me`) and
agencies' API keys.

- `POST /auth/sign-in` with `{"login", "password"}`: API clients (`"client": "api"`, the
  default) get a short-lived access token (`Authorization: Bearer`) and a refresh token;
  browsers (`"client": "browser"`) get a session cookie (HttpOnly, SameSite=Lax, Secure when
  `LINLI_SECURE_COOKIES`). A wrong password, an unknown login and a locked login get the same
  401. Limited per client address (`LINLI_SIGN_IN_RATE_LIMIT`) on top of the per-login lockout.
- `POST /auth/refresh`: spends a refresh token for a new pair (a refresh token works once;
  using one twice revokes its family). `POST /auth/sign-out`: revokes the session cookie and/or
  the refresh token given.
- `GET /me`: the caller with the roles organizations grants them (and `resident`, `volunteer`
  when the volunteers service knows them) and the organisation subtrees they see.
- `POST /api-keys` (operators, admins of the organisation or an ancestor): a key bound to an
  agency with roles `agency` / `open311_client` and its own rate limit; the key is shown once.
  `GET /api-keys`, `DELETE /api-keys/{key_id}` (revoke).
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from flask import Response, current_app, g, json, request
from marshmallow import fields, validate

from linli.common.errors import LinliError, NotFound, PermissionDenied
from linli.gateway import auth, password_reset
from linli.gateway import clients as gw_clients
from linli.gateway.accounts.domain import LANGUAGES, ApiKey, SessionKind
from linli.gateway.accounts.service import Issued
from linli.gateway.ratelimit import client_address, limiter
from linli.v1 import organizations_pb2

bp = APIBlueprint("api_auth", __name__, tag="Accounts")

_AUTH_ERRORS = {401: "Sign-in failed or no identity", 429: "Too many attempts"}


def _sign_in_limit() -> str:
    return auth.current_auth().settings.sign_in_rate_limit


def _json(payload: Any, status: int = 200) -> Response:
    response = current_app.response_class(json.dumps(payload), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


# -- schemas -------------------------------------------------------------------------------------


class SignUpBody(Schema):
    login = fields.String(
        required=True, validate=validate.Length(min=1, max=254), metadata={"description": "Phone number or e-mail."}
    )
    password = fields.String(required=True, validate=validate.Length(min=8, max=1024))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    language = fields.String(load_default="zh-CN", validate=validate.OneOf(LANGUAGES))
    client = fields.String(load_default="api", validate=validate.OneOf(("api", "browser")))


class SignInBody(Schema):
    login = fields.String(
        required=True, validate=validate.Length(min=1, max=254), metadata={"description": "Phone number or e-mail."}
    )
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    client = fields.String(
        load_default="api",
        validate=validate.OneOf(("api", "browser")),
        metadata={"description": "api: access and refresh tokens; browser: a session cookie."},
    )


class RefreshBody(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SignOutBody(Schema):
    refresh_token = fields.String(validate=validate.Length(min=1, max=200))


class ChangePasswordBody(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1024),
        metadata={"description": "At least 8 characters; not the current one, not the account's phone or e-mail."},
    )


class ResetBody(Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "The account's phone number or e-mail."},
    )


class ResetAccepted(Schema):
    status = fields.String(required=True)
    detail = fields.String(required=True)


class ResetConfirmBody(Schema):
    token = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "From the reset link."}
    )
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class Scope(Schema):
    root_id = fields.String(required=True)
    name = fields.String()
    roles = fields.List(fields.String(), required=True)


class Me(Schema):
    id = fields.String(required=True, metadata={"description": "The person id the services know."})
    account_id = fields.String(required=True)
    display_name = fields.String(required=True)
    language = fields.String(required=True)
    roles = fields.List(fields.String(), required=True, metadata={"description": "e.g. dispatcher@org_1"})
    api_key_id = fields.String(required=True)
    authenticated_by = fields.String(required=True, metadata={"description": "session, bearer or api_key"})
    scopes = fields.List(fields.Nested(Scope), required=True)


class SignedIn(Schema):
    person = fields.Nested(Me, required=True)
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    refresh_token = fields.String()
    refresh_expires_at = fields.String()


class UpdateMeBody(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=100))
    language = fields.String(validate=validate.OneOf(LANGUAGES))


class ApiKeyBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    organization_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    roles = fields.List(
        fields.String(validate=validate.OneOf(("agency", "open311_client"))),
        load_default=list,
        validate=validate.Length(max=2),
    )
    rate_limit = fields.String(
        validate=validate.Length(min=1, max=40), metadata={"description": "e.g. 120/minute (default per config)."}
    )


class ApiKeyOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    organization_id = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    rate_limit = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = fields.String(required=True)
    revoked_at = fields.String()
    key = fields.String(metadata={"description": "The whole key, shown only in the create response."})


class ApiKeyList(Schema):
    api_keys = fields.List(fields.Nested(ApiKeyOut), required=True)


class ApiKeyQuery(Schema):
    organization_id = fields.String(validate=validate.Length(min=1, max=128))


# -- helpers -------------------------------------------------------------------------------------


def _scopes(person: auth.Person) -> list[dict[str, Any]]:
    if person.api_key_id:
        return []
    try:
        found = gw_clients.call(
            gw_clients.current().organizations.GetVisibleScopes,
            organizations_pb2.GetVisibleScopesRequest(person_id=person.id),
            person=person,
            idempotent=True,
        )
    except LinliError:
        return []
    return [
        {
            "root_id": scope.root_id,
            "name": scope.root_name.zh if person.language == "zh-CN" and scope.root_name.zh else scope.root_name.en,
            "roles": [
                organizations_pb2.OrganizationRole.Name(r).removeprefix("ORGANIZATION_ROLE_").lower()
                for r in scope.roles
            ],
        }
        for scope in found.scopes
    ]


def _me(person: auth.Person, method: str = "") -> dict[str, Any]:
    return {
        "id": person.id,
        "account_id": person.account_id,
        "display_name": person.display_name,
        "language": person.language,
        "roles": list(person.roles),
        "api_key_id": person.api_key_id,
        "authenticated_by": method or str(g.get("linli_auth_method", "")),
        "scopes": _scopes(person),
    }


def _tokens(issued: Issued) -> dict[str, Any]:
    state = auth.current_auth()
    token, ttl = state.access_token(issued.account)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": issued.secret,
        "refresh_expires_at": issued.session.expires_at.isoformat().replace("+00:00", "Z"),
    }


def _signed_in(issued: Issued, client: str, status: int = 200) -> Response:
    state = auth.current_auth()
    person = state.person_for(issued.account)
    if client == "browser":
        response = _json({"person": _me(person, "session")}, status)
        return auth.set_session_cookie(response, issued.secret)
    return _json({"person": _me(person, "bearer"), **_tokens(issued)}, status)


def _key_out(key: ApiKey, whole: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": key.id,
        "name": key.name,
        "organization_id": key.organization_id,
        "roles": list(key.roles),
        "rate_limit": key.rate_limit,
        "created_by": key.created_by,
        "created_at": key.created_at.isoformat().replace("+00:00", "Z"),
    }
    if key.revoked_at is not None:
        out["revoked_at"] = key.revoked_at.isoformat().replace("+00:00", "Z")
    if whole:
        out["key"] = whole
    return out


def _may_manage_keys_of(person: auth.Person, organization_id: str) -> bool:
    """Operators everywhere; admins of the organisation or an ancestor (asked of organizations)."""
    if person.api_key_id:
        return False
    if person.has_role("operator"):
        return True
    scopes = person.scopes_for("admin")
    if not scopes:
        return False
    if "" in scopes or organization_id in scopes:
        return True
    try:
        found = gw_clients.call(
            gw_clients.current().organizations.GetAncestors,
            organizations_pb2.GetAncestorsRequest(id=organization_id),
            person=person,
            idempotent=True,
        )
    except NotFound:
        return False
    return any(ancestor.id in scopes for ancestor in found.ancestors)


# -- routes --------------------------------------------------------------------------------------


@bp.post("/auth/sign-up")
@bp.input(SignUpBody, arg_name="body")
@bp.output(SignedIn, status_code=201)
@bp.doc(summary="Create a resident account and sign in", responses={409: "The login is taken", 429: "Too many"})
@limiter.limit(_sign_in_limit, key_func=lambda: f"ip:{client_address()}")
def sign_up(body: dict[str, Any]) -> Response:
    state = auth.current_auth()
    account = state.accounts.register(
        login=body["login"], password=body["password"], display_name=body["display_name"], language=body["language"]
    )
    kind = SessionKind.BROWSER if body["client"] == "browser" else SessionKind.REFRESH
    return _signed_in(state.accounts.issue(account, kind), body["client"], 201)


@bp.post("/auth/sign-in")
@bp.input(SignInBody, arg_name="body")
@bp.output(SignedIn)
@bp.doc(summary="Sign in with a phone number or e-mail and a password", responses=_AUTH_ERRORS)
@limiter.limit(_sign_in_limit, key_func=lambda: f"ip:{client_address()}")
def sign_in(body: dict[str, Any]) -> Response:
    state = auth.current_auth()
    kind = SessionKind.BROWSER if body["client"] == "browser" else SessionKind.REFRESH
    issued = state.accounts.sign_in(body["login"], body["password"], kind)
    return _signed_in(issued, body["client"])


@bp.post("/auth/refresh")
@bp.input(RefreshBody, arg_name="body")
@bp.output(SignedIn)
@bp.doc(summary="Spend a refresh token for a new access token and refresh token", responses=_AUTH_ERRORS)
@limiter.limit(_sign_in_limit, key_func=lambda: f"ip:{client_address()}")
def refresh(body: dict[str, Any]) -> Response:
    issued = auth.current_auth().accounts.refresh(body["refresh_token"])
    return _signed_in(issued, "api")


@bp.post("/auth/sign-out")
@bp.input(SignOutBody, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke the session cookie and/or a refresh token")
def sign_out(body: dict[str, Any]) -> Response:
    state = auth.current_auth()
    if body.get("refresh_token"):
        state.accounts.sign_out(body["refresh_token"])
    response = current_app.response_class(status=204)
    return auth.sign_out_browser(response)


RESET_ACCEPTED = {
    "status": "accepted",
    "detail": "If an account has this login, a link to choose a new password is on its way (valid 30 minutes).",
}


@bp.post("/auth/password")
@bp.input(ChangePasswordBody, arg_name="body")
@bp.output(SignedIn)
@bp.doc(
    summary="Change the caller's password; every other session and token is revoked",
    description="The answer carries the caller's new session (a cookie when signed in by one) or new tokens.",
    responses={401: "No identity", 403: "Wrong current password or an API key", 422: "Weak new password"},
)
@limiter.limit(_sign_in_limit, key_func=lambda: f"ip:{client_address()}")
def change_password(body: dict[str, Any]) -> Response:
    person = auth.require_person()
    if not person.account_id:
        raise PermissionDenied("an API key has no password")
    state = auth.current_auth()
    account = state.accounts.change_password(person.account_id, body["current_password"], body["new_password"])
    state.forget_account(account.id)
    by_session = g.get("linli_auth_method") == "session"
    kind = SessionKind.BROWSER if by_session else SessionKind.REFRESH
    return _signed_in(state.accounts.issue(account, kind), "browser" if by_session else "api")


@bp.post("/auth/password-reset")
@bp.input(ResetBody, arg_name="body")
@bp.output(ResetAccepted, status_code=202)
@bp.doc(
    summary="Ask for a password reset link (always 202, whether or not the login has an account)",
    description="The link goes to the account's e-mail, else by SMS to its phone; at most 3 per login an hour.",
    responses={429: "Too many requests from this client"},
)
@limiter.limit(_sign_in_limit, key_func=lambda: f"ip:{client_address()}")
def request_password_reset(body: dict[str, Any]) -> Response:
    password_reset.start_reset(body["login"])
    return _json(RESET_ACCEPTED, 202)


@bp.post("/auth/password-reset/confirm")
@bp.input(ResetConfirmBody, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Choose a new password with a reset link's token (once); every session is revoked",
    responses={400: "The token is expired, used or unknown", 422: "Weak new password", 429: "Too many"},
)
@limiter.limit(_sign_in_limit, key_func=lambda: f"ip:{client_address()}")
def confirm_password_reset(body: dict[str, Any]) -> Response:
    state = auth.current_auth()
    account = state.accounts.confirm_reset(body["token"], body["new_password"])
    state.forget_account(account.id)
    response = current_app.response_class(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me")
@bp.output(Me)
@bp.doc(summary="The caller: person id, roles from organizations, visible scopes", responses={401: "No identity"})
def me() -> Response:
    return _json(_me(auth.require_person()))


@bp.patch("/me")
@bp.input(UpdateMeBody, arg_name="body")
@bp.output(Me)
@bp.doc(summary="Change the caller's display name or language", responses={401: "No identity", 403: "An API key"})
def update_me(body: dict[str, Any]) -> Response:
    person = auth.require_person()
    if not person.account_id:
        raise PermissionDenied("an API key has no profile to change")
    account = auth.current_auth().accounts.update_profile(
        person.account_id, display_name=body.get("display_name"), language=body.get("language")
    )
    auth.current_auth().forget_account(account.id)
    updated = auth.current_auth().person_for(account)
    return _json(_me(updated))


@bp.post("/api-keys")
@bp.input(ApiKeyBody, arg_name="body")
@bp.output(ApiKeyOut, status_code=201)
@bp.doc(
    summary="Create an API key for an agency (shown once)",
    responses={400: "Invalid input", 401: "No identity", 403: "Not an operator or admin of the organisation"},
)
def create_api_key(body: dict[str, Any]) -> Response:
    person = auth.require_person()
    organization_id = body["organization_id"]
    if not _may_manage_keys_of(person, organization_id):
        raise PermissionDenied("API keys are created by operators and admins of the organisation")
    gw_clients.call(
        gw_clients.current().organizations.GetOrganization,
        organizations_pb2.GetOrganizationRequest(id=organization_id),
        person=person,
        idempotent=True,
    )
    state = auth.current_auth()
    key, whole = state.accounts.create_api_key(
        name=body["name"],
        organization_id=organization_id,
        roles=list(body.get("roles") or []),
        rate_limit=body.get("rate_limit") or state.settings.api_key_rate_limit,
        created_by=person.id,
    )
    response = _json(_key_out(key, whole), 201)
    response.headers["Location"] = f"{request.script_root}/api/v1/api-keys/{key.id}"
    return response


@bp.get("/api-keys")
@bp.input(ApiKeyQuery, location="query", arg_name="query")
@bp.output(ApiKeyList)
@bp.doc(summary="API keys (operators: all; admins: of an organisation they administer)", responses=_AUTH_ERRORS)
def list_api_keys(query: dict[str, Any]) -> Response:
    person = auth.require_person()
    organization_id = query.get("organization_id", "")
    if not (person.has_role("operator") and not person.api_key_id) and not (
        organization_id and _may_manage_keys_of(person, organization_id)
    ):
        raise PermissionDenied("operators list every key; admins give an organization_id they administer")
    keys = auth.current_auth().accounts.api_keys(organization_id)
    return _json({"api_keys": [_key_out(k) for k in keys]})


@bp.delete("/api-keys/<key_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke an API key", responses={401: "No identity", 404: "No such key (or not yours to see)"})
def revoke_api_key(key_id: str) -> Response:
    person = auth.require_person()
    state = auth.current_auth()
    key = state.accounts.api_key(key_id[:64])
    if key is None or not _may_manage_keys_of(person, key.organization_id):
        raise NotFound("API key not found", field="key_id")
    state.accounts.revoke_api_key(key.id, person.id)
    return current_app.response_class(status=204)
