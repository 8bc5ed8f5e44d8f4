"""Accounts, sign-in guards, sessions and API keys: the gateway's own domain, pure Python.

- An **account** is how a person signs in: a login (a phone number or an e-mail address,
  normalised), a display name, a language and the person id the services know. It holds no
  roles: roles and their scopes come from the organizations service, asked at sign-in and
  cached briefly (`linli.gateway.auth`).
- A **guard** counts failed sign-ins per normalised login, whether an account has that login
  or not, so a locked login and an unknown one answer alike (no account enumeration). Five
  failures lock the login for 15 minutes; each further lockout doubles that, up to a day.
- A **session** is an opaque secret held by a browser (cookie) or an API client (refresh
  token), stored only as its SHA-256. Refresh tokens rotate on every use; presenting one that
  was already used revokes its whole family (a stolen copy is worth nothing once either side
  used it).
- An **API key** (`lk_<id>_<secret>`) belongs to an agency (an organisation id) and carries
  its own roles (`agency@<org>`, `open311_client`) and rate limit; only its SHA-256 is kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata
from enum import StrEnum

from linli.common.errors import InvalidArgument

LANGUAGES = ("zh-CN", "en")
MAX_LOGIN_LENGTH = 254
MAX_PASSWORD_LENGTH = 1024
MIN_PASSWORD_LENGTH = 8
MAX_DISPLAY_NAME_LENGTH = 100

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_PHONE_CHARS = re.compile(r"[\s().-]")
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")


class LoginKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


def normalise_login(raw: str) -> tuple[LoginKind, str]:
    """An e-mail address (lower-cased, NFKC) or a phone number (digits; mainland numbers
    without +86). Raises InvalidArgument (field `login`) for anything else."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise InvalidArgument("login: required (a phone number or an e-mail address)", field="login")
    if len(text) > MAX_LOGIN_LENGTH:
        raise InvalidArgument(f"login: at most {MAX_LOGIN_LENGTH} characters", field="login")
    if "@" in text:
        email = text.lower()
        if not _EMAIL.match(email):
            raise InvalidArgument("login: not an e-mail address", field="login")
        return LoginKind.EMAIL, email
    phone = _PHONE_CHARS.sub("", text)
    if not _PHONE.match(phone):
        raise InvalidArgument("login: not a phone number or an e-mail address", field="login")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    return LoginKind.PHONE, phone


def login_key(normalised: str) -> str:
    """The `_id` of the document naming the account that holds a login (FerretDB finds it
    without a scan)."""
    return f"login:{normalised}"


def guard_key(normalised: str) -> str:
    """The `_id` of a login's guard; hashed, so the guard collection holds no phone numbers."""
    return "guard:" + hashlib.sha256(normalised.encode()).hexdigest()


