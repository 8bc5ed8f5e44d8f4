"""Webhooks to agencies, signed by the Standard Webhooks convention (https://www.standardwebhooks.com).

Each attempt POSTs the delivery's payload (the public event JSON; a JSON rendering of the
message when a delivery carries none, e.g. a test delivery) with

- ``webhook-id``: the delivery id, the same on every retry, so a receiver drops a repeat;
- ``webhook-timestamp``: the attempt's time in Unix seconds (receivers refuse stale ones);
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` made by the ``standardwebhooks``
  library with the subscription's ``whsec_`` secret; during a rotation's overlap (a
  ``previous_secret`` not yet expired) two space-separated signatures, current then
  previous, so a receiver still holding the old secret verifies.
- ``content-type: application/json``.

Safety (see ``url_safety``): the URL is checked again at every attempt and the connection
goes to the very address that passed, with the Host header and the TLS server name and
certificate check on the host name; redirects are not followed (a 3xx is a failure: point
the subscription at the final URL); at most ``max_response_bytes`` of the answer are read;
connect and read timeouts are tight and a watchdog cuts an attempt at ``total_timeout``.

Outcomes: 2xx delivered; 408, 409, 425, 429, 5xx, timeouts and connection errors retryable,
with ``Retry-After`` (seconds or an HTTP date) passed on; other 4xx, 3xx, a refused URL and a
missing, inactive or deleted subscription are permanent.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

from standardwebhooks import Webhook

from linli.common.errors import InvalidArgument
from linli.notifications.adapters.url_safety import Target, UrlPolicy, resolve_target
from linli.notifications.domain.model import Channel, Delivery, SendResult, Subscription

A = TypeVar("A")

#: A Retry-After beyond this is taken as this (a day); the retry policy caps it further.
MAX_RETRY_AFTER_SECONDS = 86_400.0
#: Statuses of the 4xx family that are worth retrying.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})


class SubscriptionLookup(Protocol):
    """Where the sender finds a delivery's subscription (the service's read model)."""

    def find(self, kind: type[A], aggregate_id: str) -> A | None: ...


@dataclass(frozen=True)
class WebhookSettings:
    connect_timeout_seconds: float = 3.0
    read_timeout_seconds: float = 5.0
    total_timeout_seconds: float = 15.0
    max_response_bytes: int = 64 * 1024
    user_agent: str = "Linli-Notifications/1"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def signing_secrets(subscription: Subscription, now: datetime) -> tuple[str, ...]:
    """The secrets that sign now: the current one, then the previous one while its overlap
    lasts (no expiry set means the overlap has not been closed)."""
    secrets = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and (expires is None or expires > now):
        secrets.append(subscription.previous_secret)
    return tuple(secrets)


def signature_headers(msg_id: str, timestamp: datetime, body: str, secrets: tuple[str, ...]) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, one signature per secret."""
    at = datetime.fromtimestamp(int(timestamp.timestamp()), UTC)
    signatures = " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signatures}


