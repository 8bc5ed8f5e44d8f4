"""Wires the requests service: the one place adapters meet handlers. Nothing connects at
import time; `build()` does, and returns a runtime ready to start.

``RequestsApp`` builds the message bus over any repository, read model and clients (the
unit tests pass fakes); ``build()`` gives it the MongoDB repository, the in-memory ledger
and the gRPC clients, and adds the gRPC servicer, the outbox relay and the timers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from linli.common import mongo
from linli.common.codec import utc_millis
from linli.common.commands import Actor, Command
from linli.common.identity import Identity
from linli.common.kafka_io import broker_reachable
from linli.common.messagebus import MessageBus
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher
from linli.common.runtime import ServiceRuntime
from linli.common.timers import PeriodicWorker
from linli.common.unit_of_work import UnitOfWork
from linli.requests.adapters import business_metrics
from linli.requests.adapters.clients import OrganizationsClient, VolunteersClient
from linli.requests.adapters.ledger import Ledger
from linli.requests.adapters.places import OrganizationsFeed, PlaceIndex
from linli.requests.adapters.repository import Repository
from linli.requests.config import RequestsConfig
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE, Catalogue
from linli.requests.domain.dispatch import OfferPolicy
from linli.requests.domain.model import Request, VisitPlan
from linli.requests.entrypoints.grpc_api import RequestServicer
from linli.requests.service_layer import access, handlers
from linli.requests.service_layer.commands import ExpireOffers, GenerateVisits, SweepDeadlines
from linli.requests.service_layer.ports import OrganizationsPort, RequestReadModel, RequestRepository, VolunteersPort
from linli.v1 import requests_pb2, requests_pb2_grpc

SERVICE_NAME = requests_pb2.DESCRIPTOR.services_by_name["RequestService"].full_name


def load_catalogue(path: str) -> Catalogue:
    """The default catalogue, with the operator's overrides from a JSON file when given."""
    if not path:
        return DEFAULT_CATALOGUE
    return DEFAULT_CATALOGUE.with_overrides(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass
class RequestsApp:
    """The service's message bus over its adapters (or the tests' fakes). ``clock`` may be
    replaced while running (tests move time forward for the timers): handlers read it on
    every call."""

    repository: RequestRepository
    ledger: RequestReadModel
    organizations: OrganizationsPort
    volunteers: VolunteersPort
    catalogue: Catalogue = DEFAULT_CATALOGUE
    offer_policy: OfferPolicy = field(default_factory=OfferPolicy)
    clock: Callable[[], datetime] = utc_millis
    bus: MessageBus = field(init=False)

    def __post_init__(self) -> None:
        self.bus = MessageBus(
            handlers.HANDLERS,
            {
                "uow": UnitOfWork(self.repository, self.ledger),
                "ledger": self.ledger,
                "repository": self.repository,
                "organizations": self.organizations,
                "volunteers": self.volunteers,
                "catalogue": self.catalogue,
                "offer_policy": self.offer_policy,
                "clock": lambda: self.clock(),  # noqa: PLW0108 - the clock in use now, not at wiring
            },
        )

    def handle(self, command: Command) -> Any:
        return self.bus.handle(command)

    def load(self) -> None:
        """Fills the ledger from the store (at start)."""
        for kind in (Request, VisitPlan):
            for aggregate in self.repository.load(kind):
                self.ledger.put(aggregate)

    def request(self, request_id: str) -> Request:
        """A request as the ledger holds it (tests and tools; no access check)."""
        return handlers.stored_request(self.ledger, request_id)

    def _may_see(self, identity: Identity, request: Request) -> bool:
        return access.may_see(identity, request, self.volunteers.acts_for)


@dataclass
class RequestsProcess(RequestsApp):
    """The app over the real adapters, as ``build()`` wires it."""

    repository: Repository
    ledger: Ledger
    organizations: OrganizationsClient
    volunteers: VolunteersClient


def timer(app: RequestsApp, name: str, interval_seconds: float, command: Callable[[Actor], Command]) -> PeriodicWorker:
    """A periodic job that sends its command through the bus as the service itself."""
    actor = Actor.system(f"timer:{name}")
    return PeriodicWorker(name, interval_seconds, lambda: app.bus.handle(command(actor)))


def build(config: RequestsConfig) -> tuple[ServiceRuntime, RequestsProcess]:
    database = mongo.connect(config.mongo_uri, config.database, max_pool_size=config.mongo_max_pool_size)
    runtime = ServiceRuntime(config)
    repository = business_metrics.MeteredRepository()
    repository.ensure_indexes()
    publisher = ProcessPublisher(config.kafka_bootstrap, config.service_name)
    relay = OutboxRelay(publisher, list(repository.stores.values()), poll_seconds=config.outbox_poll_seconds)
    places = PlaceIndex()
    organizations = OrganizationsClient(config.organizations_addr, places=places)
    volunteers = VolunteersClient(config.volunteers_addr)
    ledger = business_metrics.CountingLedger()
    app = RequestsProcess(
        repository,
        ledger,
        organizations,
        volunteers,
        catalogue=load_catalogue(config.catalogue_file),
        offer_policy=OfferPolicy(batch_size=config.offer_batch_size, ttl=timedelta(seconds=config.offer_ttl_seconds)),
    )
    app.load()
    runtime.on_close(business_metrics.watch_ledger(ledger))
    runtime.grpc.register(
        requests_pb2_grpc.add_RequestServiceServicer_to_server, RequestServicer(app.bus), SERVICE_NAME
    )
    runtime.add_worker(relay)
    runtime.add_worker(
        OrganizationsFeed(
            places,
            organizations.stub,
            config.kafka_bootstrap,
            config.organizations_topic,
            group_id=config.places_consumer_group,
        )
    )
    runtime.add_worker(timer(app, "deadlines", config.deadline_scan_seconds, lambda a: SweepDeadlines(actor=a)))
    runtime.add_worker(timer(app, "offers", config.offer_scan_seconds, lambda a: ExpireOffers(actor=a)))
    runtime.add_worker(timer(app, "visits", config.visit_scan_seconds, lambda a: GenerateVisits(actor=a)))
    runtime.add_health_check("mongodb", lambda: mongo.ping(database))
    runtime.add_health_check("kafka", lambda: broker_reachable(config.kafka_bootstrap))
    runtime.on_close(mongo.disconnect)
    runtime.on_close(publisher.close)
    runtime.on_close(organizations.close)
    runtime.on_close(volunteers.close)
    return runtime, app
