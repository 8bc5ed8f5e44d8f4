"""The e-mail adapter on a fake SMTP connection: the MIME message and how SMTP replies map
to outcomes (the real SMTP server is in tests/integration/notifications/test_email.py)."""

from __future__ import annotations

import email
import smtplib
from email.message import EmailMessage, Message
from typing import Any, ClassVar, cast

import pytest

from linli.notifications.adapters.email import EmailSender, SmtpSettings, build_message, valid_address
from linli.notifications.domain.model import Channel
from tests.unit.notifications.delivery_fakes import make_delivery, make_message

SETTINGS = SmtpSettings(host="smtp.test", port=587, from_address="邻里 <noreply@linli.example>")


def parsed(mail: EmailMessage) -> Message:
    return email.message_from_bytes(mail.as_bytes())


def test_the_message_is_multipart_alternative_with_text_and_html() -> None:
    delivery = make_delivery("dlv_mail", channel=Channel.EMAIL, address="wang@example.org")
    message = parsed(build_message(delivery, SETTINGS.from_address))
    assert message.get_content_type() == "multipart/alternative"
    parts = cast(list[Message], message.get_payload())
    text, rich = (cast(bytes, part.get_payload(decode=True)).decode(part.get_content_charset() or "") for part in parts)
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert "“修水管”已被社区受理。" in text and text.rstrip().endswith("https://linli.example/r/req_1")
    assert rich.strip() == "<p>&ldquo;修水管&rdquo;已被社区受理。</p>"
    raw_subject = message["Subject"]
    assert "=?utf-8?" in raw_subject.lower()  # encoded, not raw UTF-8
    assert str(email.header.make_header(email.header.decode_header(raw_subject))) == "您的求助已受理"
    assert message["Content-Language"] == "zh-CN"
    assert message["To"] == "wang@example.org"
    assert message["Message-ID"] == "<dlv_mail@linli.example>"
    assert message["X-Linli-Delivery-Id"] == "dlv_mail"


def test_without_template_html_the_body_is_escaped() -> None:
    evil = make_message(
        title="t\r\nBcc: x@evil", body="<script>alert(1)</script>\n第二行", html="", link="https://l/1?a=1&b=2"
    )
    delivery = make_delivery(channel=Channel.EMAIL, address="a@example.org", message=evil)
    message = parsed(build_message(delivery, SETTINGS.from_address))
    rich = message.get_payload()[1].get_payload(decode=True).decode()  # type: ignore[index,union-attr]
    assert "<script>" not in rich and "&lt;script&gt;" in rich
    assert '<a href="https://l/1?a=1&amp;b=2">' in rich
    assert message["Subject"] == "t Bcc: x@evil"  # one line: no header injection
    assert message["Bcc"] is None


@pytest.mark.parametrize("address", ["", "no-at-sign", "a@b\r\nBcc: c@d", "a b@c.org", "a@b.org, c@d.org", "<a@b.org>"])
def test_invalid_addresses_are_permanent_failures(address: str) -> None:
    assert not valid_address(address)
    result = EmailSender(SETTINGS).send(make_delivery(channel=Channel.EMAIL, address=address))
    assert result.permanent and "address" in result.error


class FakeSMTP:
    """Stands in for smtplib.SMTP: records the calls, raises what the test asks."""

    instances: ClassVar[list[FakeSMTP]] = []
    fail: ClassVar[BaseException | None] = None
    refused: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        self.calls: list[str] = [f"connect {host}:{port}"]
        self.sent: list[EmailMessage] = []
        FakeSMTP.instances.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *args: object) -> None:
        self.calls.append("quit")

    def ehlo(self) -> None:
        self.calls.append("ehlo")

    def starttls(self, context: Any = None) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")

    def send_message(self, mail: EmailMessage, to_addrs: list[str]) -> dict[str, tuple[int, bytes]]:
        if FakeSMTP.fail is not None:
            raise FakeSMTP.fail
        self.sent.append(mail)
        return FakeSMTP.refused


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.instances, FakeSMTP.fail, FakeSMTP.refused = [], None, {}
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def send(settings: SmtpSettings = SETTINGS) -> Any:
    return EmailSender(settings).send(make_delivery(channel=Channel.EMAIL, address="wang@example.org"))


def test_starttls_and_login_when_configured(fake_smtp: type[FakeSMTP]) -> None:
    settings = SmtpSettings(host="smtp.test", port=587, starttls=True, username="linli", password="pw")
    assert send(settings).ok
    assert fake_smtp.instances[0].calls == ["connect smtp.test:587", "ehlo", "starttls", "ehlo", "login linli", "quit"]
    assert send().ok
    assert fake_smtp.instances[1].calls == ["connect smtp.test:587", "ehlo", "quit"]


@pytest.mark.parametrize(
    ("error", "permanent", "code"),
    [
        (smtplib.SMTPRecipientsRefused({"wang@example.org": (450, b"mailbox busy")}), False, 450),
        (smtplib.SMTPRecipientsRefused({"wang@example.org": (550, b"no such user")}), True, 550),
        (smtplib.SMTPSenderRefused(451, b"try later", "noreply@linli.example"), False, 451),
        (smtplib.SMTPDataError(554, b"rejected as spam"), True, 554),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), True, 535),
        (smtplib.SMTPServerDisconnected("gone"), False, 0),
        (TimeoutError(), False, 0),
        (ConnectionRefusedError(111, "refused"), False, 0),
    ],
)
def test_smtp_failures_4xx_retryable_5xx_permanent(
    fake_smtp: type[FakeSMTP], error: BaseException, permanent: bool, code: int
) -> None:
    fake_smtp.fail = error
    result = send()
    assert (result.ok, result.permanent, result.status_code) == (False, permanent, code)
    assert result.error


def test_a_recipient_refused_after_data_counts(fake_smtp: type[FakeSMTP]) -> None:
    fake_smtp.refused = {"wang@example.org": (452, b"over quota")}
    result = send()
    assert (result.ok, result.permanent, result.status_code) == (False, False, 452)
    assert "over quota" in result.error
