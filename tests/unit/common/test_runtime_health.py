"""Health: what a failing check does to the service's status (no server started)."""

from __future__ import annotations

from typing import Any

import pytest
from grpc_health.v1 import health_pb2

from linli.common.config import ServiceConfig
from linli.common.metrics import DEPENDENCY_UP, SERVICE_DEGRADED
from linli.common.runtime import ServiceRuntime

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Switch:
    def __init__(self) -> None:
        self.up = True

    def __call__(self) -> bool:
        return self.up


class HaltingWorker:
    health_name = "consumer:g-1"

    def __init__(self) -> None:
        self.halted = False

    def start(self) -> None:
        """Nothing to run."""

    def stop(self, timeout: float = 30.0) -> None:
        """Nothing to stop."""

    def healthy(self) -> bool:
        return not self.halted


def runtime() -> ServiceRuntime:
    service = ServiceRuntime(ServiceConfig.from_env({}, grpc_port=0, metrics_port=0))
    service.grpc.set_serving(True)
    return service


def status(service: ServiceRuntime, name: str = "") -> Any:
    return service.grpc.health._server_status.get(name)


def test_kafka_down_degrades_but_keeps_serving() -> None:
    service, database, kafka = runtime(), Switch(), Switch()
    service.add_health_check("mongodb", database)
    service.add_health_check("kafka", kafka)  # as the services register it today: no `critical=`
    kafka.up = False
    report = service.check_health()
    assert report.serving and report.degraded and report.failing_other == ("kafka",)
    assert status(service) == SERVING
    assert status(service, "linli.dependency.kafka") == NOT_SERVING
    assert status(service, "linli.dependency.mongodb") == SERVING
    assert DEPENDENCY_UP.labels("kafka")._value.get() == 0
    assert SERVICE_DEGRADED._value.get() == 1
    kafka.up = True
    assert not service.check_health().degraded
    assert SERVICE_DEGRADED._value.get() == 0 and DEPENDENCY_UP.labels("kafka")._value.get() == 1


def test_database_down_stops_serving() -> None:
    service, database = runtime(), Switch()
    service.add_health_check("mongodb", database)
    database.up = False
    assert not service.check_health().serving
    assert status(service) == NOT_SERVING
    database.up = True
    assert service.check_health().serving
    assert status(service) == SERVING


@pytest.mark.parametrize(
    ("name", "critical", "serving"), [("kafka", True, False), ("cache", False, True), ("cache", None, False)]
)
def test_the_critical_flag_overrides_the_default(name: str, critical: bool | None, serving: bool) -> None:
    service, check = runtime(), Switch()
    service.add_health_check(name, check, critical=critical)
    check.up = False
    assert service.check_health().serving is serving


def test_a_raising_check_counts_as_failing() -> None:
    service = runtime()

    def broken() -> bool:
        raise OSError("no route to host")

    service.add_health_check("mongodb", broken)
    assert service.check_health().failing_critical == ("mongodb",)


def test_a_worker_that_reports_health_is_a_critical_check() -> None:
    service, worker = runtime(), HaltingWorker()
    service.add_worker(worker)
    assert service.check_health().serving
    worker.halted = True
    assert service.check_health().failing_critical == ("consumer:g-1",)
    assert status(service) == NOT_SERVING
