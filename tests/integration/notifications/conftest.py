"""Runs the notifications service in-process against the session's Kafka and FerretDB.

The people directory (organizations and volunteers over gRPC) is replaced by a fixed table
(``FakeDirectory``): two services in one process would share mongoengine's default
connection. Each started service has a database and a consumer group of its own; webhooks
may go to loopback receivers (http allowed, 127.0.0.0/8 allowed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest

from linli.common.kafka_io import ensure_topics, platform_topics
from linli.common.runtime import ServiceRuntime
from linli.notifications.bootstrap import Services, build
from linli.notifications.config import NotificationsConfig
from linli.v1 import notifications_pb2_grpc
from tests.support.identity import Metadata, service_settings, who
from tests.support.infra import Infra

OPERATOR = who("op-1", "operator")


def person(subject: str, *roles: str) -> Metadata:
    """gRPC metadata of a caller (signed)."""
    return who(subject, *roles)


@dataclass
class FakeDirectory:
    """``PeopleDirectory`` from fixed tables."""

    volunteers: dict[str, str] = field(default_factory=dict)  # volunteer id -> person id
    roles: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (role, org) -> persons
    ancestor_table: dict[str, tuple[str, ...]] = field(default_factory=dict)  # nearest first
    leaders: dict[str, str] = field(default_factory=dict)

    def persons_of_volunteers(self, volunteer_ids: Iterable[str]) -> dict[str, str]:
        return {v: self.volunteers[v] for v in volunteer_ids if v in self.volunteers}

    def role_holders(self, role: str, org_id: str) -> Sequence[str]:
        return self.roles.get((role, org_id), ())

    def ancestors(self, org_id: str) -> Sequence[str]:
        return self.ancestor_table.get(org_id, ())

    def team_leader(self, team_id: str) -> str:
        return self.leaders.get(team_id, "")


@dataclass
class RunningNotifications:
    config: NotificationsConfig
    runtime: ServiceRuntime
    services: Services
    channel: grpc.Channel
    stub: notifications_pb2_grpc.NotificationServiceStub

    def stop(self) -> None:
        self.channel.close()
        self.runtime.shutdown()


def start_notifications(
    infra: Infra, database: str, directory: FakeDirectory | None = None, **settings: Any
) -> RunningNotifications:
    values: dict[str, Any] = {
        "mongo_uri": infra.mongo_uri,
        "mongo_db": database,
        "kafka_bootstrap": infra.kafka_bootstrap,
        "grpc_port": 0,
        "metrics_port": 0,
        "drain_seconds": 2.0,
        "outbox_poll_seconds": 0.2,
        "consumer_group": f"notifications-test-{uuid.uuid4().hex[:8]}",
        "webhook_allow_http": True,
        "webhook_allowed_cidrs": "127.0.0.0/8",
        "retry_base_seconds": 0.05,
        "retry_cap_seconds": 0.5,
        "timer_scan_seconds": 1.0,
        **service_settings("notifications"),
    }
    values.update(settings)
    config = NotificationsConfig.from_env({}, **values)
    runtime, services = build(config, directory=directory or FakeDirectory())
    runtime.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{runtime.grpc.port}")
    return RunningNotifications(
        config, runtime, services, channel, notifications_pb2_grpc.NotificationServiceStub(channel)
    )


@pytest.fixture(scope="module")
def notifications(infra: Infra) -> Iterator[RunningNotifications]:
    ensure_topics(infra.kafka_bootstrap, platform_topics())
    running = start_notifications(infra, f"test_notif_{uuid.uuid4().hex[:8]}")
    try:
        yield running
    finally:
        running.stop()
