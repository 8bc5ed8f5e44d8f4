"""Who is calling the gateway, and the signed identity the gateway sends the services.

Every request is authenticated once (cached on `flask.g`), in this order:

1. `X-Api-Key: lk_<id>_<secret>`: an agency's or Open311 client's key; the person is the
   key (`apikey-<id>`) with the key's own roles (`agency@<org>`, `open311_client`) and its own
   rate limit (counted here, per key id, in the limiter's shared storage).
2. `Authorization: Bearer <jwt>`: an API client's access token (EdDSA, signed with the
   gateway's key, audience `linli-gateway`, ~10 minutes), from sign-in or refresh.
3. The session cookie (browsers; HttpOnly, SameSite=Lax). A cookie never authenticates a
   cross-site unsafe request (an `Origin` other than the gateway's own).

A bad API key or bearer token is a 401, not anonymity; a stale cookie is simply no session.

Roles come from the organizations service (`ListRoles` for the person, asked with the
person's own signed identity), never from the account: `dispatcher@org_x` per active
assignment; every signed-in person also holds `resident`; `volunteer` when the volunteers
service knows a volunteer for the person; `operator` for the person ids configured in
`LINLI_OPERATOR_PERSON_IDS`. They are cached per person for `LINLI_ROLES_CACHE_SECONDS`
(bounded; least recently used dropped first), so a revoked role stops working within that.

`service_metadata(person)` is what every gRPC call carries: `authorization: Bearer` with a
token signed by the gateway's key for the services (audience `linli-services`, ~60 s, reused
per person until 15 s before expiry) and the request id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import grpc
import jwt
from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from limits import parse as parse_limit
from pymongo import MongoClient

from linli.common import tokens
from linli.common.errors import LinliError, PermissionDenied, ResourceExhausted, Unauthenticated, Unavailable
from linli.common.identity import REQUEST_ID_KEY, Identity, RoleGrant
from linli.gateway import clients as gateway_clients
from linli.gateway.accounts.domain import Account, ApiKey, LockoutPolicy, SessionKind, SessionPolicy
from linli.gateway.accounts.passwords import HashParameters, Passwords
from linli.gateway.accounts.repository import AccountRepository, Documents, MongoDocuments
from linli.gateway.accounts.service import AccountService
from linli.gateway.accounts.settings import AccountSettings
from linli.v1 import common_pb2, organizations_pb2, volunteers_pb2

if TYPE_CHECKING:
    from linli.gateway.clients import Clients

log = logging.getLogger(__name__)

EXTENSION_KEY = "linli_auth"
ACCESS_AUDIENCE = "linli-gateway"
SERVICE_AUDIENCE = "linli-services"
GATEWAY_ISSUER = "gateway"
RESIDENT = "resident"
VOLUNTEER = "volunteer"
OPERATOR = "operator"
API_KEY_HEADER = "X-Api-Key"
ACCOUNT_CACHE_SECONDS = 5.0
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MISSING = object()
F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True)
class Person:
    """The caller: a signed-in person or an API key. `id` is the person id the services know."""

    id: str
    account_id: str = ""
    display_name: str = ""
    language: str = "zh-CN"
    roles: tuple[str, ...] = ()
    api_key_id: str = ""

    @property
    def identity(self) -> Identity:
        return Identity(subject=self.id, grants=tuple(RoleGrant.parse(r) for r in self.roles))

    def has_role(self, *names: str) -> bool:
        """`names` are bare roles (any scope: "dispatcher") or exact grants ("dispatcher@org_1")."""
        for role in self.roles:
            bare = role.partition("@")[0]
            if role in names or bare in names:
                return True
        return False

    def scopes_for(self, *names: str) -> set[str]:
        """Organisation ids under which the person holds one of `names` ("" = everywhere)."""
        return self.identity.scopes_for(*names)


# -- roles from organizations and volunteers ---------------------------------------------------


class RoleCache:
    """A person's roles, asked of the services and kept `ttl` seconds (bounded LRU)."""

    def __init__(self, lookup: Callable[[str], tuple[tuple[str, ...], bool]], ttl: float, size: int = 10_000) -> None:
        self.lookup = lookup
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[str, tuple[float, tuple[str, ...]]] = OrderedDict()
        self._lock = threading.Lock()

    def roles(self, person_id: str) -> tuple[str, ...]:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(person_id)
            if found is not None and found[0] > now:
                self._entries.move_to_end(person_id)
                return found[1]
        roles, complete = self.lookup(person_id)
        ttl = self.ttl if complete else min(self.ttl, 2.0)  # a failed lookup is retried soon
        with self._lock:
            self._entries[person_id] = (now + ttl, roles)
            self._entries.move_to_end(person_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return roles

    def forget(self, person_id: str) -> None:
        with self._lock:
            self._entries.pop(person_id, None)


def _role_name(value: int) -> str:
    name = organizations_pb2.OrganizationRole.Name(value)
    return name.removeprefix("ORGANIZATION_ROLE_").lower()


# -- the per-app state -------------------------------------------------------------------------


class Auth:
    """Accounts, token signing and the roles cache of one app (`app.extensions["linli_auth"]`)."""

    def __init__(
        self,
        settings: AccountSettings,
        accounts: AccountService,
        *,
        signing_key_file: str = "",
        keys_dir: str = "",
        clients: Clients | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.clients = clients
        self.signer: Any = None
        self.verifier: Any = None
        self._load_keys(signing_key_file, keys_dir)
        self.roles = RoleCache(self._lookup_roles, settings.roles_cache_seconds)
        self._service_tokens: OrderedDict[tuple[str, tuple[str, ...]], tuple[float, str]] = OrderedDict()
        self._tokens_lock = threading.Lock()
        self._accounts: OrderedDict[str, tuple[float, Account | None]] = OrderedDict()

    def _load_keys(self, signing_key_file: str, keys_dir: str) -> None:
        if not signing_key_file:
            log.warning("no LINLI_SIGNING_KEY_FILE: the gateway sends unsigned identities and accepts no bearer token")
            return
        self.signer = tokens.Signer.from_file(signing_key_file)
        directory = keys_dir or str(Path(signing_key_file).parent)
        self.verifier = tokens.Verifier(tokens.KeyRing.load(directory), audience=ACCESS_AUDIENCE)

    # -- clients ------------------------------------------------------------------------------
    def _clients(self) -> Clients | None:
        if self.clients is not None:
            return self.clients
        if has_app_context() and gateway_clients.EXTENSION_KEY in current_app.extensions:
            return gateway_clients.current()
        return None

    def _lookup_roles(self, person_id: str) -> tuple[tuple[str, ...], bool]:
        """(roles, whether every lookup answered)."""
        roles: list[str] = [RESIDENT]
        if person_id in self.settings.operators:
            roles.append(OPERATOR)
        clients = self._clients()
        if clients is None:
            return tuple(roles), False
        asker = Person(id=person_id, roles=(RESIDENT,))
        metadata = self.service_metadata(asker)
        complete = True
        try:
            token = ""
            for _ in range(20):  # at most 2,000 assignments
                response = clients.organizations.ListRoles(
                    organizations_pb2.ListRolesRequest(
                        person_id=person_id, page=common_pb2.PageRequest(page_size=100, page_token=token)
                    ),
                    metadata=metadata,
                    timeout=3,
                )
                for assignment in response.assignments:
                    if assignment.active:
                        roles.append(f"{_role_name(assignment.role)}@{assignment.organization_id}")
                token = response.page.next_page_token
                if not token:
                    break
        except grpc.RpcError as exc:
            log.warning("roles of %s not available from organizations: %s", person_id, exc.code())
            complete = False
        try:
            clients.volunteers.GetVolunteer(
                volunteers_pb2.GetVolunteerRequest(person_id=person_id), metadata=metadata, timeout=3
            )
            roles.append(VOLUNTEER)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                log.warning("volunteer status of %s not available: %s", person_id, exc.code())
                complete = False
        return tuple(dict.fromkeys(roles)), complete

    # -- people -------------------------------------------------------------------------------
    def person_for(self, account: Account) -> Person:
        return Person(
            id=account.person_id,
            account_id=account.id,
            display_name=account.display_name,
            language=account.language,
            roles=self.roles.roles(account.person_id),
        )

    @staticmethod
    def person_for_key(key: ApiKey) -> Person:
        return Person(id=key.subject, display_name=key.name, roles=key.roles, api_key_id=key.id, language="en")

    # -- tokens -------------------------------------------------------------------------------
    def access_token(self, account: Account) -> tuple[str, int]:
        """(token, seconds it lives) for an API client; sub is the account id."""
        if self.signer is None:
            raise Unauthenticated("access tokens need the gateway's signing key (LINLI_SIGNING_KEY_FILE)")
        ttl = self.settings.access_token_seconds
        token: str = self.signer.sign(Identity(subject=account.id), ttl_seconds=ttl, audience=ACCESS_AUDIENCE)
        return token, ttl

    def verify_access(self, token: str) -> Account:
        if self.verifier is None:
            raise Unauthenticated("Authorization: bearer tokens are not accepted (no signing key)")
        try:
            identity, issuer = self.verifier.verify_with_issuer(token)
        except LinliError as exc:
            raise Unauthenticated(f"Authorization: {exc.message}") from None
        if issuer != GATEWAY_ISSUER:
            raise Unauthenticated("Authorization: the bearer token was not issued by the gateway")
        account = self._cached_account(identity.subject)
        if account is None or account.disabled:
            raise Unauthenticated("Authorization: the account no longer exists")
        if account.sessions_not_before is not None:  # a password change revoked older tokens
            issued = jwt.decode(token, options={"verify_signature": False}).get("iat", 0)
            if not isinstance(issued, int | float) or account.token_revoked(issued):
                raise Unauthenticated("Authorization: the token was revoked (the password changed): sign in again")
        return account

    def forget_account(self, account_id: str) -> None:
        with self._tokens_lock:
            self._accounts.pop(account_id, None)

    def _cached_account(self, account_id: str) -> Account | None:
        """Accounts behind bearer tokens, kept ACCOUNT_CACHE_SECONDS (a token lives minutes anyway)."""
        now = time.monotonic()
        with self._tokens_lock:
            found = self._accounts.get(account_id)
            if found is not None and found[0] > now:
                return found[1]
        account = self.accounts.account(account_id)
        with self._tokens_lock:
            self._accounts[account_id] = (now + ACCOUNT_CACHE_SECONDS, account)
            self._accounts.move_to_end(account_id)
            while len(self._accounts) > 10_000:
                self._accounts.popitem(last=False)
        return account

    def service_metadata(self, person: Person | None) -> list[tuple[str, str]]:
        metadata: list[tuple[str, str]] = []
        if person is not None and person.id:
            if self.signer is None:
                # Without its key the gateway cannot say who calls; the services would refuse
                # unsigned identity anyway, so say why here instead of acting anonymously.
                raise Unavailable("the gateway has no signing key (LINLI_SIGNING_KEY_FILE): it cannot call as a person")
            metadata.append(("authorization", f"Bearer {self._service_token(person)}"))
        request_id = _request_id()
        if request_id:
            metadata.append((REQUEST_ID_KEY, request_id))
        return metadata

    def _service_token(self, person: Person) -> str:
        key = (person.id, person.roles)
        now = time.monotonic()
        with self._tokens_lock:
            found = self._service_tokens.get(key)
            if found is not None and found[0] > now:
                self._service_tokens.move_to_end(key)
                return found[1]
        ttl = self.settings.service_token_seconds
        token: str = self.signer.sign(person.identity, ttl_seconds=ttl, audience=SERVICE_AUDIENCE)
        with self._tokens_lock:
            self._service_tokens[key] = (now + max(1.0, ttl - 15.0), token)
            while len(self._service_tokens) > 10_000:
                self._service_tokens.popitem(last=False)
        return token

    # -- API key rate limits ------------------------------------------------------------------
    @staticmethod
    def count_key_use(key: ApiKey) -> None:
        """Counts a call against the key's own limit (shared storage when the app's limiter runs)."""
        try:
            from linli.gateway.ratelimit import limiter  # noqa: PLC0415 - the limiter imports this module
        except ImportError:
            return
        try:
            if not current_app.config.get("RATELIMIT_ENABLED", True):
                return
            strategy = limiter.limiter
            allowed = strategy.hit(parse_limit(key.rate_limit), "apikey", key.id)
        except Exception:  # storage or limiter not ready: do not fail the call
            log.debug("API key limit not counted", exc_info=True)
            return
        if not allowed:
            raise ResourceExhausted(f"API key {key.id}: over its rate limit of {key.rate_limit}")


def build(
    config: object | None = None,
    *,
    clients: Clients | None = None,
    documents: Documents | None = None,
) -> Auth:
    """The auth state for a config (GatewayConfig or None: the environment)."""
    settings = AccountSettings.of(config)
    if documents is None:
        uri = str(getattr(config, "mongo_uri", "") or os.environ.get("LINLI_MONGO_URI", "mongodb://127.0.0.1:27017/"))
        database = str(getattr(config, "database", "") or os.environ.get("LINLI_MONGO_DB", "") or "linli_gateway")
        client: MongoClient[dict[str, Any]] = MongoClient(
            uri, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, maxPoolSize=8
        )
        documents = MongoDocuments(client[database])
    passwords = Passwords(
        HashParameters(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    )
    service = AccountService(
        AccountRepository(documents),
        passwords,
        lockout=LockoutPolicy(
            max_failures=settings.lockout_failures,
            base_lock=_minutes(settings.lockout_minutes),
        ),
        sessions=SessionPolicy(
            browser_ttl=_days(settings.session_days),
            refresh_ttl=_days(settings.refresh_days),
            access_ttl=_seconds(settings.access_token_seconds),
        ),
    )
    signing_key_file = str(getattr(config, "signing_key_file", "") or os.environ.get("LINLI_SIGNING_KEY_FILE", ""))
    keys_dir = str(getattr(config, "identity_keys_dir", "") or os.environ.get("LINLI_IDENTITY_KEYS_DIR", ""))
    return Auth(settings, service, signing_key_file=signing_key_file, keys_dir=keys_dir, clients=clients)


def _minutes(value: float) -> dt.timedelta:
    return dt.timedelta(minutes=value)


def _days(value: float) -> dt.timedelta:
    return dt.timedelta(days=value)


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def init_app(
    app: Flask,
    config: object | None = None,
    *,
    clients: Clients | None = None,
    documents: Documents | None = None,
) -> Auth:
    """Installs the auth state on `app` (the app factory calls this; otherwise it is built
    from the environment on first use)."""
    auth = build(config, clients=clients, documents=documents)
    app.extensions[EXTENSION_KEY] = auth
    return auth


_build_lock = threading.Lock()


def current_auth() -> Auth:
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        with _build_lock:
            found = current_app.extensions.get(EXTENSION_KEY)
            if found is None:
                config = current_app.extensions.get("linli_config") or current_app.config.get("LINLI_CONFIG")
                found = build(config)
                current_app.extensions[EXTENSION_KEY] = found
    return cast(Auth, found)


# -- the request's caller ----------------------------------------------------------------------


def _request_id() -> str:
    if not has_request_context():
        return ""
    found = getattr(g, "request_id", "")
    if not found:
        found = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        g.request_id = found
    return str(found)


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if not origin:
        return True
    return origin.rstrip("/") == request.host_url.rstrip("/")


def _resolve() -> Person | None:
    auth = current_auth()
    key_text = request.headers.get(API_KEY_HEADER, "")
    if key_text:
        key = auth.accounts.authenticate_api_key(key_text)
        g.linli_auth_method = "api_key"
        auth.count_key_use(key)
        return auth.person_for_key(key)
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization: expected 'Bearer <access token>'")
        account = auth.verify_access(token.strip())
        g.linli_auth_method = "bearer"
        return auth.person_for(account)
    secret = request.cookies.get(auth.settings.session_cookie_name, "")
    if secret and (request.method not in _UNSAFE or _same_origin()):
        found = auth.accounts.session_account(secret)
        if found is not None:
            g.linli_auth_method = "session"
            g.linli_session_id = found[0].id
            return auth.person_for(found[1])
    return None


def current_person() -> Person | None:
    """The caller of this request (None: anonymous). A bad API key or bearer token raises
    Unauthenticated (401)."""
    if not has_request_context():
        return None
    cached = g.get("linli_person", _MISSING)
    if cached is not _MISSING:
        if isinstance(cached, LinliError):
            raise cached
        return cast(Person | None, cached)
    try:
        person = _resolve()
    except LinliError as exc:
        g.linli_person = exc
        raise
    g.linli_person = person
    return person


def require_person() -> Person:
    """The caller, or a 401 problem when there is none."""
    person = current_person()
    if person is None:
        raise Unauthenticated("sign in first: a session cookie, a bearer access token or an X-Api-Key is required")
    return person


def _check_roles(roles: tuple[str, ...]) -> Person:
    person = require_person()
    if roles and not person.has_role(*roles):
        raise PermissionDenied(f"needs one of the roles: {', '.join(roles)}")
    return person


def role_required(*roles: str) -> Callable[[F], F]:
    """A view decorator: 401 without a caller, 403 unless they hold one of `roles`."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            _check_roles(roles)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def require_role(*roles: str) -> Any:
    """Inside a request: the caller (a Person) if they hold one of `roles` (bare names match any
    scope: "dispatcher"; "dispatcher@org_1" matches exactly), else 401/403. Outside a request
    (decorating a view at import time) it is `role_required(*roles)`; typed code decorates with
    `role_required` directly."""
    if has_request_context():
        return _check_roles(roles)
    return role_required(*roles)


def service_metadata(person: Person | None) -> list[tuple[str, str]]:
    """gRPC metadata for a call made for `person` (None: anonymous): the gateway-signed service
    token and the request id."""
    if has_app_context():
        return current_auth().service_metadata(person)
    return []


# -- browser sessions (the API's sign-in and the web pages' sign-in form share these) -------------


def sign_in_browser(login: str, password: str) -> tuple[Person, str]:
    """Checks the credentials and opens a browser session: (the person, the cookie's secret).
    Raises SignInFailed (401) the same way for every failure."""
    auth = current_auth()
    issued = auth.accounts.sign_in(login, password, SessionKind.BROWSER)
    person = auth.person_for(issued.account)
    g.linli_person = person
    return person, issued.secret


def set_session_cookie(response: Response, secret: str) -> Response:
    auth = current_auth()
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE", False))
    response.set_cookie(
        auth.settings.session_cookie_name,
        secret,
        max_age=int(auth.settings.session_days * 86400),
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )
    return response


def sign_out_browser(response: Response) -> Response:
    """Revokes this request's session (if any) and clears the cookie."""
    auth = current_auth()
    secret = request.cookies.get(auth.settings.session_cookie_name, "")
    if secret:
        auth.accounts.sign_out(secret)
    response.delete_cookie(auth.settings.session_cookie_name, path="/", httponly=True, samesite="Lax")
    g.linli_person = None
    return response


def forget_roles(person_id: str) -> None:
    """Drops a person's cached roles (after a grant or revoke through the gateway)."""
    current_auth().roles.forget(person_id)


__all__ = [
    "Auth",
    "Person",
    "current_auth",
    "current_person",
    "forget_roles",
    "init_app",
    "require_person",
    "require_role",
    "role_required",
    "service_metadata",
    "set_session_cookie",
    "sign_in_browser",
    "sign_out_browser",
]
