"""gRPC server bootstrap: health with real status, reflection, the kit's interceptors (one per
concern: request id, identity, deadline, logging, metrics, errors; see grpc_interceptors),
and a drain on shutdown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from linli.common.grpc_interceptors import server_interceptor
from linli.common.tokens import Verifier
from linli.v1 import diagnostics_pb2, diagnostics_pb2_grpc


class DiagnosticsServicer(diagnostics_pb2_grpc.DiagnosticsServiceServicer):
    def __init__(self, service: str, version: str) -> None:
        self.service = service
        self.version = version
        self.started = time.monotonic()

    def Ping(  # noqa: N802 - gRPC method name
        self,
        request: diagnostics_pb2.PingRequest,
        context: grpc.ServicerContext,
    ) -> diagnostics_pb2.PingResponse:
        return diagnostics_pb2.PingResponse(
            service=self.service,
            version=self.version,
            uptime_seconds=time.monotonic() - self.started,
            nonce=request.nonce,
        )


class GrpcServer:
    """A grpc.Server with the kit's health, reflection, diagnostics and interceptors.

    Callers' tokens are checked by `verifier` (None: every token is refused, anonymous calls
    only). `register(add_fn, servicer, full_service_name)` adds a service; `start()` binds and
    marks every service SERVING; `stop(grace)` marks NOT_SERVING, refuses new calls and waits
    up to `grace` seconds for in-flight calls.
    """

    def __init__(
        self,
        *,
        service: str,
        version: str,
        host: str,
        port: int,
        workers: int = 16,
        options: Sequence[tuple[str, Any]] = (),
        diagnostics: DiagnosticsServicer | None = None,
        interceptors: Sequence[grpc.ServerInterceptor] | None = None,
        verifier: Verifier | None = None,
    ) -> None:
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
            interceptors=list(interceptors) if interceptors is not None else [server_interceptor(verifier)],
            options=[("grpc.max_receive_message_length", 8 * 1024 * 1024), ("grpc.so_reuseport", 0), *options],
        )
        self.address = f"{host}:{port}"
        self.health = health.HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.service_names: list[str] = [health.SERVICE_NAME, reflection.SERVICE_NAME]
        self.register(
            diagnostics_pb2_grpc.add_DiagnosticsServiceServicer_to_server,
            diagnostics or DiagnosticsServicer(service, version),
            diagnostics_pb2.DESCRIPTOR.services_by_name["DiagnosticsService"].full_name,
        )
        self.port = 0

    def register(self, add_to_server: Callable[[Any, grpc.Server], None], servicer: Any, full_name: str) -> None:
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
