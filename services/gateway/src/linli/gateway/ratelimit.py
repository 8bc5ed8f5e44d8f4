"""Rate limits per caller (Flask-Limiter), counted in a storage every replica shares (MongoDB).

The key is the caller: the API key (`key:<id>`), else the signed-in account
(`account:<id>`), else the client address (`ip:<addr>`). Every route gets the default limits
(`LINLI_RATE_LIMIT_DEFAULT`); routes add their own with `@limiter.limit("5/minute")` (sign-in,
creates). A breach is a 429 problem with Retry-After. Health, readiness, metrics and the docs
are exempt. If the storage is unreachable, limits fall back to per-process memory rather than
failing requests.

The counters live in MongoDB through `CounterStorage` (scheme `linli+mongodb://`), a `limits`
storage for fixed windows written for FerretDB: `limits`' own MongoDB storage needs TTL
indexes and update pipelines (`$cond`, `$$NOW`), which FerretDB does not implement. Each
counter is one document `{_id: key, count, expireAt}`; a hit is one `$inc` upsert by `_id`,
concurrent hits on a key are sent as one (`linli.gateway.ratecounter`), and the rate-limit
response headers reuse the request's own hit instead of reading the counter again. Expired
counters are deleted at most once a minute per process.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_limiter import Limiter
from limits.storage import MongoDBStorage
from pymongo import MongoClient

from linli.gateway.config import GatewayConfig
from linli.gateway.ratecounter import Window, WindowCounters

log = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


SCHEME = "linli+mongodb"
SWEEP_SECONDS = 60.0
_SEEN_KEY = "linli_rate_windows"


class CounterStorage(MongoDBStorage):
    """Fixed-window counters in MongoDB or FerretDB (`linli.gateway.ratecounter`)."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 - limits' registry reads the class attribute

    def __init__(self, uri: str, database_name: str = "linli_gateway", **options: Any) -> None:
        super().__init__(
            uri.replace(f"{SCHEME}://", "mongodb://", 1),
            database_name=database_name,
            counter_collection_name="rate_limits",
            **options,
        )
        self._client: MongoClient[dict[str, Any]] | None = None
        self._client_lock = threading.Lock()
        self._next_sweep = 0.0
        self._windows = WindowCounters(lambda: self.counters)

    @property
    def storage(self) -> Any:
        # No TTL index (FerretDB has none): expired counters are swept by `incr`.
        with self._client_lock:
            if self._client is None:
                options: dict[str, Any] = dict(self._storage_options)
                self._client = MongoClient(self._storage_uri, **options)
            return self._client

    def _sweep(self) -> None:
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        self._windows.sweep()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        window = self._windows.hit(key, expiry, amount)
        _remember(key, window)
        self._sweep()
        return window.count

    def get(self, key: str) -> int:
        window = self._window(key)
        return window.count if window else 0

    def get_expiry(self, key: str) -> float:
        window = self._window(key)
        return window.expires_at if window else time.time()

    def _window(self, key: str) -> Window | None:
        # The response headers (remaining, reset) ask right after this request's own hit: its
        # answer is the count at that moment, so no second and third round trip.
        remembered = _remembered(key)
        if remembered is not None and remembered.expires_at > time.time():
            return remembered
        return self._windows.read(key)

    def check(self) -> bool:
        try:
            self.storage.admin.command("ping")
        except Exception:
            return False
        return True


def _remember(key: str, window: Window) -> None:
    if has_request_context():
        seen: dict[str, Window] = g.setdefault(_SEEN_KEY, {})
        seen[key] = window


def _remembered(key: str) -> Window | None:
    if not has_request_context():
        return None
    seen: dict[str, Window] | None = g.get(_SEEN_KEY)
    return seen.get(key) if seen else None


def _current_person() -> Any:
    try:
        auth = importlib.import_module("linli.gateway.auth")
    except ModuleNotFoundError as exc:
        if exc.name != "linli.gateway.auth":
            raise
        return None
    current_person = getattr(auth, "current_person", None)
    if current_person is None:
        return None
    try:
        return current_person()
    except Exception:  # an authentication failure is answered by the route, not by the limiter
        return None


def client_address() -> str:
    return request.remote_addr or "unknown"


def caller_key() -> str:
    """Whom a request counts against: its API key, its account, else the client address."""
    person = _current_person()
    if person is not None:
        if api_key_id := getattr(person, "api_key_id", ""):
            return f"key:{api_key_id}"
        if account_id := getattr(person, "account_id", ""):
            return f"account:{account_id}"
    return f"ip:{client_address()}"


def _exempt() -> bool:
    return request.path in EXEMPT_PATHS or request.path.startswith("/static/")


def default_limits() -> str:
    """The app's default limits, read per request: one limiter serves every app in a process
    (tests build several), and Flask-Limiter keeps the first app's configured defaults."""
    return str(current_app.config.get("LINLI_RATE_LIMIT_DEFAULT", ""))


limiter = Limiter(
    key_func=caller_key,
    default_limits=[default_limits],
    default_limits_exempt_when=_exempt,
    headers_enabled=True,
    strategy="fixed-window",
    key_prefix="linli_gateway",
)


def init_app(app: Flask, config: GatewayConfig) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", config.rate_limit_enabled)
    app.config.setdefault("LINLI_RATE_LIMIT_DEFAULT", config.rate_limit_default)
    uri = config.limiter_storage_uri
    if uri.startswith("mongodb://"):
        uri = uri.replace("mongodb://", f"{SCHEME}://", 1)
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    if uri.startswith(f"{SCHEME}://"):
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {
                "database_name": config.database,
                "serverSelectionTimeoutMS": 2000,
                "connectTimeoutMS": 2000,
                # a hung storage must not hold the requests batched behind one counter write
                "socketTimeoutMS": 2000,
            },
        )
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
