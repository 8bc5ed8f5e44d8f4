"""Password change and self-service reset, end to end: the gateway, the notifications service
sending through a real SMTP server (aiosmtpd on a loopback port) and a loopback SMS provider,
the session's FerretDB.

- Change (`POST /auth/password`): a wrong current password is a 403 problem, a weak new one
  422; afterwards every other session, refresh token and access token of the account is
  refused, the caller's new one works, and only the new password signs in.
- Reset (`POST /auth/password-reset`): 202 with the same body for an account, an unknown
  login and a malformed one; the link arrives by e-mail in the account's language (by SMS when
  the account has only a phone); the token works once, not after it expired, not with a weak
  password (which does not spend it); confirming revokes every session; an address gets at
  most three messages an hour.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message as MimeMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, cast
from urllib.parse import unquote

import grpc
import pytest
import requests
from aiosmtpd.controller import Controller
from pymongo import MongoClient

from linli.v1 import notifications_pb2, notifications_pb2_grpc
from tests.integration.gateway.conftest import Platform
from tests.support.gateway import GatewayProcess, start_gateway
from tests.support.identity import anonymous, who
from tests.support.infra import free_port
from tests.support.processes import ServiceProcess, start_service

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"
PROBLEM = "application/problem+json"
LINK = re.compile(r"https?://\S+/password-reset\?token=([A-Za-z0-9_%-]+)")


@dataclass
class Mailbox:
    messages: list[MimeMessage] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.messages.append(email.message_from_bytes(envelope.original_content))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[MimeMessage]:
        with self.arrived:
            return [m for m in self.messages if m["To"] == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[MimeMessage]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len([m for m in self.messages if m["To"] == address]) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no e-mail to {address} after {timeout} s"
                self.arrived.wait(left)
            return [m for m in self.messages if m["To"] == address]


class SmsProvider(BaseHTTPRequestHandler):
    """The SMS provider contract (notifications' adapters/sms.py), on loopback."""

    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        SmsProvider.received.append(json.loads(self.rfile.read(length)))
        self.send_response(202)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@dataclass
class MailPlatform:
    gateway: GatewayProcess
    notifications: ServiceProcess
    mailbox: Mailbox
    database: str
    mongo_uri: str

    @property
    def url(self) -> str:
        return self.gateway.url


@pytest.fixture(scope="module")
def platform(gateway: Platform) -> Iterator[MailPlatform]:
    mailbox = Mailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    sms = ThreadingHTTPServer(("127.0.0.1", 0), SmsProvider)
    threading.Thread(target=sms.serve_forever, daemon=True).start()
    notifications = start_service(
        "notifications",
        gateway.infra,
        LINLI_ORGANIZATIONS_ADDR=gateway.organizations.address,
        LINLI_VOLUNTEERS_ADDR=gateway.volunteers.address,
        LINLI_REQUESTS_ADDR=gateway.requests.address,
        LINLI_SMTP_HOST="127.0.0.1",
        LINLI_SMTP_PORT=str(smtp_port),
        LINLI_SMTP_STARTTLS="false",
        LINLI_SMS_PROVIDER_URL=f"http://127.0.0.1:{sms.server_address[1]}/sms",
        LINLI_SMS_PROVIDER_KEY="test-key",
    )
    own: GatewayProcess | None = None
    try:
        own = start_gateway(
            gateway.infra,
            {**gateway.services, "notifications": notifications},
            LINLI_RATE_LIMIT_DEFAULT="100000/minute",
            LINLI_SIGN_IN_RATE_LIMIT="100000/minute",
        )
        yield MailPlatform(own, notifications, mailbox, own.env["LINLI_MONGO_DB"], gateway.infra.mongo_uri)
    finally:
        if own is not None:
            own.stop()
        notifications.stop()
        sms.shutdown()
        controller.stop()


def _sign_up(platform: MailPlatform, login: str = "", language: str = "en") -> tuple[str, dict[str, Any]]:
    login = login or f"pw-{uuid.uuid4().hex[:10]}@example.org"
    response = requests.post(
        f"{platform.url}/api/v1/auth/sign-up",
        json={"login": login, "password": PASSWORD, "display_name": "Pat", "language": language},
        timeout=20,
    )
    assert response.status_code == 201, response.text
    return login, response.json()


def _sign_in(platform: MailPlatform, login: str, password: str, client: str = "api") -> requests.Response:
    return requests.post(
        f"{platform.url}/api/v1/auth/sign-in",
        json={"login": login, "password": password, "client": client},
        timeout=20,
    )


def _me(platform: MailPlatform, token: str = "", session: requests.Session | None = None) -> int:
    getter = session or requests
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return getter.get(f"{platform.url}/api/v1/me", headers=headers, timeout=20).status_code


def _refresh(platform: MailPlatform, refresh_token: str) -> int:
    response = requests.post(f"{platform.url}/api/v1/auth/refresh", json={"refresh_token": refresh_token}, timeout=20)
    return response.status_code


def _change(platform: MailPlatform, token: str, current: str, new: str) -> requests.Response:
    return requests.post(
        f"{platform.url}/api/v1/auth/password",
        json={"current_password": current, "new_password": new},
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )


def _problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers["Content-Type"]
    body: dict[str, Any] = response.json()
    return body


# -- change ------------------------------------------------------------------------------------------
def test_change_password_checks_and_revokes_every_other_session(platform: MailPlatform) -> None:
    login, signed_up = _sign_up(platform)
    token = signed_up["access_token"]
    other = _sign_in(platform, login, PASSWORD).json()
    browser = requests.Session()
    assert browser.post(
        f"{platform.url}/api/v1/auth/sign-in",
        json={"login": login, "password": PASSWORD, "client": "browser"},
        timeout=20,
    ).ok
    assert _me(platform, session=browser) == 200

    assert _problem(_change(platform, token, "wrong password!", NEW_PASSWORD), 403)["field"] == "current_password"
    for weak in ("short", PASSWORD, login, login.upper()):
        assert _problem(_change(platform, token, PASSWORD, weak), 422)["field"] == "new_password", weak
    assert _problem(_change(platform, "", PASSWORD, NEW_PASSWORD), 401)

    changed = _change(platform, token, PASSWORD, NEW_PASSWORD)
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    time.sleep(6)  # past the gateway's account cache (5 s) for the bearer checks below
    assert _me(platform, token) == 401  # the caller's old access token
    assert _me(platform, other["access_token"]) == 401
    assert _refresh(platform, other["refresh_token"]) == 401
    assert _refresh(platform, signed_up["refresh_token"]) == 401
    assert _me(platform, session=browser) == 401
    assert _me(platform, fresh["access_token"]) == 200
    assert _refresh(platform, fresh["refresh_token"]) == 200
    assert _sign_in(platform, login, PASSWORD).status_code == 401
    assert _sign_in(platform, login, NEW_PASSWORD).status_code == 200


def test_a_phone_number_is_not_a_password(platform: MailPlatform) -> None:
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    _, signed_up = _sign_up(platform, login=phone)
    for weak in (phone, f"+86 {phone}", f"+86{phone}"):
        response = _change(platform, signed_up["access_token"], PASSWORD, weak)
        assert _problem(response, 422)["field"] == "new_password", weak


# -- reset -------------------------------------------------------------------------------------------
def _ask_reset(platform: MailPlatform, login: str) -> requests.Response:
    return requests.post(f"{platform.url}/api/v1/auth/password-reset", json={"login": login}, timeout=20)


def _confirm(platform: MailPlatform, token: str, password: str) -> requests.Response:
    return requests.post(
        f"{platform.url}/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": password},
        timeout=20,
    )


