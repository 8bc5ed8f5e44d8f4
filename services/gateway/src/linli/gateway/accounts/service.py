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

    def change_password(self, account_id: str, old_password: str, new_password: str) -> None:
        account = self._account(account_id)
        matches, _ = self.passwords.verify(account.password_hash, old_password)
        if not matches:
            raise PermissionDenied("old_password: does not match", field="old_password")
        domain.check_password_shape(new_password)
        account.password_hash = self.passwords.hash(new_password)
        self.repository.save_account(account)

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
        if account is None or account.disabled:
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
        if account is None or account.disabled:
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
