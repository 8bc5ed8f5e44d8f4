"""gRPC clients: channels with default deadlines, identity, request-id and deadline propagation,
and retries by gRPC itself for idempotent calls only.

Retries follow the `retryPolicy` of the channel's service config: UNAVAILABLE only (the call
did not run, or the server asked to be tried again), with exponential backoff, within the
call's one deadline. DEADLINE_EXCEEDED is never retried: the caller's time is spent.
A retried call may run twice on the server, so only idempotent calls may be retried:
`make_channel` opens a plain channel and a retrying one to the target, and `call(...,
idempotent=True)` sends through the retrying one; everything else (a stub method called
directly included) goes through the plain one.

A call made while serving a gRPC call gets at most what is left of that call's deadline
(see `deadlines`), so work for a caller that gave up stops downstream too.

Identity (`authorization: Bearer <jwt>`, see `tokens`): while serving a caller, a call
forwards the caller's own token (an anonymous caller stays anonymous). A call the service
makes as itself (outside any served call: timers, consumers, start-up; or with
`current_identity` set to `SYSTEM`, as `Actor.system` work does) carries a token signed
with the service's own key (`use_service_signer`, which `ServiceRuntime` calls with
`LINLI_SIGNING_KEY_FILE`), reused until 30 s before it expires; a signer that is no service's
(a tool's, a test's) cannot be `system`, so there such calls stay anonymous. Any other
identity set in `current_identity` by hand is signed with the signer too. Metadata the caller passes with its
own `authorization` is left alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from linli.common import deadlines
from linli.common.errors import FIELD_KEY, LinliError, error_for_status
from linli.common.identity import REQUEST_ID_KEY, SYSTEM, current_call, current_identity
from linli.common.logs import request_id_var
from linli.common.tokens import (
    AUTHORIZATION_KEY,
    DEFAULT_AUDIENCE,
    DEFAULT_TTL_SECONDS,
    SERVICE_ISSUERS,
    Metadata,
    Signer,
    TokenCache,
    bearer,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE})

_CHANNEL_OPTIONS = [("grpc.keepalive_time_ms", 30000), ("grpc.max_receive_message_length", 8 * 1024 * 1024)]


class _ProcessTokens:
    """The process's own signer for the calls it makes as itself."""

    tokens: TokenCache | None = None
    warned = False


_process = _ProcessTokens()


def use_service_signer(
    signer: Signer | None,
    *,
    audience: str = DEFAULT_AUDIENCE,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    refresh_seconds: float = 30.0,
) -> None:
    """Signs the calls this process makes as itself with `signer` (None: they go anonymous)."""
    _process.tokens = (
        TokenCache(signer, ttl_seconds=ttl_seconds, refresh_seconds=refresh_seconds, audience=audience)
        if signer is not None
        else None
    )
    _process.warned = False


def service_signer() -> Signer | None:
    """The signer `use_service_signer` installed."""
    return _process.tokens.signer if _process.tokens is not None else None


def identity_metadata(tokens: TokenCache | None = None) -> Metadata:
    """The `authorization` metadata an outgoing call carries now (see the module docstring);
    `tokens` signs for the service itself (default: the process's, `use_service_signer`)."""
    identity = current_identity.get()
    served = current_call.get()
    if identity != SYSTEM and served is not None and identity is served.identity:
        return bearer(served.token) if served.token else []
    signer = tokens or _process.tokens
    if identity.anonymous:
        if served is not None:
            return []  # serving an anonymous caller, or work chose to ask anonymously
        if signer is not None and signer.signer.issuer not in SERVICE_ISSUERS:
            return []  # a client that is no service (a tool, a test) asks anonymously
        identity = SYSTEM
    if signer is None:
        if not _process.warned:
            _process.warned = True
            log.warning("no signing key (LINLI_SIGNING_KEY_FILE): calls this service makes as itself go anonymous")
        return []
    return signer.metadata(identity)


def retry_service_config(attempts: int = 3, initial_backoff: float = 0.1, max_backoff: float = 1.0) -> str:
    """A service config retrying every method of the channel on RETRYABLE codes."""
    return json.dumps(
        {
            "methodConfig": [
                {
                    "name": [{}],
                    "retryPolicy": {
                        "maxAttempts": max(2, attempts),
                        "initialBackoff": f"{initial_backoff}s",
                        "maxBackoff": f"{max_backoff}s",
                        "backoffMultiplier": 2,
                        "retryableStatusCodes": sorted(code.name for code in RETRYABLE),
                    },
                }
            ]
        }
    )


