"""/healthz (the process answers), /readyz (every gRPC service the gateway calls is SERVING, and
its database answers), /metrics (Prometheus: requests by route template and status, latency).

With several gunicorn workers, `python -m linli.gateway` sets PROMETHEUS_MULTIPROC_DIR so
/metrics adds up every worker's counts.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from apiflask import APIFlask
from flask import Response, current_app, g, request
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from pymongo import MongoClient

from linli.gateway import clients as clients_module
from linli.gateway.config import GatewayConfig
from linli.gateway.problems import problem_response

REQUESTS = Counter(
    "linli_gateway_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "linli_gateway_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_MONGO_KEY = "linli_gateway_readiness_mongo"


def route_template() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def observe(response: Response) -> None:
    """Counts the answered request (called from the app's after_request)."""
    started = getattr(g, "started", None)
    route = route_template()
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)


def metrics_text() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(DEFAULT_REGISTRY)


def _check_grpc(name: str, channel: Any, timeout: float) -> tuple[str, str]:
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
    except Exception as exc:
        code = getattr(exc, "code", None)
        return name, code().name.lower() if callable(code) else "unreachable"
    return name, "up" if reply.status == health_pb2.HealthCheckResponse.SERVING else "not serving"


def _check_mongo(app: APIFlask, config: GatewayConfig, timeout: float) -> tuple[str, str]:
    client: MongoClient[dict[str, Any]] | None = app.extensions.get(_MONGO_KEY)
    if client is None:
        client = MongoClient(config.mongo_uri, serverSelectionTimeoutMS=int(timeout * 1000), connect=False)
        app.extensions[_MONGO_KEY] = client
    try:
        client.admin.command("ping")
    except Exception:
        return "mongo", "unreachable"
    return "mongo", "up"


def register(app: APIFlask, config: GatewayConfig) -> None:
    executor = ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")

    @app.get("/healthz")
    @app.doc(hide=True)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    @app.doc(hide=True)
    def readyz() -> Any:
        timeout = config.readiness_timeout_seconds
        clients = clients_module.current()
        futures = [
            executor.submit(_check_grpc, name, channel, timeout) for name, channel in sorted(clients.channels.items())
        ]
        flask_app: APIFlask = current_app._get_current_object()  # type: ignore[attr-defined]
        futures.append(executor.submit(_check_mongo, flask_app, config, timeout))
        checks = dict(future.result() for future in futures)
        down = sorted(name for name, state in checks.items() if state != "up")
        if down:
            return problem_response(
                503,
                "not ready: " + ", ".join(f"{name} ({checks[name]})" for name in down),
                type_slug="not-ready",
                title="Not ready",
                down=down,
                checks=checks,
            )
        return {"status": "ready", "checks": checks}

    @app.get("/metrics")
    @app.doc(hide=True)
    def metrics() -> Response:
        return Response(metrics_text(), mimetype=CONTENT_TYPE_LATEST)
