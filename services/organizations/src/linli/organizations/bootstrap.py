"""Wires the organizations service: the one place adapters meet handlers. Nothing connects
at import time; `build()` does, and returns a runtime ready to start."""

from __future__ import annotations

from linli.common import mongo
from linli.common.kafka_io import broker_reachable
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher
from linli.common.runtime import ServiceRuntime
from linli.organizations.adapters.repository import Repository
from linli.organizations.config import OrganizationsConfig
from linli.organizations.entrypoints.grpc_api import OrganizationServicer
from linli.organizations.service_layer.directory import Directory
from linli.organizations.service_layer.service import OrganizationsService
from linli.v1 import organizations_pb2, organizations_pb2_grpc

SERVICE_NAME = organizations_pb2.DESCRIPTOR.services_by_name["OrganizationService"].full_name


def build(config: OrganizationsConfig) -> tuple[ServiceRuntime, OrganizationsService]:
    database = mongo.connect(config.mongo_uri, config.database, max_pool_size=config.mongo_max_pool_size)
    runtime = ServiceRuntime(config)
    repository = Repository()
    repository.ensure_indexes()
    publisher = ProcessPublisher(config.kafka_bootstrap, config.service_name)
    relay = OutboxRelay(publisher, list(repository.stores.values()), poll_seconds=config.outbox_poll_seconds)
    service = OrganizationsService(repository, Directory(config.grid_cell_degrees))
    service.load()
    runtime.grpc.register(organizations_pb2_grpc.add_OrganizationServiceServicer_to_server,
                          OrganizationServicer(service), SERVICE_NAME)
    runtime.add_worker(relay)
    runtime.add_health_check("mongodb", lambda: mongo.ping(database))
    runtime.add_health_check("kafka", lambda: broker_reachable(config.kafka_bootstrap))
    runtime.on_close(mongo.disconnect)
    runtime.on_close(publisher.close)
    return runtime, service
