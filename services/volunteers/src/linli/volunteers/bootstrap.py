"""Wires the volunteers service: the one place adapters meet handlers. Nothing connects at
import time; `build()` does, and returns a runtime ready to start.

Workers stop in the order added: the requests consumer first (it finishes the event in hand
and commits), then the outbox relay (it publishes what that event's effects stored).
"""

from __future__ import annotations

from linli.common import mongo
from linli.common.consumer import ProcessedEvents
from linli.common.kafka_io import broker_reachable, make_producer
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher
from linli.common.runtime import ServiceRuntime
from linli.v1 import volunteers_pb2, volunteers_pb2_grpc
from linli.volunteers.adapters.organizations import AncestorLookup, OrganizationAncestors
from linli.volunteers.adapters.repository import Repository
from linli.volunteers.config import VolunteersConfig
from linli.volunteers.entrypoints.grpc_api import VolunteerServicer
from linli.volunteers.entrypoints.requests_consumer import make_consumer
from linli.volunteers.service_layer.access import Access
from linli.volunteers.service_layer.core import Core
from linli.volunteers.service_layer.directory import Directory
from linli.volunteers.service_layer.service import Services

SERVICE_NAME = volunteers_pb2.DESCRIPTOR.services_by_name["VolunteerService"].full_name


def build(config: VolunteersConfig, ancestors: AncestorLookup | None = None) -> tuple[ServiceRuntime, Services]:
    """The runtime and its handlers. ``ancestors`` replaces the organizations client (tests)."""
    database = mongo.connect(config.mongo_uri, config.database, max_pool_size=config.mongo_max_pool_size)
    producer = make_producer(config.kafka_bootstrap, client_id=config.service_name)
    runtime = ServiceRuntime(config)
    repository = Repository()
    repository.ensure_indexes()
    publisher = ProcessPublisher(config.kafka_bootstrap, config.service_name)
    relay = OutboxRelay(publisher, list(repository.stores.values()), poll_seconds=config.outbox_poll_seconds)
    if ancestors is None:
        organizations = OrganizationAncestors(config.organizations_addr, config.scope_cache_seconds)
        runtime.on_close(organizations.close)
        ancestors = organizations
    services = Services.of(Core(repository, Directory(config.match_reference_lat), Access(ancestors)))
    services.load()
    consumer = make_consumer(bootstrap=config.kafka_bootstrap, group_id=config.consumer_group,
                             topic=config.requests_topic, tasks=services.tasks,
                             processed=ProcessedEvents(repository.processed), dlq_producer=producer,
                             max_attempts=config.consumer_max_attempts, client_id=config.service_name)
    runtime.grpc.register(volunteers_pb2_grpc.add_VolunteerServiceServicer_to_server, VolunteerServicer(services),
                          SERVICE_NAME)
    runtime.add_worker(relay)
    runtime.add_worker(consumer)  # stopped before the relay, which then publishes what it wrote
    runtime.add_health_check("mongodb", lambda: mongo.ping(database))
    runtime.add_health_check("kafka", lambda: broker_reachable(config.kafka_bootstrap))
    runtime.on_close(mongo.disconnect)
    runtime.on_close(lambda: producer.close(timeout=10))
    runtime.on_close(publisher.close)
    return runtime, services
