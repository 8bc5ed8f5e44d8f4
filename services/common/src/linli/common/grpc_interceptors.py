"""Server interceptors, one per concern, each around all four handler kinds.

`server_interceptors()` gives them in the order they must run, outermost first:
request id, identity, deadline (what the call sets up for the code under it), then logging
and metrics (which see the final status), then errors (innermost, so the status it sets is
the one logged and counted):

- RequestIdInterceptor: `x-request-id` from the caller (or a new one) in `request_id_var`.
- IdentityInterceptor: the caller from metadata in `current_identity`.
- DeadlineInterceptor: the call's deadline, which client calls made while serving it honour.
- LoggingInterceptor: one JSON line per call with method, status code, time and caller.
- MetricsInterceptor: calls in flight, latency, calls handled by method and code.
- ErrorInterceptor: a LinliError becomes its status code, with the field and error type in
  trailing metadata; any other exception is a bug, logged with its stack and answered
  INTERNAL without details.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import grpc

from linli.common import deadlines
from linli.common.errors import FIELD_KEY, TYPE_KEY, LinliError
from linli.common.identity import REQUEST_ID_KEY, Identity, current_identity
from linli.common.logs import request_id_var
from linli.common.metrics import GRPC_HANDLED, GRPC_IN_FLIGHT, GRPC_LATENCY

log = logging.getLogger(__name__)

Behaviour = Callable[[Any, Any], Any]


class HandlerInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Runs every handler (unary or streaming requests, unary or streaming responses) inside
    `scope(method, context)`; for streaming responses the scope lasts until the last message."""

    def __init__(self) -> None:
        self._wrapped: dict[str, tuple[Any, Any]] = {}  # method -> (inner handler, wrapped)

    def scope(self, method: str, context: grpc.ServicerContext) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        method: str = details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(handler, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, handler: Any, method: str) -> Any:
        codecs = {"request_deserializer": handler.request_deserializer,
                  "response_serializer": handler.response_serializer}
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(self._unary(handler.unary_unary, method), **codecs)
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(self._streaming(handler.unary_stream, method), **codecs)
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(self._unary(handler.stream_unary, method), **codecs)
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(self._streaming(handler.stream_stream, method), **codecs)
        return handler

    def _unary(self, behaviour: Behaviour, method: str) -> Behaviour:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            with self.scope(method, context):
                return behaviour(request, context)
        return call

    def _streaming(self, behaviour: Behaviour, method: str) -> Callable[[Any, Any], Iterable[Any]]:
        def call(request: Any, context: grpc.ServicerContext) -> Iterable[Any]:
            with self.scope(method, context):
                yield from behaviour(request, context)
        return call


def _metadata_value(context: grpc.ServicerContext, key: str) -> str:
    return next((v for k, v in context.invocation_metadata() or () if k == key and isinstance(v, str)), "")


def status_of(context: grpc.ServicerContext, error: BaseException | None) -> grpc.StatusCode:
    """The status the call ends with: what the handler (or an inner interceptor) set, else OK
    for a return, CANCELLED for a stream the client abandoned, INTERNAL for an exception."""
    code = context.code() if hasattr(context, "code") else None
    if isinstance(code, grpc.StatusCode) and (code is not grpc.StatusCode.OK or error is None):
        return code
    if error is None:
        return grpc.StatusCode.OK
    return grpc.StatusCode.CANCELLED if isinstance(error, GeneratorExit) else grpc.StatusCode.INTERNAL


class RequestIdInterceptor(HandlerInterceptor):
    @contextlib.contextmanager
    def scope(self, method: str, context: grpc.ServicerContext) -> Iterator[None]:
        token = request_id_var.set(_metadata_value(context, REQUEST_ID_KEY) or uuid.uuid4().hex)
        try:
            yield
        finally:
            request_id_var.reset(token)


class IdentityInterceptor(HandlerInterceptor):
    @contextlib.contextmanager
    def scope(self, method: str, context: grpc.ServicerContext) -> Iterator[None]:
        token = current_identity.set(Identity.from_metadata(context.invocation_metadata()))
        try:
            yield
        finally:
            current_identity.reset(token)


class DeadlineInterceptor(HandlerInterceptor):
    def scope(self, method: str, context: grpc.ServicerContext) -> contextlib.AbstractContextManager[None]:
        return deadlines.serving(context.time_remaining())


class LoggingInterceptor(HandlerInterceptor):
    @contextlib.contextmanager
    def scope(self, method: str, context: grpc.ServicerContext) -> Iterator[None]:
        started, error = time.perf_counter(), None
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            log.info("grpc call", extra={"method": method, "code": status_of(context, error).name,
                                         "ms": round((time.perf_counter() - started) * 1000, 2),
                                         "caller": current_identity.get().subject})


class MetricsInterceptor(HandlerInterceptor):
    @contextlib.contextmanager
    def scope(self, method: str, context: grpc.ServicerContext) -> Iterator[None]:
        started, error = time.perf_counter(), None
        GRPC_IN_FLIGHT.inc()
        try:
            yield
        except BaseException as exc:
            error = exc
            raise
        finally:
            GRPC_IN_FLIGHT.dec()
            GRPC_LATENCY.labels(method).observe(time.perf_counter() - started)
            GRPC_HANDLED.labels(method, status_of(context, error).name).inc()


class ErrorInterceptor(HandlerInterceptor):
    @contextlib.contextmanager
    def scope(self, method: str, context: grpc.ServicerContext) -> Iterator[None]:
        try:
            yield
        except LinliError as exc:
            context.set_trailing_metadata(((FIELD_KEY, exc.field), (TYPE_KEY, exc.slug)))
            context.abort(grpc.StatusCode[exc.status_name], exc.message)
        except Exception as exc:
            if context.code() not in (None, grpc.StatusCode.OK):
                raise  # the handler chose its status with context.abort()
            log.error("unhandled error in %s", method, exc_info=exc)
            context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id_var.get()})")


def server_interceptors() -> list[grpc.ServerInterceptor]:
    """The kit's interceptors in the order they must wrap a handler, outermost first."""
    return [RequestIdInterceptor(), IdentityInterceptor(), DeadlineInterceptor(), LoggingInterceptor(),
            MetricsInterceptor(), ErrorInterceptor()]
