"""Prometheus metrics shared by every service, and the /metrics HTTP endpoint.

Names follow Prometheus conventions (`_total`, `_seconds`) and carry the service name as a
label only through the scrape target, not in the metric name, so one Grafana dashboard fits
every service.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar
from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Gauge, Histogram, start_http_server

GRPC_HANDLED = Counter(
    "linli_grpc_server_handled_total",
    "gRPC calls completed, by method and status code.",
    ["method", "code"],
)
GRPC_LATENCY = Histogram(
    "linli_grpc_server_handling_seconds",
    "Time to handle a gRPC call.",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRPC_IN_FLIGHT = Gauge("linli_grpc_server_in_flight", "gRPC calls being handled now.")
EVENTS_PUBLISHED = Counter("linli_events_published_total", "Events the outbox relay published.", ["topic"])
OUTBOX_PUBLISH_FAILURES = Counter("linli_outbox_publish_failures_total", "Failed outbox relay rounds.")
OUTBOX_LAG = Histogram(
    "linli_outbox_lag_seconds",
    "Time from an event being stored to it being published.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
OUTBOX_PENDING_EVENTS = Gauge("linli_outbox_pending_events", "Events stored and not yet acknowledged by Kafka.")
OUTBOX_TRIMMED = Counter("linli_outbox_trimmed_total", "Documents whose published events the relay removed while idle.")
EVENTS_CONSUMED = Counter(
    "linli_events_consumed_total",
    "Events a consumer handled, by outcome (applied, duplicate, dead_lettered).",
    ["group", "topic", "outcome"],
)
CONSUMER_FAILURES = Counter("linli_consumer_failures_total", "Failed attempts to apply an event.", ["group", "topic"])
CONSUMER_HANDLE_SECONDS = Histogram("linli_consumer_handle_seconds", "Time to apply one event.", ["group"])
CONSUMER_STOPPED = Gauge(
    "linli_consumer_stopped",
    "1 while the consumer group's loop is not consuming: halted (dead-letter limit, DLQ refusing) or restarting "
    "after it died (alert on it).",
    ["group"],
)
CONSUMER_LAG = Gauge(
    "linli_consumer_lag_records",
    "Records between a consumer group's position and the partition's end, as its consumer last saw them.",
    ["group", "topic", "partition"],
)
CONSUMER_RESTARTS = Counter(
    "linli_consumer_restarts_total", "Times a consumer group's loop died and was restarted.", ["group"]
)
DEPENDENCY_UP = Gauge(
    "linli_dependency_up", "1 while a health check (database, broker, worker) passes, else 0.", ["dependency"]
)
SERVICE_DEGRADED = Gauge(
    "linli_service_degraded", "1 while a non-critical dependency fails: still SERVING, writes still accepted."
)

_Source = TypeVar("_Source")


class ScrapeSources(Generic[_Source]):
    """The in-memory read models a collector counts when Prometheus scrapes: one per service in
    a process, several when tests run services side by side, so each attaches and detaches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: dict[int, _Source] = {}

    def attach(self, source: _Source) -> Callable[[], None]:
        """Counts ``source`` from now on; the returned function stops that (at shutdown)."""
        key = id(source)
        with self._lock:
            self._sources[key] = source

        def detach() -> None:
            with self._lock:
                self._sources.pop(key, None)

        return detach

    def current(self) -> list[_Source]:
        with self._lock:
            return list(self._sources.values())


class MetricsServer:
    """The /metrics endpoint on its own port, stoppable for graceful shutdown."""

    def __init__(self, host: str, port: int) -> None:
        self._server: WSGIServer
        self._thread: threading.Thread
        self._server, self._thread = start_http_server(port, addr=host)
        self.port: int = self._server.server_port

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
