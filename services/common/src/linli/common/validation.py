"""Input validation every service shares: ids, free text, lists of ids, idempotency keys.

One message style everywhere: ``"<field>: <what is wrong>"``, with ``field`` (a dotted path
such as ``contacts[2].phone``) also set on the raised ``InvalidArgument`` so the gateway can
point at the form field. Values echoed back in a message are cut to ``ECHO_MAX_LENGTH``
characters, so an error never repeats a megabyte of input. Each validator returns the
normalised value (trimmed, NFC). Pure code: domain modules import it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from linli.common.errors import InvalidArgument

ID_MAX_LENGTH = 128
IDEMPOTENCY_KEY_MAX_LENGTH = 200
MAX_LIST_ITEMS = 500
ECHO_MAX_LENGTH = 40

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$")
_LINE_BREAKS = "\n\r\t"


def invalid(field: str, problem: str) -> InvalidArgument:
    """The error for ``field``, in the house style."""
    return InvalidArgument(f"{field}: {problem}" if field else problem, field=field)


def echo(value: object) -> str:
    """A value quoted for an error message, showing at most ECHO_MAX_LENGTH characters of it
    (control characters are escaped, and the escapes count too)."""
    text = str(value)
    quoted = repr(text[: ECHO_MAX_LENGTH + 1])
    if len(text) <= ECHO_MAX_LENGTH and len(quoted) <= ECHO_MAX_LENGTH + 2:
        return quoted
    return quoted[: ECHO_MAX_LENGTH + 1] + "...'"


def clean(value: str) -> str:
    """Trimmed and NFC-normalised, so equal texts compare equal."""
    return unicodedata.normalize("NFC", value.strip())


def text(value: str, field: str, *, max_length: int, required: bool = False) -> str:
    """Free text: trimmed, at most ``max_length`` characters, no control characters other
    than line breaks and tabs. The length is checked before normalising (bounded work)."""
    if len(value) > 4 * max_length + 64:
        raise invalid(field, f"must be at most {max_length} characters, got {len(value)}")
    cleaned = clean(value)
    if required and not cleaned:
        raise invalid(field, "must not be empty")
    if len(cleaned) > max_length:
        raise invalid(field, f"must be at most {max_length} characters, got {len(cleaned)}")
    if any(unicodedata.category(ch) == "Cc" and ch not in _LINE_BREAKS for ch in cleaned):
        raise invalid(field, "must not contain control characters")
    return cleaned


def identifier(value: str, field: str) -> str:
    """An id (ours or another service's): non-empty, no spaces, at most 128 characters."""
    stripped = value.strip()
    if not stripped:
        raise invalid(field, "must not be empty")
    if len(stripped) > ID_MAX_LENGTH or not ID_PATTERN.match(stripped):
        raise invalid(field, f"{echo(stripped)} is not a valid id")
    return stripped


def optional_identifier(value: str, field: str) -> str:
    """Like ``identifier``, but empty is allowed (and returned as "")."""
    return identifier(value, field) if value.strip() else ""


def required(value: str, field: str) -> str:
    """A reference that must be given (its format is checked where it is looked up)."""
    if not value:
        raise invalid(field, "is required")
    return value


def identifier_list(values: Iterable[str], field: str, *, max_items: int = MAX_LIST_ITEMS) -> tuple[str, ...]:
    """A list of ids, deduplicated in order, at most ``max_items``."""
    seen: dict[str, None] = {}
    for i, value in enumerate(values):
        if i >= max_items * 2:
            raise invalid(field, f"at most {max_items} items allowed")
        seen.setdefault(identifier(value, f"{field}[{i}]"), None)
    if len(seen) > max_items:
        raise invalid(field, f"at most {max_items} items allowed, got {len(seen)}")
    return tuple(seen)


def idempotency_key(value: str, field: str = "idempotency_key") -> str:
    """A client's retry key: any text up to 200 characters ("" means none given)."""
    if len(value) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise invalid(field, f"must be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters")
    return value


def finite(value: float, field: str) -> float:
    """A number that is neither NaN nor infinite."""
    if not math.isfinite(value):
        raise invalid(field, "must be a finite number")
    return value


def count_limit(value: int, field: str, *, maximum: int, default: int) -> int:
    """A page size or result limit: 0 means ``default``; negative or above ``maximum`` is refused."""
    if value < 0:
        raise invalid(field, "must not be negative")
    if value > maximum:
        raise invalid(field, f"must be at most {maximum}, got {value}")
    return value or default
