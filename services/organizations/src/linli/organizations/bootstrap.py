"""Wires the organizations service: the one place adapters meet handlers. Nothing connects
at import time; `build()` does, and returns a runtime ready to start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from linli.common import mongo
from linli.common.codec import utc_millis
from linli.common.commands import Actor
from linli.common.kafka_io import broker_reachable
from linli.common.messagebus import MessageBus
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher
from linli.common.runtime import ServiceRuntime
from linli.common.unit_of_work import UnitOfWork
from linli.organizations.adapters.repository import Repository
from linli.organizations.config import OrganizationsConfig
from linli.organizations.domain.model import Grid, Organization, RoleAssignment, Station, StationEvent
from linli.organizations.entrypoints.grpc_api import OrganizationServicer
from linli.organizations.service_layer.commands import GetOrganization
from linli.organizations.service_layer.directory import Directory
from linli.organizations.service_layer.handlers import HANDLERS
from linli.organizations.service_layer.ports import OrganizationsRepository
from linli.v1 import organizations_pb2, organizations_pb2_grpc

SERVICE_NAME = organizations_pb2.DESCRIPTOR.services_by_name["OrganizationService"].full_name


def message_bus(
    repository: OrganizationsRepository, directory: Directory, clock: Callable[[], datetime] = utc_millis
) -> MessageBus:
    """Every command and query of the service, with what its handler needs."""
    return MessageBus(
        HANDLERS,
        {"uow": UnitOfWork(repository, directory), "directory": directory, "repository": repository, "clock": clock},
    )


def load_directory(repository: Repository, directory: Directory) -> None:
    """Fills the directory from the database (at start), paths repaired from the parent links."""
    directory.load(
        repository.load_organizations(),
        repository.load(Grid),
        repository.load(Station),
        repository.load(StationEvent),
        repository.load(RoleAssignment),
    )


@dataclass(frozen=True)
class Organizations:
    """The wired service: its bus and the adapters behind it (for tests and operators' tools)."""

    bus: MessageBus
    repository: Repository
    directory: Directory

    def organization(self, org_id: str) -> Organization:
        found: Organization = self.bus.handle(GetOrganization(id=org_id, actor=Actor.system("bootstrap")))
        return found


def build(config: OrganizationsConfig) -> tuple[ServiceRuntime, Organizations]:
    database = mongo.connect(config.mongo_uri, config.database, max_pool_size=config.mongo_max_pool_size)
    runtime = ServiceRuntime(config)
    repository = Repository()
    repository.ensure_indexes()
    publisher = ProcessPublisher(config.kafka_bootstrap, config.service_name)
    relay = OutboxRelay(publisher, list(repository.stores.values()), poll_seconds=config.outbox_poll_seconds)
    directory = Directory(config.grid_cell_degrees)
    load_directory(repository, directory)
    bus = message_bus(repository, directory)
    runtime.grpc.register(
        organizations_pb2_grpc.add_OrganizationServiceServicer_to_server, OrganizationServicer(bus), SERVICE_NAME
    )
    runtime.add_worker(relay)
    runtime.add_health_check("mongodb", lambda: mongo.ping(database))
    runtime.add_health_check("kafka", lambda: broker_reachable(config.kafka_bootstrap))
    runtime.on_close(mongo.disconnect)
    runtime.on_close(publisher.close)
    return runtime, Organizations(bus, repository, directory)