def webhook_body(delivery: Delivery) -> str:
    """What is POSTed: the delivery's payload, or the message as JSON when it has none."""
    if delivery.payload:
        return delivery.payload
    message = delivery.message
    return json.dumps(
        {
            "type": "linli.notification",
            "id": delivery.id,
            "event_id": delivery.event_id,
            "kind": delivery.kind,
            "language": message.language,
            "title": message.title,
            "body": message.body,
            "link": message.link,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay seconds or an HTTP date), or None
    when absent or unreadable; never negative, at most a day."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(int(text)), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, min((when - now).total_seconds(), MAX_RETRY_AFTER_SECONDS))


def classify_status(status: int, retry_after: float | None = None, detail: str = "") -> SendResult:
    """A ``SendResult`` for an HTTP status (shared with the SMS adapter)."""
    suffix = f": {detail}" if detail else ""
    if 200 <= status < 300:
        return SendResult(ok=True, status_code=status)
    if 300 <= status < 400:
        return SendResult(
            ok=False, status_code=status, error=f"HTTP {status}: redirect not followed{suffix}", permanent=True
        )
    if status in RETRYABLE_4XX or status >= 500:
        return SendResult(ok=False, status_code=status, error=f"HTTP {status}{suffix}", retry_after=retry_after)
    if 400 <= status < 500:
        return SendResult(ok=False, status_code=status, error=f"HTTP {status}{suffix}", permanent=True)
    return SendResult(ok=False, status_code=status, error=f"HTTP {status}{suffix}", retry_after=retry_after)


def _snippet(data: bytes, limit: int = 200) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return " ".join(text.split())


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the Host header keeps the host name."""

    def __init__(self, target: Target, settings: WebhookSettings) -> None:
        super().__init__(target.host, target.port, timeout=settings.connect_timeout_seconds)
        self._address = target.address
        self._read_timeout = settings.read_timeout_seconds

    def _open(self) -> socket.socket:
        # The checked address itself: no second lookup (socket.create_connection would
        # resolve again).
        family = socket.AF_INET6 if ":" in self._address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect((self._address, self.port))
        except BaseException:
            sock.close()
            raise
        sock.settimeout(self._read_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """TLS to the checked address, with SNI and the certificate check on the host name."""

    default_port = 443

    def __init__(self, target: Target, settings: WebhookSettings, context: ssl.SSLContext) -> None:
        super().__init__(target, settings)
        self._tls = context

    def connect(self) -> None:
        self.sock = self._tls.wrap_socket(self._open(), server_hostname=self.host)


class WebhookSender:
    """``ChannelSender`` for webhooks; ``delivery.address`` is the subscription id."""

    channel = Channel.WEBHOOK

    def __init__(
        self,
        subscriptions: SubscriptionLookup,
        policy: UrlPolicy,
        settings: WebhookSettings | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.subscriptions = subscriptions
        self.policy = policy
        self.settings = settings or WebhookSettings()
        self.clock = clock
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, delivery: Delivery) -> SendResult:
        subscription = self.subscriptions.find(Subscription, delivery.address)
        if subscription is None or subscription.deleted:
            return SendResult(ok=False, error=f"subscription {delivery.address} does not exist", permanent=True)
        if not subscription.active:
            return SendResult(ok=False, error=f"subscription {delivery.address} is paused", permanent=True)
        try:
            target = resolve_target(subscription.url, self.policy)
        except InvalidArgument as refused:
            return SendResult(ok=False, error=f"refused: {refused.message}", permanent=True)
        now = self.clock()
        body = webhook_body(delivery)
        try:
            headers = signature_headers(delivery.id, now, body, signing_secrets(subscription, now))
        except Exception as exc:  # a malformed stored secret: nothing a retry can fix
            return SendResult(ok=False, error=f"cannot sign: {type(exc).__name__}", permanent=True)
        headers |= {"content-type": "application/json", "user-agent": self.settings.user_agent}
        return self.post(target, body.encode("utf-8"), headers)

    def post(self, target: Target, body: bytes, headers: dict[str, str]) -> SendResult:
        """One POST to the checked target; never raises."""
        connection: _PinnedHTTPConnection = (
            _PinnedHTTPSConnection(target, self.settings, self.tls_context)
            if target.scheme == "https"
            else _PinnedHTTPConnection(target, self.settings)
        )
        aborted = threading.Event()
        watchdog = threading.Timer(self.settings.total_timeout_seconds, _abort, (connection, aborted))
        watchdog.daemon = True
        watchdog.start()
        timed_out = SendResult(ok=False, error=f"timed out after {self.settings.total_timeout_seconds:g} s")
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(self.settings.max_response_bytes)
            if aborted.is_set():  # cut short: what was read is not an answer
                return timed_out
            retry_after = parse_retry_after(response.getheader("retry-after"), self.clock())
            detail = "" if 200 <= response.status < 300 else _snippet(data)
            return classify_status(response.status, retry_after, detail)
        except TimeoutError:
            return SendResult(ok=False, error="timed out")
        except ssl.SSLError as exc:
            return timed_out if aborted.is_set() else SendResult(ok=False, error=f"TLS: {exc.reason or exc}")
        except (OSError, http.client.HTTPException) as exc:
            return timed_out if aborted.is_set() else SendResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            watchdog.cancel()
            connection.close()


def _abort(connection: http.client.HTTPConnection, aborted: threading.Event) -> None:
    aborted.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
