"""A tiny gRPC service built with the kit: health, reflection, metrics, errors, drain on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from linli.common.errors import FIELD_KEY, DeadlineExceeded, InvalidArgument
from linli.common.grpc_client import call, make_channel
from linli.common.identity import Identity, current_identity
from linli.common.logs import request_id_var
from linli.v1 import diagnostics_pb2, diagnostics_pb2_grpc
from tests.support import identity
from tests.support.infra import free_port

SCRIPT = Path(__file__).with_name("tiny_service.py")


class Tiny:
    def __init__(self, tmp: Path) -> None:
        self.grpc_port, self.metrics_port = free_port(), free_port()
        self.flag = tmp / "unhealthy"
        env = {
            **os.environ,
            "LINLI_SERVICE_NAME": "tiny",
            "LINLI_GRPC_PORT": str(self.grpc_port),
            "LINLI_METRICS_PORT": str(self.metrics_port),
            "LINLI_DRAIN_SECONDS": "10",
            "LINLI_HEALTH_INTERVAL_SECONDS": "0.2",
            "TINY_UNHEALTHY_FLAG": str(self.flag),
            "TINY_KAFKA": f"127.0.0.1:{free_port()}",
        }
        self.log = (tmp / "tiny.log").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPT)], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}")
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.diagnostics = diagnostics_pb2_grpc.DiagnosticsServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def health_status(self, service: str = "") -> int:
        status: int = self.health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status
        return status

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as response:
            text: str = response.read().decode()
            return text

    def logs(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Tiny]:
    service = Tiny(tmp_path)
    try:
        yield service
    finally:
        service.close()


def test_health_reports_real_status(tiny: Tiny) -> None:
    serving = health_pb2.HealthCheckResponse.SERVING
    assert tiny.health_status() == serving
    assert tiny.health_status("linli.v1.DiagnosticsService") == serving
    tiny.flag.touch()  # a dependency goes away
    deadline = time.monotonic() + 10
    while tiny.health_status() == serving and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tiny.health_status() == health_pb2.HealthCheckResponse.NOT_SERVING
    tiny.flag.unlink()
    while tiny.health_status() != serving and time.monotonic() < deadline + 10:
        time.sleep(0.1)
    assert tiny.health_status() == serving


def test_an_unreachable_kafka_degrades_the_service_but_it_keeps_serving(tiny: Tiny) -> None:
    deadline = time.monotonic() + 10
    while "linli_service_degraded 1.0" not in tiny.metrics() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = tiny.metrics()
    assert "linli_service_degraded 1.0" in text
    assert 'linli_dependency_up{dependency="kafka"} 0.0' in text
    assert 'linli_dependency_up{dependency="flag"} 1.0' in text
    assert tiny.health_status() == health_pb2.HealthCheckResponse.SERVING
    assert tiny.health_status("linli.v1.DiagnosticsService") == health_pb2.HealthCheckResponse.SERVING
    assert tiny.health_status("linli.dependency.kafka") == health_pb2.HealthCheckResponse.NOT_SERVING


def test_reflection_lists_the_services(tiny: Tiny) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(tiny.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    response = next(iter(stub.ServerReflectionInfo(iter([request]), timeout=5)))
    names = {service.name for service in response.list_services_response.service}
    assert {"linli.v1.DiagnosticsService", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names


def test_calls_are_counted_in_metrics_and_logged_as_json(tiny: Tiny) -> None:
    reply = tiny.diagnostics.Ping(
        diagnostics_pb2.PingRequest(nonce="n-1"), timeout=5, metadata=[("x-request-id", "req-abc")]
    )
    assert (reply.service, reply.nonce) == ("tiny", "n-1")
    text = tiny.metrics()
    assert 'linli_grpc_server_handled_total{code="OK",method="/linli.v1.DiagnosticsService/Ping"} 1.0' in text
    assert "linli_grpc_server_handling_seconds_bucket" in text
    assert '"request_id": "req-abc"' in tiny.logs()


def test_errors_map_to_status_codes_without_leaking_internals(tiny: Tiny) -> None:
    with pytest.raises(grpc.RpcError) as invalid:
        tiny.diagnostics.Ping(diagnostics_pb2.PingRequest(nonce="fail:invalid"), timeout=5)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert invalid.value.details() == "nonce must not say fail"
    assert (FIELD_KEY, "nonce") in tuple(invalid.value.trailing_metadata())
    with pytest.raises(grpc.RpcError) as bug:
        tiny.diagnostics.Ping(diagnostics_pb2.PingRequest(nonce="fail:bug"), timeout=5)
    assert bug.value.code() == grpc.StatusCode.INTERNAL
    assert "secret" not in bug.value.details()
    assert "ZeroDivisionError" in tiny.logs()  # ...but the operator sees it


def test_sigterm_drains_the_in_flight_call(tiny: Tiny) -> None:
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(tiny.diagnostics.Ping, diagnostics_pb2.PingRequest(nonce="slow:1.5"), timeout=20)
        time.sleep(0.5)  # the call is being handled
        tiny.process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        with pytest.raises(grpc.RpcError) as refused:  # no new calls once draining
            tiny.diagnostics.Ping(diagnostics_pb2.PingRequest(nonce="late"), timeout=2)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert slow.result().nonce == "slow:1.5"  # the in-flight call completed
    assert tiny.process.wait(15) == 0
    assert '"msg": "service stopped"' in tiny.logs()


def test_client_factory_propagates_identity_applies_deadlines_and_maps_errors(tiny: Tiny) -> None:
    # The identity set below is signed with the tests key (the kit signs what it forwards).
    channel = make_channel(f"127.0.0.1:{tiny.grpc_port}", default_timeout=0.5, signer=identity.signer())
    stub = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
    try:
        token = current_identity.set(Identity.of("person-7", ["dispatcher@org-1"]))
        request_token = request_id_var.set("req-propagated")
        try:
            assert call(stub.Ping, diagnostics_pb2.PingRequest(nonce="hi")).nonce == "hi"
        finally:
            current_identity.reset(token)
            request_id_var.reset(request_token)
        assert '"request_id": "req-propagated"' in tiny.logs()
        assert '"caller": "person-7"' in tiny.logs()
        with pytest.raises(InvalidArgument) as invalid:
            call(stub.Ping, diagnostics_pb2.PingRequest(nonce="fail:invalid"), idempotent=True)
        assert invalid.value.field == "nonce"
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded):  # the default deadline applies to every call
            call(stub.Ping, diagnostics_pb2.PingRequest(nonce="slow:3"))
        assert time.monotonic() - started < 2.0
    finally:
        channel.close()
