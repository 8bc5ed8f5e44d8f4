"""The deadline of the gRPC call being served, so calls made while serving it end in time.

The server's deadline interceptor records it when a call starts; the client interceptor
gives each downstream call at most what is left of it. A caller that already gave up gains
nothing from work done on its behalf after that.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

# Above this many seconds the caller set no deadline (gRPC reports a far-future one).
_NO_DEADLINE = 10**6

_served_until: contextvars.ContextVar[float | None] = contextvars.ContextVar("linli_served_until", default=None)


Token = contextvars.Token[float | None]


def enter(time_remaining: float | None) -> Token:
    """Marks the call being served as having `time_remaining` seconds (None: no deadline);
    pass the token to `leave` when it ends."""
    until = None if time_remaining is None or time_remaining > _NO_DEADLINE else time.monotonic() + time_remaining
    return _served_until.set(until)


def leave(token: Token) -> None:
    _served_until.reset(token)


@contextlib.contextmanager
def serving(time_remaining: float | None) -> Iterator[None]:
    """`enter` and `leave` around a block (for serving code outside the interceptors)."""
    token = enter(time_remaining)
    try:
        yield
    finally:
        leave(token)


def remaining() -> float | None:
    """Seconds left to the deadline of the call being served; None outside one or without one."""
    until = _served_until.get()
    return None if until is None else until - time.monotonic()


def bounded(timeout: float | None) -> float | None:
    """`timeout`, shortened to what is left of the served call's deadline."""
    left = remaining()
    if left is None:
        return timeout
    left = max(left, 0.001)  # already past: let the call fail at once with DEADLINE_EXCEEDED
    return left if timeout is None else min(timeout, left)
