"""Rate limits per caller (Flask-Limiter), counted in a storage every replica shares (MongoDB).

The key is the caller: the API key (`key:<id>`), else the signed-in account
(`account:<id>`), else the client address (`ip:<addr>`). Every route gets the default limits
(`LINLI_RATE_LIMIT_DEFAULT`); routes add their own with `@limiter.limit("5/minute")` (sign-in,
creates). A breach is a 429 problem with Retry-After. Health, readiness, metrics and the docs
are exempt. If the storage is unreachable, limits fall back to per-process memory rather than
failing requests.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter

from linli.gateway.config import GatewayConfig

log = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


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


limiter = Limiter(
    key_func=caller_key,
    default_limits_exempt_when=_exempt,
    headers_enabled=True,
    strategy="fixed-window",
    key_prefix="linli_gateway",
)


def init_app(app: Flask, config: GatewayConfig) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", config.rate_limit_enabled)
    app.config.setdefault("RATELIMIT_DEFAULT", config.rate_limit_default)
    uri = config.limiter_storage_uri
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    if uri.startswith(("mongodb://", "mongodb+srv://")):
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"database_name": config.database, "serverSelectionTimeoutMS": 2000, "connectTimeoutMS": 2000},
        )
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
