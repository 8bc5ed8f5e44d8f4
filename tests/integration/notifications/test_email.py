"""E-mail through a real SMTP server (aiosmtpd on a free loopback port): the message arrives
in the recipient's language with a valid MIME structure; SMTP refusals map to retryable (4xx)
or permanent (5xx) failures; STARTTLS and AUTH when configured; and through the engine."""

from __future__ import annotations

import email
import random
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message as MimeMessage
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from linli.common.unit_of_work import UnitOfWork
from linli.notifications.adapters.email import EmailSender, SmtpSettings
from linli.notifications.adapters.read_models import ReadModel
from linli.notifications.domain.deliveries import new_delivery
from linli.notifications.domain.events import DELIVERED, FAILED
from linli.notifications.domain.model import Channel, Delivery
from linli.notifications.domain.retry import RetryPolicy
from linli.notifications.domain.templates import TemplateCatalogue
from linli.notifications.entrypoints.delivery_worker import DeliveryEngine
from tests.unit.notifications.delivery_fakes import NOW, FakeRepository

CATALOGUE = TemplateCatalogue.load()
VALUES = {"title": "<script>alert(1)</script> 楼道灯坏了 & more", "status": "accepted"}
LINK = "https://linli.example/r/req_1"


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps what arrived; refuses recipients by their local part."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        local = address.split("@", 1)[0]
        if local.startswith("busy"):
            return "450 4.2.1 mailbox busy, try later"
        if local.startswith("nobody"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        self.arrived.set()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def mail_delivery(address: str, language: str, event_id: str = "evt_1") -> Delivery:
    message = CATALOGUE.render("request.accepted", language, VALUES, LINK)
    return new_delivery(
        event_id=event_id,
        kind="request.accepted",
        channel=Channel.EMAIL,
        recipient_id="person_1",
        address=address,
        message=message,
        now=NOW,
    )


def parts_of(raw: bytes) -> tuple[MimeMessage, str, str]:
    message = email.message_from_bytes(raw)
    assert not message.defects
    assert message.get_content_type() == "multipart/alternative"
    parts = cast(list[MimeMessage], message.get_payload())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    text, rich = (cast(bytes, p.get_payload(decode=True)).decode("utf-8") for p in parts)
    return message, text, rich


def subject_of(message: MimeMessage) -> str:
    return str(make_header(decode_header(message["Subject"])))


@pytest.mark.parametrize(
    ("language", "subject_start", "text_words"),
    [("zh-CN", "您的求助已受理", "已受理"), ("en", "Your request was accepted", "was accepted")],
)
def test_the_message_arrives_in_the_recipients_language_as_valid_mime(
    smtp_server: tuple[Mailbox, int], language: str, subject_start: str, text_words: str
) -> None:
    mailbox, port = smtp_server
    sender = EmailSender(SmtpSettings(host="127.0.0.1", port=port, from_address="邻里平台 <noreply@linli.example>"))
    delivery = mail_delivery("wang@example.org", language)
    result = sender.send(delivery)
    assert result.ok and result.status_code == 250
    ((mail_from, rcpt_tos, raw),) = mailbox.messages
    assert (mail_from, rcpt_tos) == ("noreply@linli.example", ["wang@example.org"])
    assert raw.isascii()  # every header and part encoded for the wire
    message, text, rich = parts_of(raw)
    assert subject_of(message).startswith(subject_start)
    assert str(make_header(decode_header(message["From"]))) == "邻里平台 <noreply@linli.example>"
    assert message["Content-Language"] == language
    assert message["Message-ID"] == f"<{delivery.id}@linli.example>"
    assert text_words in text and LINK in text
    assert "<script>alert(1)</script>" in text  # plain text is plain
    assert "<script>" not in rich and "&lt;script&gt;alert(1)&lt;/script&gt;" in rich  # html escaped
    assert "&amp; more" in rich
    assert f'<a href="{LINK}">' in rich


def test_smtp_refusals_4xx_retryable_5xx_permanent(smtp_server: tuple[Mailbox, int]) -> None:
    _, port = smtp_server
    sender = EmailSender(SmtpSettings(host="127.0.0.1", port=port))
    busy = sender.send(mail_delivery("busy@example.org", "en"))
    unknown = sender.send(mail_delivery("nobody@example.org", "en"))
    assert (busy.ok, busy.permanent, busy.status_code) == (False, False, 450)
    assert "mailbox busy" in busy.error
    assert (unknown.ok, unknown.permanent, unknown.status_code) == (False, True, 550)


def test_a_server_that_is_not_there_is_retryable() -> None:
    result = EmailSender(SmtpSettings(host="127.0.0.1", port=free_port(), timeout_seconds=2)).send(
        mail_delivery("wang@example.org", "en")
    )
    assert (result.ok, result.permanent) == (False, False)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_starttls_and_auth_when_configured(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[str] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = (v.decode() if isinstance(v, bytes) else str(v) for v in auth_data)
        logins.append(login)
        # handled=False: the server answers the refusal with 535 itself
        return AuthResult(success=(login, password) == ("linli", "s3cret"), handled=False)

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
        auth_required=True,
        auth_exclude_mechanism=["LOGIN"],  # smtplib's LOGIN with an initial response stalls aiosmtpd
    )
    controller.start()
    client_tls = ssl.create_default_context(cafile=str(cert))
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, starttls=True, username="linli", password="s3cret")
        assert EmailSender(settings, tls_context=client_tls).send(mail_delivery("wang@example.org", "zh-CN")).ok
        wrong = SmtpSettings(host="127.0.0.1", port=port, starttls=True, username="linli", password="nope")
        refused = EmailSender(wrong, tls_context=client_tls).send(mail_delivery("wang@example.org", "zh-CN"))
        plain = SmtpSettings(host="127.0.0.1", port=port)  # no STARTTLS: the server refuses
        unencrypted = EmailSender(plain).send(mail_delivery("wang@example.org", "zh-CN"))
    finally:
        controller.stop()
    assert len(mailbox.messages) == 1
    assert logins == ["linli", "linli"]
    assert (refused.ok, refused.permanent, refused.status_code) == (False, True, 535)
    assert (unencrypted.ok, unencrypted.permanent) == (False, True)


def test_through_the_engine_a_busy_mailbox_is_retried_until_it_accepts() -> None:
    read_model, repository = ReadModel(), FakeRepository()
    uow = UnitOfWork(repository, read_model)
    refusals = iter([True, True])

    class Flaky(Mailbox):
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            if next(refusals, False):
                return "451 4.7.1 greylisted, try later"
            return await super().handle_RCPT(server, session, envelope, address, options)

    flaky = Flaky()
    flaky_port = free_port()
    controller = Controller(flaky, hostname="127.0.0.1", port=flaky_port)
    controller.start()
    engine = DeliveryEngine(
        uow,
        read_model,
        {Channel.EMAIL: EmailSender(SmtpSettings(host="127.0.0.1", port=flaky_port))},
        RetryPolicy(max_attempts=5, base_seconds=0.05, cap_seconds=0.2),
        rng=random.Random(1),
        idle_seconds=0.05,
    )
    delivery = mail_delivery("li@example.org", "en", event_id="evt_engine")
    with uow.start(delivery.id) as work:
        work.add(delivery)
        work.commit()
    engine.start()
    try:
        engine.submit([delivery.id])
        assert flaky.arrived.wait(10)
        deadline = time.monotonic() + 5
        while DELIVERED not in repository.event_types(delivery.id) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        engine.stop(5)
        controller.stop()
    assert repository.event_types(delivery.id) == [FAILED, FAILED, DELIVERED]
    assert len(flaky.messages) == 1
