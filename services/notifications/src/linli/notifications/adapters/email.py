"""E-mail over SMTP (stdlib ``smtplib``): one connection per attempt.

The message is ``multipart/alternative``: a ``text/plain`` part (the body, then the link on
its own line) and a ``text/html`` part, the template's autoescaped HTML (or the body escaped
here when a template gave none), both UTF-8. The Subject is the message title; headers with
Chinese are encoded by the ``email`` package (RFC 2047), ``Content-Language`` names the
recipient's language, ``Message-ID`` is derived from the delivery id so a resend of the same
delivery carries the same id (mail clients thread or drop the repeat).

Settings (``SmtpSettings``): host, port, implicit TLS (SMTPS, port 465) or STARTTLS, login,
From address, timeout. Outcomes: accepted = delivered; an SMTP 4xx reply (greylisting,
mailbox busy), a dropped connection or a timeout is retryable; a 5xx reply (unknown mailbox,
refused sender, failed login) is permanent; an address that is not one is permanent.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from linli.notifications.domain.model import Channel, Delivery, SendResult

MAX_ADDRESS_LENGTH = 254


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    implicit_tls: bool = False
    username: str = ""
    password: str = ""
    from_address: str = "Linli <noreply@linli.local>"
    timeout_seconds: float = 10.0
    local_hostname: str | None = None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def valid_address(address: str) -> bool:
    """A plausible single mailbox: one "@", a dot-free or dotted domain, no spaces or
    control characters (header injection), at most 254 characters."""
    if not address or len(address) > MAX_ADDRESS_LENGTH or any(ch.isspace() or ord(ch) < 0x20 for ch in address):
        return False
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and "@" not in local and "," not in address and "<" not in address


def build_message(delivery: Delivery, from_address: str) -> EmailMessage:
    """The MIME message for a delivery (see the module docstring)."""
    message = delivery.message
    text = message.body.rstrip()
    if message.link and message.link not in text:
        text = f"{text}\n\n{message.link}"
    rich = message.html or _html_from_text(message.body, message.link)
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = _one_line(message.title)
    mail["From"] = from_address
    mail["To"] = delivery.address
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{_atom(delivery.id)}@{_domain_of(from_address)}>"
    mail["X-Linli-Delivery-Id"] = delivery.id
    mail["X-Linli-Kind"] = delivery.kind
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(text + "\n", subtype="plain", charset="utf-8")
    mail.add_alternative(rich, subtype="html", charset="utf-8")
    mail["Content-Language"] = message.language  # after the parts: set_content clears Content-*
    return mail


def _atom(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-._") else "-" for ch in text) or "delivery"


def _html_from_text(body: str, link: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(part)}</p>" for part in body.split("\n") if part.strip())
    if link:
        escaped = html.escape(link, quote=True)
        paragraphs += f'<p><a href="{escaped}">{escaped}</a></p>'
    return f"<!DOCTYPE html><html><body>{paragraphs}</body></html>"


def _domain_of(from_address: str) -> str:
    try:
        mail = EmailMessage(policy=SMTP)
        mail["From"] = from_address
        addresses: tuple[Address, ...] = mail["From"].addresses
        domain = addresses[0].domain if addresses else ""
    except (ValueError, IndexError):
        domain = ""
    return domain or "linli.local"


def _from_smtp_code(code: int, text: str) -> SendResult:
    error = f"SMTP {code}: {text}"[:300]
    if 400 <= code < 500:
        return SendResult(ok=False, status_code=code, error=error)
    return SendResult(ok=False, status_code=code, error=error, permanent=500 <= code < 600)


def _reply_text(reply: bytes | str) -> str:
    return _one_line(reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply)


class EmailSender:
    """``ChannelSender`` for e-mail; ``delivery.address`` is the mailbox."""

    channel = Channel.EMAIL

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.implicit_tls:
            return smtplib.SMTP_SSL(
                s.host, s.port, local_hostname=s.local_hostname, timeout=s.timeout_seconds, context=self.tls_context
            )
        return smtplib.SMTP(s.host, s.port, local_hostname=s.local_hostname, timeout=s.timeout_seconds)

    def send(self, delivery: Delivery) -> SendResult:
        if not valid_address(delivery.address):
            return SendResult(ok=False, error="not a valid e-mail address", permanent=True)
        try:
            mail = build_message(delivery, self.settings.from_address)
        except (ValueError, TypeError) as exc:
            return SendResult(ok=False, error=f"cannot build the message: {exc}"[:300], permanent=True)
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if self.settings.starttls and not self.settings.implicit_tls:
                    smtp.starttls(context=self.tls_context)
                    smtp.ehlo()
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password)
                refused = smtp.send_message(mail, to_addrs=[delivery.address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            return _from_smtp_code(code, _reply_text(reply))
        except smtplib.SMTPResponseException as exc:
            return _from_smtp_code(exc.smtp_code, _reply_text(exc.smtp_error))
        except smtplib.SMTPNotSupportedError as exc:
            return SendResult(ok=False, error=f"SMTP server: {exc}"[:300])
        except TimeoutError:
            return SendResult(ok=False, error="SMTP timed out")
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult(ok=False, error=f"SMTP {type(exc).__name__}: {exc}"[:300])
        if refused:
            code, reply = next(iter(refused.values()))
            return _from_smtp_code(code, _reply_text(reply))
        return SendResult(ok=True, status_code=250)