def check_password_shape(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidArgument(f"password: at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidArgument(f"password: at most {MAX_PASSWORD_LENGTH} characters", field="password")


class WeakPassword(InvalidArgument):
    """A new password the policy refuses: 422, the body was well formed."""

    http_status = 422


def _comparable(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def check_new_password(password: str, *, logins: list[str], same_as_current: bool) -> None:
    """The policy for a new password: its length, not the current one, not one of the
    account's logins (an e-mail address or a phone number, with or without +86 and spaces)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"new_password: at least {MIN_PASSWORD_LENGTH} characters", field="new_password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"new_password: at most {MAX_PASSWORD_LENGTH} characters", field="new_password")
    if same_as_current:
        raise WeakPassword("new_password: must differ from the current password", field="new_password")
    plain = _comparable(password)
    digits = _PHONE_CHARS.sub("", plain)
    candidates = {plain, digits, digits.removeprefix("+86"), digits.removeprefix("0086")}
    if candidates & {_comparable(login) for login in logins}:
        raise WeakPassword("new_password: must not be the account's phone number or e-mail", field="new_password")


def check_display_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").strip()
    if not text:
        raise InvalidArgument("display_name: required", field="display_name")
    if len(text) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidArgument(f"display_name: at most {MAX_DISPLAY_NAME_LENGTH} characters", field="display_name")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidArgument("display_name: control characters are not allowed", field="display_name")
    return text


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidArgument(f"language: one of {', '.join(LANGUAGES)}", field="language")
    return language


@dataclasses.dataclass
class Account:
    id: str
    person_id: str
    display_name: str
    language: str
    password_hash: str
    logins: list[str] = dataclasses.field(default_factory=list)  # normalised logins
    disabled: bool = False
    created_at: dt.datetime = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.UTC))
    version: int = 0
    #: Sessions, refresh tokens and access tokens made before this are revoked (a password
    #: change or reset sets it).
    sessions_not_before: dt.datetime | None = None

    def session_revoked(self, created_at: dt.datetime) -> bool:
        return self.sessions_not_before is not None and created_at < self.sessions_not_before

    def token_revoked(self, issued_at: float) -> bool:
        """An access token's `iat` is to the millisecond (the kit's signer): one issued in the
        millisecond of the change still counts, everything before it is revoked."""
        return self.sessions_not_before is not None and issued_at < self.sessions_not_before.timestamp() - 0.001


@dataclasses.dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    base_lock: dt.timedelta = dt.timedelta(minutes=15)
    max_lock: dt.timedelta = dt.timedelta(hours=24)
    # Failures older than this are forgotten (a typo last week does not count today).
    failure_window: dt.timedelta = dt.timedelta(hours=1)

    def lock_duration(self, lockouts: int) -> dt.timedelta:
        """The lock after the `lockouts`-th lockout (1-based): 15 min, 30, 60, ... up to a day."""
        exponent = max(0, min(lockouts - 1, 16))
        longer: dt.timedelta = self.base_lock * (2**exponent)
        return min(longer, self.max_lock)


@dataclasses.dataclass
class Guard:
    """Failed sign-ins of one login, known or not."""

    id: str
    failures: int = 0
    lockouts: int = 0
    last_failure: dt.datetime | None = None
    locked_until: dt.datetime | None = None
    version: int = 0

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def fail(self, now: dt.datetime, policy: LockoutPolicy) -> None:
        if self.last_failure is not None and now - self.last_failure > policy.failure_window:
            self.failures = 0
        self.failures += 1
        self.last_failure = now
        if self.failures >= policy.max_failures:
            self.lockouts += 1
            self.failures = 0
            self.locked_until = now + policy.lock_duration(self.lockouts)

    def succeed(self) -> None:
        self.failures = 0
        self.lockouts = 0
        self.locked_until = None
        self.last_failure = None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


PASSWORD_RESET_TTL = dt.timedelta(minutes=30)


@dataclasses.dataclass
class PasswordReset:
    """A reset link's token, stored as its SHA-256 (`id`); spent once, expires."""

    id: str
    account_id: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None

    def usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at


class SessionKind(StrEnum):
    BROWSER = "browser"  # a session cookie
    REFRESH = "refresh"  # an API client's refresh token


@dataclasses.dataclass
class Session:
    """A browser session or a refresh token; `id` is the SHA-256 of its secret."""

    id: str
    kind: SessionKind
    account_id: str
    family: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    version: int = 0

    def usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.used_at is None and now < self.expires_at


@dataclasses.dataclass(frozen=True)
class SessionPolicy:
    browser_ttl: dt.timedelta = dt.timedelta(days=7)
    refresh_ttl: dt.timedelta = dt.timedelta(days=30)
    access_ttl: dt.timedelta = dt.timedelta(minutes=10)


API_KEY_PREFIX = "lk_"
API_KEY_ROLES = ("agency", "open311_client")
_API_KEY = re.compile(r"^lk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")


@dataclasses.dataclass
class ApiKey:
    id: str
    name: str
    organization_id: str
    roles: tuple[str, ...]
    secret_digest: str
    rate_limit: str
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    revoked_by: str = ""
    version: int = 0

    @property
    def subject(self) -> str:
        """The identity services see for calls made with this key."""
        return f"apikey-{self.id}"

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_digest, digest(secret))


def new_api_key_secret() -> tuple[str, str, str]:
    """(key id, secret, the whole key shown once)."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return key_id, secret, f"{API_KEY_PREFIX}{key_id}_{secret}"


def parse_api_key(text: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    found = _API_KEY.match(text.strip())
    return (found.group(1), found.group(2)) if found else None


def api_key_roles(organization_id: str, requested: list[str]) -> tuple[str, ...]:
    """Roles an API key may carry: `agency` (scoped to the key's organisation) and
    `open311_client`; nothing else (a key never becomes an operator or an admin)."""
    if not requested:
        requested = ["agency"]
    roles: list[str] = []
    for role in requested:
        name = role.partition("@")[0]
        if name not in API_KEY_ROLES:
            raise InvalidArgument(f"roles: {name[:40]!r} is not one of {', '.join(API_KEY_ROLES)}", field="roles")
        roles.append(f"agency@{organization_id}" if name == "agency" else name)
    return tuple(dict.fromkeys(roles))


_RATE = re.compile(r"^[1-9][0-9]{0,6} ?(?:/|per )(?:second|minute|hour|day)$")


def check_rate_limit(text: str) -> str:
    if not _RATE.match(text):
        raise InvalidArgument("rate_limit: like '120/minute' (per second, minute, hour or day)", field="rate_limit")
    return text
