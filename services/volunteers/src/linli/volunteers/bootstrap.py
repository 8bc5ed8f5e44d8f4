"""Wires the volunteers service: the one place adapters meet handlers. Nothing connects at
import time; `build()` does, and returns a runtime ready to start.

``message_bus`` builds the bus from the handlers and their dependencies; unit tests call it
with fakes. ``build`` adds the MongoDB repository, the in-memory directory (loaded from it),
the organizations client, the gRPC servicer and the workers.

Workers stop last-added first: the requests consumer (added after the relay) stops first,
finishing the event in hand and committing, then the outbox relay publishes what that
event's effects stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from linli.common import mongo
from linli.common.codec import utc_millis
from linli.common.consumer import ProcessedEvents
from linli.common.kafka_io import broker_reachable, make_producer
from linli.common.messagebus import MessageBus
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher
from linli.common.runtime import ServiceRuntime
from linli.common.unit_of_work import KeyedLocks, UnitOfWork
from linli.v1 import volunteers_pb2, volunteers_pb2_grpc
from linli.volunteers.adapters import business_metrics
from linli.volunteers.adapters.directory import Directory
from linli.volunteers.adapters.organizations import OrganizationAncestors
from linli.volunteers.adapters.repository import Repository
from linli.volunteers.config import VolunteersConfig
from linli.volunteers.domain.model import Team, Volunteer
from linli.volunteers.entrypoints.grpc_api import VolunteerServicer
from linli.volunteers.entrypoints.requests_consumer import RequestTasks, make_consumer
from linli.volunteers.service_layer.access import Access
from linli.volunteers.service_layer.handlers import HANDLERS
from linli.volunteers.service_layer.ports import AncestorLookup, LedgerStore, VolunteersRepository

SERVICE_NAME = volunteers_pb2.DESCRIPTOR.services_by_name["VolunteerService"].full_name

log = logging.getLogger(__name__)


def message_bus(
    *,
    repository: VolunteersRepository,
    directory: Directory,
    ledger_store: LedgerStore,
    ancestors: AncestorLookup | None = None,
    clock: Callable[[], datetime] = utc_millis,
    locks: KeyedLocks | None = None,
) -> MessageBus:
    """The bus running every command of the service over these adapters."""
    return MessageBus(
        HANDLERS,
        {
            "uow": UnitOfWork(repository, directory, locks or KeyedLocks()),
            "directory": directory,
            "ledger_store": ledger_store,
            "access": Access(ancestors),
            "clock": clock,
        },
    )


@dataclass(frozen=True)
class Adapters:
    """The stores the bus runs on (tests look at the database and the read model through them)."""

    repository: Repository
    directory: Directory


@dataclass(frozen=True)
class Services:
    """What ``build`` wired: the bus, its adapters, and the requests consumer's translator."""

    bus: MessageBus
    core: Adapters
    tasks: RequestTasks


def load_directory(repository: Repository, directory: Directory) -> None:
    """Fills the directory and builds the MatchIndex from the database (at start)."""
    directory.load(repository.load(Volunteer), repository.load(Team), repository.load_entries())
    log.info(
        "directory loaded",
        extra={
            "volunteers": len(directory.volunteers),
            "teams": len(directory.teams),
            "ledger_entries": len(directory.entries),
            **directory.index.stats(),
        },
    )


def build(config: VolunteersConfig, ancestors: AncestorLookup | None = None) -> tuple[ServiceRuntime, Services]:
    """The runtime and its handlers. ``ancestors`` replaces the organizations client (tests)."""
    database = mongo.connect(config.mongo_uri, config.database, max_pool_size=config.mongo_max_pool_size)
    producer = make_producer(config.kafka_bootstrap, client_id=config.service_name)
    runtime = ServiceRuntime(config)
    repository = business_metrics.MeteredRepository()
    repository.ensure_indexes()
    publisher = ProcessPublisher(config.kafka_bootstrap, config.service_name)
    relay = OutboxRelay(publisher, list(repository.stores.values()), poll_seconds=config.outbox_poll_seconds)
    if ancestors is None:
        organizations = OrganizationAncestors(config.organizations_addr, config.scope_cache_seconds)
        runtime.on_close(organizations.close)
        ancestors = organizations
    directory = Directory(config.match_reference_lat)
    load_directory(repository, directory)
    runtime.on_close(business_metrics.watch_directory(directory.volunteers))
    bus = message_bus(repository=repository, directory=directory, ledger_store=repository, ancestors=ancestors)
    tasks = RequestTasks(bus)
    consumer = make_consumer(
        bootstrap=config.kafka_bootstrap,
        group_id=config.consumer_group,
        topic=config.requests_topic,
        tasks=tasks,
        processed=ProcessedEvents(repository.processed),
        dlq_producer=producer,
        max_attempts=config.consumer_max_attempts,
        client_id=config.service_name,
    )
    runtime.grpc.register(
        volunteers_pb2_grpc.add_VolunteerServiceServicer_to_server, VolunteerServicer(bus), SERVICE_NAME
    )
    runtime.add_worker(relay)
    runtime.add_worker(consumer)  # stopped before the relay, which then publishes what it wrote
    runtime.add_health_check("mongodb", lambda: mongo.ping(database))
    runtime.add_health_check("kafka", lambda: broker_reachable(config.kafka_bootstrap))
    runtime.on_close(mongo.disconnect)
    runtime.on_close(lambda: producer.close(timeout=10))
    runtime.on_close(publisher.close)
    return runtime, Services(bus, Adapters(repository, directory), tasks)
