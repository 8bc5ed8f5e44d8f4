"""Text messages through an SMS provider's HTTP API.

**The provider contract** (configured by ``SmsSettings.url`` and ``api_key``; an adapter for a
provider with another shape wraps it behind this one):

    POST <url>
    Authorization: Bearer <api_key>
    Content-Type: application/json
    Idempotency-Key: <delivery id>        (the same on every retry of one delivery)

    {"to": "+8613800000000", "text": "..."}

- 2xx: accepted for delivery (the body is not read beyond ``max_response_bytes``);
- 408, 409, 425, 429 and 5xx: try again later, after ``Retry-After`` (seconds or HTTP date)
  when given;
- other 4xx (bad number, bad key, blocked content): permanent; 3xx is not followed.

**Length**: one segment: 70 characters when the text holds anything outside ASCII (the
message then travels as UCS-2, which is what Chinese needs), 160 otherwise (GSM-7). A longer
text is cut and marked with "…" (with "..." in an ASCII text, which "…" would push into
UCS-2 and its 70 characters), keeping the link whole when at least ``MIN_TEXT_WITH_LINK``
characters of text still fit beside it.

**Rate** per number: a token bucket (``RateLimiter``; default at most 5 per hour per number,
refilled evenly). A send over the limit is not attempted: it is a retryable failure with
``retry_after`` set to when the next token is due. Every attempt takes a token, failed ones
too (the provider may have sent it).
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from linli.notifications.adapters.webhook import classify_status, parse_retry_after
from linli.notifications.domain.model import Channel, Delivery, Message, SendResult

GSM_LIMIT = 160
UCS2_LIMIT = 70
MIN_TEXT_WITH_LINK = 10
PHONE = re.compile(r"^\+?[0-9]{5,15}$")


@dataclass(frozen=True)
class SmsSettings:
    url: str
    api_key: str
    timeout_seconds: float = 5.0
    max_response_bytes: int = 16 * 1024
    per_number_limit: int = 5
    per_number_window_seconds: float = 3600.0
    max_length: int = 0  # an operator's cap below the segment limits; 0: the segment limits only


def segment_limit(text: str) -> int:
    """70 characters when ``text`` needs UCS-2 (anything outside ASCII), else 160."""
    return GSM_LIMIT if text.isascii() else UCS2_LIMIT


def sms_text(message: Message, max_length: int = 0) -> str:
    """The text of one SMS: the title, the body when it adds something, the link; cut to one
    segment (see the module docstring), or to ``max_length`` when that is shorter."""
    title, body, link = (" ".join(part.split()) for part in (message.title, message.body, message.link))
    text = title if not body or body == title else (f"{title}: {body}" if title else body)
    return fit(text, link, max_length)


def fit(text: str, link: str = "", max_length: int = 0) -> str:
    """``text`` followed by ``link``, cut to the segment limit of the result (or
    ``max_length`` when positive and shorter)."""
    full = f"{text} {link}" if text and link else (text or link)
    limit = segment_limit(full)
    if max_length > 0:
        limit = min(limit, max(max_length, 2 * len("...") + 1))
    if len(full) <= limit:
        return full
    ellipsis = "..." if full.isascii() else "…"
    room = limit - len(link) - 1 - len(ellipsis)
    if link and room >= MIN_TEXT_WITH_LINK:
        return f"{text[:room].rstrip()}{ellipsis} {link}"
    return f"{full[: limit - len(ellipsis)].rstrip()}{ellipsis}"


class RateLimiter:
    """Token buckets per key (``capacity`` tokens, refilled evenly over ``window_seconds``),
    thread-safe. Full buckets are forgotten, so memory follows the numbers active in the
    last window."""

    def __init__(self, capacity: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if capacity < 1 or window_seconds <= 0:
            raise ValueError("rate limit: capacity must be >= 1 and the window > 0")
        self.capacity = float(capacity)
        self.rate = capacity / window_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float | None:
        """Takes a token: None when one was free, else the seconds until one is."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:
                self._forget_full(now)
            return None

    def _forget_full(self, now: float) -> None:
        full = [k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class SmsSender:
    """``ChannelSender`` for SMS; ``delivery.address`` is the phone number."""

    channel = Channel.SMS

    def __init__(
        self,
        settings: SmsSettings,
        *,
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(settings.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"SMS provider url {settings.url!r} is not an http(s) URL")
        self.settings = settings
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.limiter = (
            limiter
            if limiter is not None
            else RateLimiter(settings.per_number_limit, settings.per_number_window_seconds)
        )
        self.clock = clock
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, delivery: Delivery) -> SendResult:
        number = delivery.address.replace(" ", "").replace("-", "")
        if not PHONE.match(number):
            return SendResult(ok=False, error="not a valid phone number", permanent=True)
        wait = self.limiter.take(number)
        if wait is not None:
            return SendResult(ok=False, status_code=429, error="rate limit per number reached", retry_after=wait)
        body = json.dumps(
            {"to": number, "text": sms_text(delivery.message, self.settings.max_length)}, ensure_ascii=False
        ).encode("utf-8")
        headers = {
            "Authorization": f"Bearer {self.settings.api_key}",
            "Content-Type": "application/json",
            "Idempotency-Key": delivery.id,
        }
        return self._post(body, headers)

    def _post(self, body: bytes, headers: dict[str, str]) -> SendResult:
        timeout = self.settings.timeout_seconds
        connection = (
            http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=self.tls_context)
            if self._scheme == "https"
            else http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        )
        try:
            connection.request("POST", self._path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(self.settings.max_response_bytes)
            retry_after = parse_retry_after(response.getheader("retry-after"), self.clock())
            detail = "" if 200 <= response.status < 300 else " ".join(data[:200].decode("utf-8", "replace").split())
            return classify_status(response.status, retry_after, detail)
        except TimeoutError:
            return SendResult(ok=False, error="SMS provider timed out")
        except (OSError, http.client.HTTPException) as exc:
            return SendResult(ok=False, error=f"SMS provider: {type(exc).__name__}: {exc}"[:300])
        finally:
            connection.close()
