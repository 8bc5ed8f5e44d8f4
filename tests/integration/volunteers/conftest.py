"""Runs the volunteers service in-process against the session's Kafka and FerretDB.

The organizations service is replaced by a fixed ancestor table (``ANCESTORS``): two services
in one process would share mongoengine's default connection. Each started service reads the
real requests topic with a consumer group of its own, so it never competes with another
test's consumer for partitions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

from linli.common.consumer import EventConsumer
from linli.common.kafka_io import ensure_topics, platform_topics
from linli.common.runtime import ServiceRuntime
from linli.v1 import volunteers_pb2_grpc
from linli.volunteers.bootstrap import Services, build
from linli.volunteers.config import VolunteersConfig
from tests.support.identity import Metadata, service_settings, who
from tests.support.infra import Infra

OPERATOR = who("op-1", "operator")
#: A tiny organisation tree: district -> street -> two communities.
DISTRICT, STREET, COMMUNITY, OTHER_COMMUNITY = "org_district", "org_street", "org_east", "org_west"
ANCESTORS: dict[str, tuple[str, ...]] = {
    STREET: (DISTRICT,),
    COMMUNITY: (DISTRICT, STREET),
    OTHER_COMMUNITY: (DISTRICT, STREET),
}


def person(subject: str, *roles: str) -> Metadata:
    """gRPC metadata of a caller (signed)."""
    return who(subject, *roles)


@dataclass
class RunningVolunteers:
    config: VolunteersConfig
    runtime: ServiceRuntime
    services: Services
    channel: grpc.Channel
    stub: volunteers_pb2_grpc.VolunteerServiceStub

    def stop(self) -> None:
        self.channel.close()
        self.runtime.shutdown()

    def wait_until_consuming(self, timeout: float = 30.0) -> None:
        """Blocks until the requests consumer holds its partitions (it reads from the start)."""
        consumer = next(w for w in self.runtime.workers if isinstance(w, EventConsumer))
        if not consumer.ready.wait(timeout):
            raise AssertionError("the requests consumer did not join its group")


def start_volunteers(infra: Infra, database: str, group: str = "") -> RunningVolunteers:
    config = VolunteersConfig.from_env(
        {},
        mongo_uri=infra.mongo_uri,
        mongo_db=database,
        kafka_bootstrap=infra.kafka_bootstrap,
        grpc_port=0,
        metrics_port=0,
        drain_seconds=2.0,
        outbox_poll_seconds=0.2,
        consumer_group=group or f"volunteers-test-{uuid.uuid4().hex[:8]}",
        **service_settings("volunteers"),
    )
    runtime, services = build(config, ancestors=lambda org_id: ANCESTORS.get(org_id, ()))
    runtime.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{runtime.grpc.port}")
    return RunningVolunteers(config, runtime, services, channel, volunteers_pb2_grpc.VolunteerServiceStub(channel))


@pytest.fixture(scope="module")
def vols(infra: Infra) -> Iterator[RunningVolunteers]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    running = start_volunteers(infra, f"test_vols_{uuid.uuid4().hex[:8]}")
    try:
        yield running
    finally:
        running.stop()
