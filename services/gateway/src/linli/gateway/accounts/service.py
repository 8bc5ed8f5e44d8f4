"""The accounts use cases: register, sign in, sessions and refresh tokens, API keys.

Every failed sign-in answers with the same `SignInFailed` whether the login is unknown, the
password wrong, the account disabled or the login locked, after spending the same argon2 work
(an unknown login verifies against a dummy hash), so neither the answer nor its timing tells
which logins exist. The guard of a login counts failures whether an account has it or not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import secrets
import uuid
from collections.abc import Callable

from linli.common.errors import InvalidArgument, LinliError, NotFound, PermissionDenied, Unauthenticated
from linli.gateway.accounts import domain
from linli.gateway.accounts.domain import (
    Account,
    ApiKey,
    LockoutPolicy,
    Session,
    SessionKind,
    SessionPolicy,
)
from linli.gateway.accounts.passwords import Passwords
from linli.gateway.accounts.repository import AccountRepository

Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SignInFailed(Unauthenticated):
    """One answer for every failed sign-in (no account enumeration)."""

    def __init__(self) -> None:
        super().__init__("sign-in failed: the login or password is wrong, or the login is locked for a while")


class SessionInvalid(Unauthenticated):
    def __init__(self, what: str = "session") -> None:
        super().__init__(f"{what} is expired, revoked or unknown: sign in again")


class ResetTokenInvalid(InvalidArgument):
    """One answer for an unknown, used or expired reset token."""

    def __init__(self) -> None:
        super().__init__("token: the reset link is expired, used or unknown: ask for a new one", field="token")


RESET_LIMIT = 3
RESET_WINDOW = dt.timedelta(hours=1)


@dataclasses.dataclass(frozen=True)
class ResetMessage:
    """A reset to deliver: `secret` goes into the link, only its hash is stored."""

    account: Account
    channel: str  # "email" or "sms"
    address: str
    secret: str


@dataclasses.dataclass(frozen=True)
class Issued:
    """A new session or refresh token: `secret` goes to the client once."""

    account: Account
    session: Session
    secret: str


class AccountService:
    def __init__(
        self,
        repository: AccountRepository,
        passwords: Passwords,
        *,
        lockout: LockoutPolicy | None = None,
        sessions: SessionPolicy | None = None,
        clock: Clock = _now,
    ) -> None:
        self.repository = repository
        self.passwords = passwords
        self.lockout = lockout or LockoutPolicy()
        self.policy = sessions or SessionPolicy()
        self.clock = clock

    # -- accounts -----------------------------------------------------------------------------
    def register(
        self,
        *,
        login: str,
        password: str,
        display_name: str,
        language: str = "zh-CN",
        person_id: str = "",
        extra_logins: tuple[str, ...] = (),
    ) -> Account:
        """Creates an account; AlreadyExists when a login or the person already has one."""
        logins = [domain.normalise_login(login)[1], *(domain.normalise_login(x)[1] for x in extra_logins)]
        domain.check_password_shape(password)
        account = Account(
            id=f"acct_{uuid.uuid4().hex}",
            person_id=person_id or f"person-{uuid.uuid4().hex[:16]}",
            display_name=domain.check_display_name(display_name),
            language=domain.check_language(language),
            password_hash=self.passwords.hash(password),
            logins=list(dict.fromkeys(logins)),
            created_at=self.clock(),
        )
        self.repository.add_account(account)
        return account

    def change_password(self, account_id: str, current_password: str, new_password: str) -> Account:
        """Sets a new password and revokes every session and token made before (the caller
        gets a new one from the route). A wrong current password counts against the login's
        guard, like a failed sign-in, so a stolen session cannot guess it for long."""
        account = self._account(account_id)
        now = self.clock()
        guard = self.repository.guard(domain.guard_key(account.logins[0])) if account.logins else None
        matches, _ = self.passwords.verify(account.password_hash, current_password[: domain.MAX_PASSWORD_LENGTH])
        if not matches or (guard is not None and guard.locked(now)):
            if guard is not None and not guard.locked(now):
                guard.fail(now, self.lockout)
                self.repository.save_guard(guard)
            raise PermissionDenied(
                "current_password: does not match, or too many attempts (try later)", field="current_password"
            )
        domain.check_new_password(new_password, logins=account.logins, same_as_current=new_password == current_password)
        self._set_password(account, new_password, now)
        return account

    def _set_password(self, account: Account, password: str, now: dt.datetime) -> None:
        account.password_hash = self.passwords.hash(password)
        account.sessions_not_before = now
        self.repository.save_account(account)
        for login in account.logins:  # a new password starts with a clean slate
            guard = self.repository.guard(domain.guard_key(login))
            if guard.failures or guard.lockouts or guard.locked_until:
                guard.succeed()
                self.repository.save_guard(guard)

    # -- password reset -----------------------------------------------------------------------
    def request_reset(self, login: str) -> ResetMessage | None:
        """What to send for a reset asked for `login`, or None when nothing is sent (not a
        login, no such account, disabled, or the address asked too often). The caller answers
        alike in every case."""
        try:
            _, normalised = domain.normalise_login(login)
        except InvalidArgument:
            return None
        now = self.clock()
        if not self._reset_allowed(normalised, now):
            return None
        account = self.repository.account_by_login(normalised)
        if account is None or account.disabled or not account.logins:
            return None
        email = next((x for x in account.logins if "@" in x), "")
        channel, address = ("email", email) if email else ("sms", account.logins[0])
        secret = domain.new_secret()
        self.repository.add_reset(
            domain.PasswordReset(
                id=domain.digest(secret),
                account_id=account.id,
                created_at=now,
                expires_at=now + domain.PASSWORD_RESET_TTL,
            )
        )
        return ResetMessage(account=account, channel=channel, address=address, secret=secret)

    def _reset_allowed(self, normalised: str, now: dt.datetime) -> bool:
        """At most RESET_LIMIT requests per address in each RESET_WINDOW (fixed windows),
        counted whether or not an account has the address (so the count tells nothing). Each
        request takes a numbered slot by inserting it: atomic, so requests racing in parallel
        (or on several replicas) cannot all read "none sent yet"."""
        window = int(now.timestamp() // RESET_WINDOW.total_seconds())
        key = f"reset:{domain.guard_key(normalised)}:{window}"
        return self.repository.take_slot(key, RESET_LIMIT, now)

    def confirm_reset(self, token: str, new_password: str) -> Account:
        """Sets the password a reset token was made for; the token works once, before it
        expires, and every session and token of the account is revoked."""
        now = self.clock()
        reset = self.repository.reset(domain.digest(token)) if token else None
        if reset is None or not reset.usable(now):
            raise ResetTokenInvalid()
        account = self.repository.account(reset.account_id)
        if account is None or account.disabled:
            raise ResetTokenInvalid()
        same, _ = self.passwords.verify(account.password_hash, new_password[: domain.MAX_PASSWORD_LENGTH])
        domain.check_new_password(new_password, logins=account.logins, same_as_current=same)
        if not self.repository.spend_reset(reset, now):
            raise ResetTokenInvalid()
        self._set_password(account, new_password, now)
        return account

    def update_profile(
        self, account_id: str, *, display_name: str | None = None, language: str | None = None
    ) -> Account:
        account = self._account(account_id)
        if display_name is not None:
            account.display_name = domain.check_display_name(display_name)
        if language is not None:
            account.language = domain.check_language(language)
        self.repository.save_account(account)
        return account

    def account(self, account_id: str) -> Account | None:
        return self.repository.account(account_id)

    def _account(self, account_id: str) -> Account:
        account = self.repository.account(account_id)
        if account is None:
            raise NotFound("account not found", field="account_id")
        return account

    # -- sign-in ------------------------------------------------------------------------------
    def check_credentials(self, login: str, password: str) -> Account:
        """The account if the login and password are right and the login is not locked; else
        SignInFailed (the same for every reason)."""
        try:
            _, normalised = domain.normalise_login(login)
        except InvalidArgument:
            self.passwords.verify_dummy(password[: domain.MAX_PASSWORD_LENGTH])
            raise SignInFailed() from None
        if len(password) > domain.MAX_PASSWORD_LENGTH:
            self.passwords.verify_dummy("")
            raise SignInFailed()
        now = self.clock()
        guard = self.repository.guard(domain.guard_key(normalised))
        account = self.repository.account_by_login(normalised)
        if account is None:
            self.passwords.verify_dummy(password)
            matches, rehash = False, False
        else:
            matches, rehash = self.passwords.verify(account.password_hash, password)
        if guard.locked(now) or account is None or account.disabled or not matches:
            if not guard.locked(now):
                guard.fail(now, self.lockout)
                self.repository.save_guard(guard)
            raise SignInFailed()
        if guard.failures or guard.lockouts:
            guard.succeed()
            self.repository.save_guard(guard)
        if rehash:
            account.password_hash = self.passwords.hash(password)
            with contextlib.suppress(LinliError):  # changed meanwhile: the next sign-in rehashes
                self.repository.save_account(account)
        return account

    def sign_in(self, login: str, password: str, kind: SessionKind) -> Issued:
        account = self.check_credentials(login, password)
        return self.issue(account, kind)

    def issue(self, account: Account, kind: SessionKind, family: str = "") -> Issued:
        now = self.clock()
        secret = domain.new_secret()
        ttl = self.policy.browser_ttl if kind is SessionKind.BROWSER else self.policy.refresh_ttl
        session = Session(
            id=domain.digest(secret),
            kind=kind,
            account_id=account.id,
            family=family or secrets.token_hex(12),
            created_at=now,
            expires_at=now + ttl,
        )
        self.repository.add_session(session)
        return Issued(account, session, secret)

    # -- sessions -----------------------------------------------------------------------------
    def session_account(self, secret: str) -> tuple[Session, Account] | None:
        """The live browser session and its account for a cookie's secret, else None."""
        session = self.repository.session(domain.digest(secret)) if secret else None
        if session is None or session.kind is not SessionKind.BROWSER or not session.usable(self.clock()):
            return None
        if self.repository.family_revoked(session.family):
            return None
        account = self.repository.account(session.account_id)
        if account is None or account.disabled or account.session_revoked(session.created_at):
            return None
        return session, account

    def refresh(self, secret: str) -> Issued:
        """Spends a refresh token and issues its successor (same family). A token presented a
        second time revokes the family: whoever holds either copy must sign in again."""
        now = self.clock()
        session = self.repository.session(domain.digest(secret)) if secret else None
        if session is None or session.kind is not SessionKind.REFRESH:
            raise SessionInvalid("refresh token")
        if self.repository.family_revoked(session.family) or session.revoked_at is not None:
            raise SessionInvalid("refresh token")
        if session.used_at is not None or not self.repository.spend(session.id):
            self.repository.revoke_family(session.family, now)
            raise SessionInvalid("refresh token")
        if now >= session.expires_at:
            raise SessionInvalid("refresh token")
        session.used_at = now
        self.repository.save_session(session)
        account = self.repository.account(session.account_id)
        if account is None or account.disabled or account.session_revoked(session.created_at):
            raise SessionInvalid("refresh token")
        return self.issue(account, SessionKind.REFRESH, family=session.family)

    def sign_out(self, secret: str) -> None:
        """Revokes the session or refresh token (and its family); unknown secrets are ignored."""
        session = self.repository.session(domain.digest(secret)) if secret else None
        if session is None:
            return
        now = self.clock()
        session.revoked_at = now
        self.repository.save_session(session)
        self.repository.revoke_family(session.family, now)

    # -- API keys -----------------------------------------------------------------------------
    def create_api_key(
        self,
        *,
        name: str,
        organization_id: str,
        roles: list[str],
        rate_limit: str,
        created_by: str,
    ) -> tuple[ApiKey, str]:
        """The stored key and the whole key text, shown once."""
        text = (name or "").strip()
        if not text or len(text) > 100:
            raise InvalidArgument("name: 1 to 100 characters", field="name")
        if not organization_id:
            raise InvalidArgument("organization_id: required", field="organization_id")
        key_id, secret, whole = domain.new_api_key_secret()
        key = ApiKey(
            id=key_id,
            name=text,
            organization_id=organization_id,
            roles=domain.api_key_roles(organization_id, roles),
            secret_digest=domain.digest(secret),
            rate_limit=domain.check_rate_limit(rate_limit),
            created_by=created_by,
            created_at=self.clock(),
        )
        self.repository.add_api_key(key)
        return key, whole

    def restore_api_key(self, key: ApiKey) -> None:
        """Stores a key whose secret digest is already known (the demo seed)."""
        self.repository.add_api_key(key)

    def authenticate_api_key(self, text: str) -> ApiKey:
        parsed = domain.parse_api_key(text)
        key = self.repository.api_key(parsed[0]) if parsed else None
        if parsed is None or key is None or key.revoked_at is not None or not key.matches(parsed[1]):
            raise Unauthenticated("X-Api-Key: unknown or revoked API key")
        return key

    def revoke_api_key(self, key_id: str, revoked_by: str) -> ApiKey:
        key = self.repository.api_key(key_id)
        if key is None:
            raise NotFound("API key not found", field="id")
        if key.revoked_at is None:
            key.revoked_at = self.clock()
            key.revoked_by = revoked_by
            self.repository.save_api_key(key)
        return key

    def api_key(self, key_id: str) -> ApiKey | None:
        return self.repository.api_key(key_id)

    def api_keys(self, organization_id: str = "") -> list[ApiKey]:
        return self.repository.api_keys(organization_id)
