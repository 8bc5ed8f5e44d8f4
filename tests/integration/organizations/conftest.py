"""Runs the organizations service in-process against the session's Kafka and FerretDB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.common.runtime import ServiceRuntime
from linli.organizations.bootstrap import Organizations as OrganizationsService
from linli.organizations.bootstrap import build
from linli.organizations.config import OrganizationsConfig
from linli.v1 import organizations_pb2_grpc
from tests.support.identity import service_settings, who
from tests.support.infra import Infra

OPERATOR = who("op-1", "operator")


@dataclass
class RunningOrganizations:
    config: OrganizationsConfig
    runtime: ServiceRuntime
    service: OrganizationsService
    channel: grpc.Channel
    stub: organizations_pb2_grpc.OrganizationServiceStub

    def stop(self) -> None:
        self.channel.close()
        self.runtime.shutdown()


def start_organizations(infra: Infra, database: str) -> RunningOrganizations:
    config = OrganizationsConfig.from_env(
        {},
        mongo_uri=infra.mongo_uri,
        mongo_db=database,
        kafka_bootstrap=infra.kafka_bootstrap,
        grpc_port=0,
        metrics_port=0,
        drain_seconds=2.0,
        outbox_poll_seconds=0.2,
        **service_settings("organizations"),
    )
    runtime, service = build(config)
    runtime.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{runtime.grpc.port}")
    return RunningOrganizations(
        config, runtime, service, channel, organizations_pb2_grpc.OrganizationServiceStub(channel)
    )


@pytest.fixture(scope="module")
def orgs(infra: Infra) -> Iterator[RunningOrganizations]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    running = start_organizations(infra, f"test_orgs_{uuid.uuid4().hex[:8]}")
    try:
        yield running
    finally:
        running.stop()
