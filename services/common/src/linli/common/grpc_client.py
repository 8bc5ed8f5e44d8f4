"""gRPC clients: channels with default deadlines, identity and request-id propagation, and
retries with backoff for idempotent calls only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from linli.common.errors import FIELD_KEY, LinliError, error_for_status
from linli.common.identity import REQUEST_ID_KEY, current_identity
from linli.common.logs import request_id_var

T = TypeVar("T")

RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                       grpc.StatusCode.RESOURCE_EXHAUSTED})


class _CallDetails(grpc.ClientCallDetails):  # type: ignore[misc]
    def __init__(self, method: str, timeout: float | None, metadata: Any, credentials: Any,
                 wait_for_ready: bool | None, compression: Any) -> None:
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class _ContextInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Adds the default deadline and forwards the current identity and request id."""

    def __init__(self, default_timeout: float) -> None:
        self.default_timeout = default_timeout

    def _details(self, details: Any) -> _CallDetails:
        metadata = list(details.metadata or [])
        keys = {k for k, _ in metadata}
        for key, value in current_identity.get().to_metadata():
            if key not in keys:
                metadata.append((key, value))
        if REQUEST_ID_KEY not in keys and (request_id := request_id_var.get()):
            metadata.append((REQUEST_ID_KEY, request_id))
        timeout = details.timeout if details.timeout is not None else self.default_timeout
        return _CallDetails(details.method, timeout, metadata, details.credentials,
                            details.wait_for_ready, details.compression)

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


def from_rpc_error(error: grpc.RpcError) -> LinliError:
    """Rebuilds the LinliError a downstream service raised from the failed call."""
    code: grpc.StatusCode = error.code()
    details: str = error.details() or code.name
    field = next((str(value) for key, value in error.trailing_metadata() or () if key == FIELD_KEY), "")
    return error_for_status(code.name)(details, field=field)


def make_channel(target: str, default_timeout: float = 5.0) -> grpc.Channel:
    """An insecure channel (inside the cluster network) with the kit's interceptor."""
    channel = grpc.insecure_channel(target, options=[
        ("grpc.keepalive_time_ms", 30000), ("grpc.max_receive_message_length", 8 * 1024 * 1024)])
    return grpc.intercept_channel(channel, _ContextInterceptor(default_timeout))


def call(method: Callable[..., T], request: Any, *, timeout: float | None = None, idempotent: bool = False,
         attempts: int = 3, backoff: float = 0.1) -> T:
    """Calls `method(request)`; retries transient failures only when the call is idempotent.

    Failures come back as the LinliError the callee raised (NotFound, InvalidArgument, ...).
    """
    tries = attempts if idempotent else 1
    for attempt in range(1, tries + 1):
        try:
            return method(request, timeout=timeout) if timeout is not None else method(request)
        except grpc.RpcError as exc:
            if attempt < tries and exc.code() in RETRYABLE:
                time.sleep(backoff * 2 ** (attempt - 1) * (0.5 + random.random()))
                continue
            raise from_rpc_error(exc) from exc
    raise AssertionError("unreachable")
