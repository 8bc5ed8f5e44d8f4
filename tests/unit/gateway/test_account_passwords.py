"""Password change and reset in the accounts service, on in-memory documents: the policy, the
revocation of older sessions and tokens, the reset token (hashed, single use, expiring), the
per-address throttle that counts unknown logins too."""

from __future__ import annotations

import hashlib
import threading

import pytest

from linli.common.errors import PermissionDenied
from linli.gateway.accounts import domain
from linli.gateway.accounts.domain import SessionKind, WeakPassword
from linli.gateway.accounts.repository import RESETS, MemoryDocuments
from linli.gateway.accounts.service import RESET_LIMIT, AccountService, ResetTokenInvalid, SessionInvalid
from tests.unit.gateway import test_accounts as base
from tests.unit.gateway.test_accounts import Clock

clock = base.clock
documents = base.documents
service = base.service

PASSWORD = "correct horse battery staple"
NEW = "a brand new passphrase"


def _account(service: AccountService, login: str = "pat@example.org") -> domain.Account:
    return service.register(login=login, password=PASSWORD, display_name="Pat", extra_logins=("13800000007",))


@pytest.mark.parametrize(
    "weak",
    ["short", PASSWORD, "pat@example.org", " PAT@example.org ", "13800000007", "+86 138 0000 0007", "0086-13800000007"],
)
def test_the_policy_refuses_weak_passwords(service: AccountService, weak: str) -> None:
    account = _account(service)
    with pytest.raises(WeakPassword) as caught:
        service.change_password(account.id, PASSWORD, weak)
    assert caught.value.field == "new_password" and caught.value.http_status == 422


def test_a_change_revokes_older_sessions_and_tokens(service: AccountService, clock: Clock) -> None:
    account = _account(service)
    browser = service.issue(account, SessionKind.BROWSER)
    refresh = service.issue(account, SessionKind.REFRESH)
    issued_at = clock.now.timestamp()
    clock.advance(seconds=5)
    changed = service.change_password(account.id, PASSWORD, NEW)
    assert service.session_account(browser.secret) is None
    with pytest.raises(SessionInvalid):
        service.refresh(refresh.secret)
    assert changed.token_revoked(issued_at)
    assert not changed.token_revoked(clock.now.timestamp())
    fresh = service.issue(changed, SessionKind.BROWSER)
    assert service.session_account(fresh.secret) is not None
    assert service.check_credentials("pat@example.org", NEW).id == account.id


def test_a_wrong_current_password_counts_towards_the_lockout(service: AccountService) -> None:
    account = _account(service)
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            service.change_password(account.id, "wrong password", NEW)
    with pytest.raises(PermissionDenied):  # locked now, even with the right one
        service.change_password(account.id, PASSWORD, NEW)


def test_a_reset_token_is_stored_hashed_works_once_and_expires(
    service: AccountService, documents: MemoryDocuments, clock: Clock
) -> None:
    account = _account(service)
    message = service.request_reset("PAT@example.org")
    assert message is not None and message.channel == "email" and message.address == "pat@example.org"
    stored = documents.data[RESETS]
    assert message.secret not in str(stored) and hashlib.sha256(message.secret.encode()).hexdigest() in stored
    with pytest.raises(WeakPassword):  # a weak password does not spend the token
        service.confirm_reset(message.secret, "short")
    session = service.issue(account, SessionKind.BROWSER)
    clock.advance(seconds=1)
    service.confirm_reset(message.secret, NEW)
    assert service.session_account(session.secret) is None
    with pytest.raises(ResetTokenInvalid):
        service.confirm_reset(message.secret, "yet another passphrase")
    later = service.request_reset("pat@example.org")
    assert later is not None
    clock.advance(minutes=31)
    with pytest.raises(ResetTokenInvalid):
        service.confirm_reset(later.secret, "yet another passphrase")


def test_a_phone_only_account_is_reached_by_sms(service: AccountService) -> None:
    service.register(login="13900000001", password=PASSWORD, display_name="Lin")
    message = service.request_reset("+86 139 0000 0001")
    assert message is not None and (message.channel, message.address) == ("sms", "13900000001")


def test_unknown_malformed_and_throttled_logins_send_nothing(service: AccountService, clock: Clock) -> None:
    _account(service)
    assert service.request_reset("nobody@example.org") is None
    assert service.request_reset("not a login") is None
    sent = [service.request_reset("pat@example.org") for _ in range(RESET_LIMIT + 2)]
    assert [m is not None for m in sent] == [True] * RESET_LIMIT + [False, False]
    clock.advance(hours=1)
    assert service.request_reset("pat@example.org") is not None


def test_the_throttle_holds_when_requests_race(service: AccountService) -> None:
    _account(service)
    sent: list[bool] = []
    threads = [
        threading.Thread(target=lambda: sent.append(service.request_reset("pat@example.org") is not None))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sent.count(True) == RESET_LIMIT
