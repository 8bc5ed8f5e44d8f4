"""CSRF protection for the pages' forms: one random token per session, sent back in every
POST as ``csrf_token`` (a hidden field; JS sends it as ``X-CSRF-Token``) and compared in
constant time before any page handler runs."""

from __future__ import annotations

import hmac
import math
import secrets

from flask import request, session

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def token() -> str:
    """This session's token (made on first use)."""
    current = session.get(SESSION_KEY)
    if not isinstance(current, str) or len(current) < 32:
        current = secrets.token_urlsafe(32)
        session[SESSION_KEY] = current
    return current


def valid() -> bool:
    """Whether this POST carries the session's token."""
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    return isinstance(expected, str) and bool(sent) and hmac.compare_digest(expected.encode(), sent.encode())


def text(name: str, limit: int = 4000) -> str:
    """A form field, stripped and cut to ``limit`` characters (the services check bounds too)."""
    return (request.form.get(name) or "").strip()[:limit]


def integer(name: str, default: int = 0) -> int:
    raw = (request.form.get(name) or "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def number(name: str) -> float | None:
    """A decimal field (a comma is taken as the decimal point); None when empty or not a number."""
    raw = (request.form.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
