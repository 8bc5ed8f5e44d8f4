"""gRPC server bootstrap: health with real status, reflection, one interceptor for identity,
request ids, logging, metrics and error mapping, and a drain on shutdown.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from linli.common.errors import FIELD_KEY, TYPE_KEY, LinliError
from linli.common.identity import REQUEST_ID_KEY, Identity, current_identity
from linli.common.logs import request_id_var
from linli.common.metrics import GRPC_HANDLED, GRPC_IN_FLIGHT, GRPC_LATENCY
from linli.v1 import diagnostics_pb2, diagnostics_pb2_grpc

log = logging.getLogger(__name__)


class ObservingInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Wraps every unary and server-streaming handler.

    Sets the caller identity and request id for the call, logs one line per call, records
    metrics, and turns LinliError into its status code with the field in trailing metadata.
    Any other exception is a bug: logged with its stack, answered INTERNAL without details.
    """

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        method: str = details.method
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap(handler.unary_unary, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        return handler

    def _wrap(self, behaviour: Callable[[Any, Any], Any], method: str) -> Callable[[Any, Any], Any]:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            with _CallScope(method, context) as scope:
                try:
                    return behaviour(request, context)
                except Exception as exc:
                    scope.fail(exc)
                    raise
        return call

    def _wrap_stream(self, behaviour: Callable[[Any, Any], Iterable[Any]],
                     method: str) -> Callable[[Any, Any], Iterable[Any]]:
        def call(request: Any, context: grpc.ServicerContext) -> Iterable[Any]:
            with _CallScope(method, context) as scope:
                try:
                    yield from behaviour(request, context)
                except Exception as exc:
                    scope.fail(exc)
                    raise
        return call


class _CallScope:
    def __init__(self, method: str, context: grpc.ServicerContext) -> None:
        self.method = method
        self.context = context
        self.code = grpc.StatusCode.OK

    def __enter__(self) -> _CallScope:
        metadata = self.context.invocation_metadata() or ()
        request_id = next((v for k, v in metadata if k == REQUEST_ID_KEY and isinstance(v, str)), "")
        self._tokens = (
            request_id_var.set(request_id or uuid.uuid4().hex),
            current_identity.set(Identity.from_metadata(metadata)),
        )
        self.started = time.perf_counter()
        GRPC_IN_FLIGHT.inc()
        return self

    def fail(self, exc: Exception) -> None:
        if isinstance(exc, LinliError):
            self.code = grpc.StatusCode[exc.status_name]
            self.context.set_trailing_metadata(((FIELD_KEY, exc.field), (TYPE_KEY, exc.slug)))
            self.context.abort(self.code, exc.message)
        code = self.context.code() if hasattr(self.context, "code") else None
        if code not in (None, grpc.StatusCode.OK):
            self.code = code  # the servicer already called context.abort()
            return
        self.code = grpc.StatusCode.INTERNAL
        log.error("unhandled error in %s", self.method, exc_info=exc)
        self.context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {request_id_var.get()})")

    def __exit__(self, *exc_info: object) -> None:
        elapsed = time.perf_counter() - self.started
        GRPC_IN_FLIGHT.dec()
        GRPC_LATENCY.labels(self.method).observe(elapsed)
        GRPC_HANDLED.labels(self.method, self.code.name).inc()
        log.info("grpc call", extra={"method": self.method, "code": self.code.name,
                                     "ms": round(elapsed * 1000, 2), "caller": current_identity.get().subject})
        request_id_var.reset(self._tokens[0])
        current_identity.reset(self._tokens[1])


class DiagnosticsServicer(diagnostics_pb2_grpc.DiagnosticsServiceServicer):
    def __init__(self, service: str, version: str) -> None:
        self.service = service
        self.version = version
        self.started = time.monotonic()

    def Ping(self, request: diagnostics_pb2.PingRequest,  # noqa: N802 - gRPC method name
             context: grpc.ServicerContext) -> diagnostics_pb2.PingResponse:
        return diagnostics_pb2.PingResponse(service=self.service, version=self.version,
                                            uptime_seconds=time.monotonic() - self.started,
                                            nonce=request.nonce)


class GrpcServer:
    """A grpc.Server with the kit's health, reflection, diagnostics and interceptor.

    `register(add_fn, servicer, full_service_name)` adds a service; `start()` binds and
    marks every service SERVING; `stop(grace)` marks NOT_SERVING, refuses new calls and waits
    up to `grace` seconds for in-flight calls.
    """

    def __init__(self, *, service: str, version: str, host: str, port: int, workers: int = 16,
                 options: Sequence[tuple[str, Any]] = (), diagnostics: DiagnosticsServicer | None = None) -> None:
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
            interceptors=[ObservingInterceptor()],
            options=[("grpc.max_receive_message_length", 8 * 1024 * 1024), ("grpc.so_reuseport", 0),
                     *options],
        )
        self.address = f"{host}:{port}"
        self.health = health.HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.service_names: list[str] = [health.SERVICE_NAME, reflection.SERVICE_NAME]
        self.register(diagnostics_pb2_grpc.add_DiagnosticsServiceServicer_to_server,
                      diagnostics or DiagnosticsServicer(service, version),
                      diagnostics_pb2.DESCRIPTOR.services_by_name["DiagnosticsService"].full_name)
        self.port = 0

    def register(self, add_to_server: Callable[[Any, grpc.Server], None], servicer: Any,
                 full_name: str) -> None:
        add_to_server(servicer, self.server)
        self.service_names.append(full_name)

    def start(self) -> int:
        reflection.enable_server_reflection(self.service_names, self.server)
        self.port = self.server.add_insecure_port(self.address)
        if self.port == 0:
            raise OSError(f"cannot bind gRPC server to {self.address}: port taken?")
        self.server.start()
        self.set_serving(True)
        return self.port

    def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        self.health.set("", status)
        for name in self.service_names:
            if name not in (health.SERVICE_NAME, reflection.SERVICE_NAME):
                self.health.set(name, status)

    def stop(self, grace: float) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait(grace + 5)
