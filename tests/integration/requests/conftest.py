"""The requests service in-process, with a real organizations service (process, seeded with the
demo city) beside it, against the session's Kafka and FerretDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.common.runtime import ServiceRuntime
from linli.requests.bootstrap import RequestsProcess as RequestsService
from linli.requests.bootstrap import build
from linli.requests.config import RequestsConfig
from linli.v1 import organizations_pb2, organizations_pb2_grpc, requests_pb2_grpc
from tests.support.identity import service_settings
from tests.support.infra import Infra, free_port
from tests.support.processes import ServiceProcess, start_service


@dataclass
class RunningRequests:
    config: RequestsConfig
    runtime: ServiceRuntime
    service: RequestsService
    channel: grpc.Channel
    stub: requests_pb2_grpc.RequestServiceStub

    def stop(self) -> None:
        self.channel.close()
        self.runtime.shutdown()


@pytest.fixture(scope="package")
def organizations(infra: Infra) -> Iterator[ServiceProcess]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    service = start_service("organizations", infra)
    try:
        seeded = service.run_module("linli.organizations.seed")
        assert seeded.returncode == 0, seeded.stderr
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="package")
def city(organizations: ServiceProcess) -> dict[str, str]:
    """Ids of the seeded demo city's organisations by code."""
    with grpc.insecure_channel(organizations.address) as channel:
        stub = organizations_pb2_grpc.OrganizationServiceStub(channel)
        return {
            code: stub.GetOrganization(organizations_pb2.GetOrganizationRequest(code=code), timeout=5).id
            for code in ("JJ", "JJ-BY", "JJ-BY-C1", "JJ-BY-C2", "JJ-HM-C1", "JJ-POLICE", "JJ-URBAN")
        }


def start_requests(infra: Infra, organizations: ServiceProcess, database: str) -> RunningRequests:
    config = RequestsConfig.from_env(
        {},
        mongo_uri=infra.mongo_uri,
        mongo_db=database,
        kafka_bootstrap=infra.kafka_bootstrap,
        grpc_port=0,
        metrics_port=0,
        drain_seconds=2.0,
        outbox_poll_seconds=0.2,
        organizations_addr=organizations.address,
        volunteers_addr=f"127.0.0.1:{free_port()}",
        deadline_scan_seconds=0.2,
        offer_scan_seconds=0.2,
        visit_scan_seconds=0.2,
        **service_settings("requests"),
    )
    runtime, service = build(config)
    runtime.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{runtime.grpc.port}")
    return RunningRequests(config, runtime, service, channel, requests_pb2_grpc.RequestServiceStub(channel))


@pytest.fixture(scope="package")
def requests_service(infra: Infra, organizations: ServiceProcess) -> Iterator[RunningRequests]:
    running = start_requests(infra, organizations, f"test_requests_{uuid.uuid4().hex[:8]}")
    try:
        yield running
    finally:
        running.stop()