def _link_of(message: MimeMessage) -> str:
    text = "".join(
        cast(bytes, part.get_payload(decode=True)).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    found = LINK.search(text)
    assert found, text
    return found.group(0)


def test_reset_answers_alike_and_mails_a_single_use_link(platform: MailPlatform) -> None:
    login, signed_up = _sign_up(platform)
    accepted = _ask_reset(platform, login)
    unknown = _ask_reset(platform, f"nobody-{uuid.uuid4().hex[:8]}@example.org")
    malformed = _ask_reset(platform, "not a login at all")
    for response in (accepted, unknown, malformed):
        assert response.status_code == 202, response.text
        assert response.json() == accepted.json()
        assert response.headers["Content-Type"] == accepted.headers["Content-Type"]

    message = platform.mailbox.wait_for(login)[0]
    assert message["Subject"] == "Linli: reset your password"
    assert message["Content-Language"] == "en"
    link = _link_of(message)
    assert link.startswith(f"{platform.url}/password-reset?token="), link  # the configured address
    token = unquote(link.partition("token=")[2])

    assert _problem(_confirm(platform, token, "short"), 422)["field"] == "new_password"
    assert _problem(_confirm(platform, token, PASSWORD), 422)["field"] == "new_password"  # the current one
    done = _confirm(platform, token, NEW_PASSWORD)
    assert done.status_code == 204, done.text
    assert _problem(_confirm(platform, token, "yet another passphrase"), 400)["field"] == "token"
    assert _problem(_confirm(platform, "not-a-token", NEW_PASSWORD), 400)["field"] == "token"

    time.sleep(6)  # past the gateway's account cache (5 s)
    assert _me(platform, signed_up["access_token"]) == 401
    assert _refresh(platform, signed_up["refresh_token"]) == 401
    assert _sign_in(platform, login, PASSWORD).status_code == 401
    assert _sign_in(platform, login, NEW_PASSWORD).status_code == 200


def test_the_link_arrives_in_the_accounts_language(platform: MailPlatform) -> None:
    login, _ = _sign_up(platform, language="zh-CN")
    assert _ask_reset(platform, login).status_code == 202
    message = platform.mailbox.wait_for(login)[0]
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == "邻里：重设密码"
    assert message["Content-Language"] == "zh-CN"


def test_an_expired_token_is_refused(platform: MailPlatform) -> None:
    login, _ = _sign_up(platform)
    client: MongoClient[dict[str, Any]] = MongoClient(platform.mongo_uri)
    try:
        accounts = client[platform.database]
        account_id = accounts["logins"].find_one({"_id": f"login:{login}"})["account_id"]  # type: ignore[index]
        secret = uuid.uuid4().hex + uuid.uuid4().hex
        now = dt.datetime.now(dt.UTC)
        accounts["password_resets"].insert_one(
            {
                "_id": hashlib.sha256(secret.encode()).hexdigest(),
                "id": hashlib.sha256(secret.encode()).hexdigest(),
                "account_id": account_id,
                "created_at": now - dt.timedelta(minutes=31),
                "expires_at": now - dt.timedelta(minutes=1),
                "used_at": None,
            }
        )
    finally:
        client.close()
    assert _problem(_confirm(platform, secret, NEW_PASSWORD), 400)["field"] == "token"
    assert _sign_in(platform, login, PASSWORD).status_code == 200


def test_an_address_gets_at_most_three_links_an_hour(platform: MailPlatform) -> None:
    login, _ = _sign_up(platform)
    answers = [_ask_reset(platform, login) for _ in range(5)]
    assert {a.status_code for a in answers} == {202} and len({a.text for a in answers}) == 1
    platform.mailbox.wait_for(login, count=3)
    time.sleep(3)  # a fourth would have come by now
    assert len(platform.mailbox.to(login)) == 3


@pytest.mark.parametrize("language", ["en", "zh-CN"])  # Chinese: a 70-character SMS, the link kept whole
def test_a_phone_only_account_gets_the_link_by_sms(platform: MailPlatform, language: str) -> None:
    phone = f"138{uuid.uuid4().int % 10**8:08d}"
    _sign_up(platform, login=phone, language=language)
    assert _ask_reset(platform, phone).status_code == 202
    deadline = time.monotonic() + 30
    while not [m for m in SmsProvider.received if m["to"].endswith(phone)]:
        assert time.monotonic() < deadline, SmsProvider.received
        time.sleep(0.2)
    text = next(m["text"] for m in SmsProvider.received if m["to"].endswith(phone))
    found = LINK.search(text)
    assert found, text
    assert _confirm(platform, unquote(found.group(1)), NEW_PASSWORD).status_code == 204
    assert _sign_in(platform, phone, NEW_PASSWORD).status_code == 200


def test_only_the_gateway_may_send_account_messages(platform: MailPlatform) -> None:
    """Over gRPC: a person (even an operator), an anonymous caller or a token naming the
    subject "gateway" from another issuer cannot make notifications mail a link."""
    login = f"victim-{uuid.uuid4().hex[:8]}@example.org"
    message = notifications_pb2.SendAccountMessageRequest(
        kind="account.password_reset",
        channel=notifications_pb2.NOTIFICATION_CHANNEL_EMAIL,
        address=login,
        language="en",
        link="https://phish.example/reset",
    )
    with grpc.insecure_channel(platform.notifications.address) as channel:
        stub = notifications_pb2_grpc.NotificationServiceStub(channel)
        for metadata in (who("person-op", "operator"), who("gateway"), anonymous()):
            with pytest.raises(grpc.RpcError) as caught:
                stub.SendAccountMessage(message, metadata=metadata, timeout=10)
            assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED, caught.value.details()
    time.sleep(1)
    assert platform.mailbox.to(login) == []
