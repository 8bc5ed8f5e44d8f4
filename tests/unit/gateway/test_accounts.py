"""Accounts domain and service on in-memory documents: logins, argon2 hashing and rehashing,
lockout (same answer for unknown logins), refresh-token rotation and reuse detection, API keys."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from linli.common.errors import AlreadyExists, InvalidArgument, Unauthenticated
from linli.gateway.accounts import domain
from linli.gateway.accounts.domain import Guard, LockoutPolicy, SessionKind
from linli.gateway.accounts.passwords import HashParameters, Passwords
from linli.gateway.accounts.repository import AccountRepository, MemoryDocuments
from linli.gateway.accounts.service import AccountService, SessionInvalid, SignInFailed

FAST = HashParameters(time_cost=1, memory_cost_kib=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def documents() -> MemoryDocuments:
    return MemoryDocuments()


@pytest.fixture
def service(documents: MemoryDocuments, clock: Clock) -> AccountService:
    return AccountService(AccountRepository(documents), Passwords(FAST), clock=clock)


# -- logins ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Alice@Example.ORG ", (domain.LoginKind.EMAIL, "alice@example.org")),
        ("+86 138-0000-0002", (domain.LoginKind.PHONE, "13800000002")),
        ("0086 13800000002", (domain.LoginKind.PHONE, "13800000002")),
        ("(0576) 8881 0000", (domain.LoginKind.PHONE, "057688810000")),
        ("１３８０００００００２", (domain.LoginKind.PHONE, "13800000002")),  # full-width digits (NFKC)
    ],
)
def test_logins_are_normalised(raw: str, expected: tuple[domain.LoginKind, str]) -> None:
    assert domain.normalise_login(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "not a login", "a@b", "x" * 300, "12", "a@@b.org"])
def test_bad_logins_name_the_field(raw: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        domain.normalise_login(raw)
    assert caught.value.field == "login"


def test_a_login_and_a_person_have_one_account(service: AccountService, documents: MemoryDocuments) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A", person_id="p-1")
    with pytest.raises(AlreadyExists) as caught:
        service.register(login="A@X.org", password="password-2", display_name="B", person_id="p-2")
    assert caught.value.field == "login"
    with pytest.raises(AlreadyExists) as caught:
        service.register(login="b@x.org", password="password-2", display_name="B", person_id="p-1")
    assert caught.value.field == "person_id"
    # the failed registrations left nothing behind: b@x.org and p-2 are still free
    service.register(login="b@x.org", password="password-2", display_name="B", person_id="p-2")
    assert set(documents.data["logins"]) == {"login:a@x.org", "login:b@x.org"}


def test_concurrent_registrations_of_one_login_make_one_account(service: AccountService) -> None:
    results: list[str] = []

    def register(n: int) -> None:
        try:
            service.register(login="same@x.org", password="password-1", display_name=f"N{n}", person_id=f"p-{n}")
            results.append("ok")
        except AlreadyExists:
            results.append("taken")

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok"] + ["taken"] * 7


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("password", {"password": "short"}),
        ("display_name", {"display_name": " "}),
        ("display_name", {"display_name": "a\x00b"}),
        ("language", {"language": "fr"}),
    ],
)
def test_registration_input_is_checked(service: AccountService, field: str, kwargs: dict[str, str]) -> None:
    values = {"login": "a@x.org", "password": "password-1", "display_name": "A", "language": "en", **kwargs}
    with pytest.raises(InvalidArgument) as caught:
        service.register(
            login=values["login"],
            password=values["password"],
            display_name=values["display_name"],
            language=values["language"],
        )
    assert caught.value.field == field


# -- passwords ---------------------------------------------------------------------------------


def test_passwords_are_argon2id_hashes() -> None:
    passwords = Passwords(FAST)
    stored = passwords.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert passwords.verify(stored, "correct horse") == (True, False)
    assert passwords.verify(stored, "wrong horse") == (False, False)
    assert passwords.verify("not a hash", "x") == (False, False)


def test_an_old_hash_is_replaced_at_sign_in(documents: MemoryDocuments, clock: Clock) -> None:
    old = AccountService(AccountRepository(documents), Passwords(FAST), clock=clock)
    account = old.register(login="a@x.org", password="password-1", display_name="A")
    stronger = HashParameters(time_cost=2, memory_cost_kib=2048, parallelism=1)
    new = AccountService(AccountRepository(documents), Passwords(stronger), clock=clock)
    new.check_credentials("a@x.org", "password-1")
    stored = new.account(account.id)
    assert stored is not None
    assert "m=2048,t=2" in stored.password_hash
    assert new.check_credentials("a@x.org", "password-1").id == account.id


def test_unknown_logins_spend_a_password_verification(service: AccountService, monkeypatch: pytest.MonkeyPatch) -> None:
    spent: list[str] = []
    monkeypatch.setattr(service.passwords, "verify_dummy", spent.append)
    with pytest.raises(SignInFailed):
        service.check_credentials("nobody@x.org", "password-1")
    assert spent == ["password-1"]


# -- lockout -----------------------------------------------------------------------------------


def test_lock_durations_double_up_to_a_day() -> None:
    policy = LockoutPolicy()
    assert [policy.lock_duration(n) for n in (1, 2, 3)] == [
        dt.timedelta(minutes=15),
        dt.timedelta(minutes=30),
        dt.timedelta(minutes=60),
    ]
    assert policy.lock_duration(40) == dt.timedelta(hours=24)


def test_old_failures_are_forgotten(clock: Clock) -> None:
    guard, policy = Guard(id="g"), LockoutPolicy()
    for _ in range(4):
        guard.fail(clock(), policy)
    clock.advance(hours=2)
    guard.fail(clock(), policy)
    assert guard.failures == 1
    assert not guard.locked(clock())


def _fail(service: AccountService, login: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(SignInFailed):
            service.check_credentials(login, "wrong-password")


def test_five_failures_lock_the_login_even_for_the_right_password(service: AccountService, clock: Clock) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    _fail(service, "a@x.org", 5)
    with pytest.raises(SignInFailed) as caught:
        service.check_credentials("a@x.org", "password-1")
    assert str(caught.value) == str(SignInFailed())
    clock.advance(minutes=15, seconds=1)
    assert service.check_credentials("a@x.org", "password-1").logins == ["a@x.org"]


def test_each_lockout_lasts_longer(service: AccountService, clock: Clock) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    _fail(service, "a@x.org", 5)
    clock.advance(minutes=16)
    _fail(service, "a@x.org", 5)  # second lockout: 30 minutes
    clock.advance(minutes=16)
    with pytest.raises(SignInFailed):
        service.check_credentials("a@x.org", "password-1")
    clock.advance(minutes=15)
    service.check_credentials("a@x.org", "password-1")
    # a success resets the count: the next lockout is 15 minutes again
    _fail(service, "a@x.org", 5)
    clock.advance(minutes=15, seconds=1)
    service.check_credentials("a@x.org", "password-1")


def test_unknown_and_known_logins_answer_alike(service: AccountService, documents: MemoryDocuments) -> None:
    service.register(login="known@x.org", password="password-1", display_name="K")
    answers = []
    for login in ("known@x.org", "unknown@x.org"):
        for _ in range(6):
            with pytest.raises(SignInFailed) as caught:
                service.check_credentials(login, "wrong-password")
            answers.append((type(caught.value), str(caught.value), caught.value.field))
    assert len(set(answers)) == 1
    guards = documents.data["guards"]
    assert len(guards) == 2
    assert all(g["locked_until"] is not None for g in guards.values())
    assert not any("x.org" in key for key in guards)  # guards hold digests, not logins


def test_a_disabled_account_cannot_sign_in(service: AccountService) -> None:
    account = service.register(login="a@x.org", password="password-1", display_name="A")
    account.disabled = True
    service.repository.save_account(account)
    with pytest.raises(SignInFailed):
        service.check_credentials("a@x.org", "password-1")


# -- sessions and refresh tokens ---------------------------------------------------------------


def test_refresh_tokens_rotate(service: AccountService, documents: MemoryDocuments) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    first = service.sign_in("a@x.org", "password-1", SessionKind.REFRESH)
    second = service.refresh(first.secret)
    assert second.secret != first.secret
    assert second.session.family == first.session.family
    third = service.refresh(second.secret)
    assert third.account.id == first.account.id
    assert first.secret not in str(documents.data["sessions"])  # only digests are stored


def test_a_reused_refresh_token_revokes_its_family(service: AccountService) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    first = service.sign_in("a@x.org", "password-1", SessionKind.REFRESH)
    second = service.refresh(first.secret)
    with pytest.raises(SessionInvalid):
        service.refresh(first.secret)  # replayed by a thief (or the client, after a crash)
    with pytest.raises(SessionInvalid):
        service.refresh(second.secret)  # so the legitimate successor dies too


def test_concurrent_refreshes_have_one_winner(service: AccountService) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    first = service.sign_in("a@x.org", "password-1", SessionKind.REFRESH)
    outcomes: list[str] = []

    def refresh() -> None:
        try:
            service.refresh(first.secret)
            outcomes.append("ok")
        except Unauthenticated:
            outcomes.append("refused")

    threads = [threading.Thread(target=refresh) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") <= 1


def test_refresh_tokens_expire(service: AccountService, clock: Clock) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    issued = service.sign_in("a@x.org", "password-1", SessionKind.REFRESH)
    clock.advance(days=31)
    with pytest.raises(SessionInvalid):
        service.refresh(issued.secret)


def test_a_browser_session_is_not_a_refresh_token(service: AccountService) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    browser = service.sign_in("a@x.org", "password-1", SessionKind.BROWSER)
    with pytest.raises(SessionInvalid):
        service.refresh(browser.secret)
    api = service.sign_in("a@x.org", "password-1", SessionKind.REFRESH)
    assert service.session_account(api.secret) is None
    found = service.session_account(browser.secret)
    assert found is not None
    assert found[1].id == browser.account.id


def test_sign_out_revokes(service: AccountService, clock: Clock) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    browser = service.sign_in("a@x.org", "password-1", SessionKind.BROWSER)
    api = service.sign_in("a@x.org", "password-1", SessionKind.REFRESH)
    service.sign_out(browser.secret)
    service.sign_out(api.secret)
    service.sign_out("never-issued")
    assert service.session_account(browser.secret) is None
    with pytest.raises(SessionInvalid):
        service.refresh(api.secret)
    clock.advance(days=8)
    again = service.sign_in("a@x.org", "password-1", SessionKind.BROWSER)
    assert service.session_account(again.secret) is not None


def test_browser_sessions_expire(service: AccountService, clock: Clock) -> None:
    service.register(login="a@x.org", password="password-1", display_name="A")
    browser = service.sign_in("a@x.org", "password-1", SessionKind.BROWSER)
    clock.advance(days=7, seconds=1)
    assert service.session_account(browser.secret) is None


# -- API keys ----------------------------------------------------------------------------------


def test_api_keys_are_shown_once_and_stored_hashed(service: AccountService, documents: MemoryDocuments) -> None:
    key, whole = service.create_api_key(
        name="12345 hotline", organization_id="org_1", roles=[], rate_limit="60/minute", created_by="op"
    )
    assert whole.startswith(f"lk_{key.id}_")
    assert key.roles == ("agency@org_1",)
    assert whole.split("_", 2)[2] not in str(documents.data["api_keys"])
    assert service.authenticate_api_key(whole).id == key.id
    assert key.subject == f"apikey-{key.id}"


def test_api_keys_carry_only_agency_roles(service: AccountService) -> None:
    key, _ = service.create_api_key(
        name="app", organization_id="org_1", roles=["open311_client", "agency"], rate_limit="1/second", created_by="op"
    )
    assert key.roles == ("open311_client", "agency@org_1")
    with pytest.raises(InvalidArgument) as caught:
        service.create_api_key(
            name="evil", organization_id="org_1", roles=["operator"], rate_limit="1/second", created_by="op"
        )
    assert caught.value.field == "roles"
    with pytest.raises(InvalidArgument) as caught:
        service.create_api_key(name="x", organization_id="org_1", roles=[], rate_limit="lots", created_by="op")
    assert caught.value.field == "rate_limit"


@pytest.mark.parametrize(
    "text", ["", "lk_", "lk_0123456789abcdef_short", "Bearer xyz", "lk_zzzzzzzzzzzzzzzz_" + "a" * 40]
)
def test_malformed_or_unknown_api_keys_are_refused(service: AccountService, text: str) -> None:
    with pytest.raises(Unauthenticated):
        service.authenticate_api_key(text)


def test_revoked_or_tampered_api_keys_are_refused(service: AccountService) -> None:
    key, whole = service.create_api_key(
        name="app", organization_id="org_1", roles=[], rate_limit="60/minute", created_by="op"
    )
    tampered = whole[:-1] + ("A" if whole[-1] != "A" else "B")
    with pytest.raises(Unauthenticated):
        service.authenticate_api_key(tampered)
    service.revoke_api_key(key.id, "op")
    with pytest.raises(Unauthenticated):
        service.authenticate_api_key(whole)
    assert [k.revoked_by for k in service.api_keys("org_1")] == ["op"]
