"""Identifiers: time-ordered random ids, and ids derived from an idempotency key.

FerretDB only pushes `_id` lookups down to SQLite, so idempotent creation is done through the
id itself: a create call with an idempotency key gets `_id = prefix + hash(scope, key)`, and a
retry collides with the first insert on `_id` instead of needing a second lookup index.
"""

from __future__ import annotations

import hashlib
import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _base32(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """`prefix_` + 10 chars of milliseconds + 12 random chars: sorts by creation time."""
    millis = int(time.time() * 1000)
    return f"{prefix}_{_base32(millis, 10)}{_base32(int.from_bytes(os.urandom(8), 'big'), 12)}"


def idempotent_id(prefix: str, scope: str, key: str) -> str:
    """The id a create call with idempotency `key` gets, the same on every retry.

    `scope` separates callers (person id, or the calling service) so two clients that pick
    the same key do not collide.
    """
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).digest()
    return f"{prefix}_k{_base32(int.from_bytes(digest[:15], 'big'), 24)}"