class _CallDetails(grpc.ClientCallDetails):  # type: ignore[misc]
    def __init__(
        self,
        method: str,
        timeout: float | None,
        metadata: Any,
        credentials: Any,
        wait_for_ready: bool | None,
        compression: Any,
    ) -> None:
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class _ContextInterceptor(
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """Adds the deadline (the default, cut to what the served call has left), the caller's
    token (see `identity_metadata`) and the request id."""

    def __init__(self, default_timeout: float, tokens: TokenCache | None = None) -> None:
        self.default_timeout = default_timeout
        self.tokens = tokens

    def _details(self, details: Any) -> _CallDetails:
        metadata = list(details.metadata or [])
        keys = {k for k, _ in metadata}
        if AUTHORIZATION_KEY not in keys:
            metadata.extend(identity_metadata(self.tokens))
        if REQUEST_ID_KEY not in keys and (request_id := request_id_var.get()):
            metadata.append((REQUEST_ID_KEY, request_id))
        timeout = deadlines.bounded(details.timeout if details.timeout is not None else self.default_timeout)
        return _CallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready, details.compression
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)


class _Routed:
    """A stub's method on both channels: plain when called directly, `retrying` for `call`."""

    def __init__(self, plain: Any, retrying: Any) -> None:
        self.plain = plain
        self.retrying = retrying

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.plain(*args, **kwargs)

    def with_call(self, *args: Any, **kwargs: Any) -> Any:
        return self.plain.with_call(*args, **kwargs)

    def future(self, *args: Any, **kwargs: Any) -> Any:
        return self.plain.future(*args, **kwargs)


class RetryingChannel(grpc.Channel):  # type: ignore[misc]
    """Two channels to one target, one with the retry policy; see the module docstring."""

    def __init__(self, plain: grpc.Channel, retrying: grpc.Channel) -> None:
        self.plain = plain
        self.retrying = retrying

    def unary_unary(self, method: str, *args: Any, **kwargs: Any) -> _Routed:
        return _Routed(
            self.plain.unary_unary(method, *args, **kwargs), self.retrying.unary_unary(method, *args, **kwargs)
        )

    def unary_stream(self, method: str, *args: Any, **kwargs: Any) -> _Routed:
        return _Routed(
            self.plain.unary_stream(method, *args, **kwargs), self.retrying.unary_stream(method, *args, **kwargs)
        )

    def stream_unary(self, method: str, *args: Any, **kwargs: Any) -> _Routed:
        return _Routed(
            self.plain.stream_unary(method, *args, **kwargs), self.retrying.stream_unary(method, *args, **kwargs)
        )

    def stream_stream(self, method: str, *args: Any, **kwargs: Any) -> _Routed:
        return _Routed(
            self.plain.stream_stream(method, *args, **kwargs), self.retrying.stream_stream(method, *args, **kwargs)
        )

    def subscribe(self, callback: Callable[[Any], None], try_to_connect: bool = False) -> None:
        self.plain.subscribe(callback, try_to_connect)

    def unsubscribe(self, callback: Callable[[Any], None]) -> None:
        self.plain.unsubscribe(callback)

    def close(self) -> None:
        self.plain.close()
        self.retrying.close()

    def __enter__(self) -> RetryingChannel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def from_rpc_error(error: grpc.RpcError) -> LinliError:
    """Rebuilds the LinliError a downstream service raised from the failed call."""
    code: grpc.StatusCode = error.code()
    details: str = error.details() or code.name
    field = next((str(value) for key, value in error.trailing_metadata() or () if key == FIELD_KEY), "")
    return error_for_status(code.name)(details, field=field)


def make_channel(
    target: str,
    default_timeout: float = 5.0,
    *,
    retry_attempts: int = 3,
    initial_backoff: float = 0.1,
    max_backoff: float = 1.0,
    signer: Signer | None = None,
    audience: str = DEFAULT_AUDIENCE,
) -> grpc.Channel:
    """An insecure channel (inside the cluster network) with the kit's interceptor; idempotent
    calls made through `call` are retried up to `retry_attempts` times in all. `signer` signs
    the calls made as the process itself instead of the process's own (`use_service_signer`)."""
    tokens = TokenCache(signer, audience=audience) if signer is not None else None
    interceptor = _ContextInterceptor(default_timeout, tokens)
    plain = grpc.insecure_channel(target, options=_CHANNEL_OPTIONS)
    retrying = grpc.insecure_channel(
        target,
        options=[
            *_CHANNEL_OPTIONS,
            ("grpc.enable_retries", 1),
            ("grpc.service_config", retry_service_config(retry_attempts, initial_backoff, max_backoff)),
        ],
    )
    return RetryingChannel(grpc.intercept_channel(plain, interceptor), grpc.intercept_channel(retrying, interceptor))


def call(method: Callable[..., T], request: Any, *, timeout: float | None = None, idempotent: bool = False) -> T:
    """Calls `method(request)`; when the call is idempotent and the method comes from a
    `make_channel` channel, gRPC retries it on UNAVAILABLE (never on DEADLINE_EXCEEDED).

    Failures come back as the LinliError the callee raised (NotFound, InvalidArgument, ...).
    """
    target: Callable[..., T] = method.retrying if idempotent and isinstance(method, _Routed) else method
    try:
        return target(request, timeout=timeout) if timeout is not None else target(request)
    except grpc.RpcError as exc:
        raise from_rpc_error(exc) from exc
