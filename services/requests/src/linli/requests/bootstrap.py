"""Wires the requests service: the one place adapters meet handlers. Nothing connects at
import time; `build()` does, and returns a runtime ready to start."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from linli.common import mongo
from linli.common.kafka_io import broker_reachable
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher
from linli.common.runtime import ServiceRuntime
from linli.common.timers import PeriodicWorker
from linli.requests.adapters.clients import OrganizationsClient, VolunteersClient
from linli.requests.adapters.places import OrganizationsFeed, PlaceIndex
from linli.requests.adapters.repository import Repository
from linli.requests.config import RequestsConfig
from linli.requests.domain.catalogue import DEFAULT_CATALOGUE, Catalogue
from linli.requests.domain.dispatch import OfferPolicy
from linli.requests.entrypoints.grpc_api import RequestServicer
from linli.requests.service_layer.ledger import Ledger
from linli.requests.service_layer.service import RequestsService
from linli.v1 import requests_pb2, requests_pb2_grpc

SERVICE_NAME = requests_pb2.DESCRIPTOR.services_by_name["RequestService"].full_name


def load_catalogue(path: str) -> Catalogue:
    """The default catalogue, with the operator's overrides from a JSON file when given."""
    if not path:
        return DEFAULT_CATALOGUE
    return DEFAULT_CATALOGUE.with_overrides(json.loads(Path(path).read_text(encoding="utf-8")))


def build(config: RequestsConfig) -> tuple[ServiceRuntime, RequestsService]:
    database = mongo.connect(config.mongo_uri, config.database, max_pool_size=config.mongo_max_pool_size)
    runtime = ServiceRuntime(config)
    repository = Repository()
    repository.ensure_indexes()
    publisher = ProcessPublisher(config.kafka_bootstrap, config.service_name)
    relay = OutboxRelay(publisher, list(repository.stores.values()), poll_seconds=config.outbox_poll_seconds)
    places = PlaceIndex()
    organizations = OrganizationsClient(config.organizations_addr, places=places)
    volunteers = VolunteersClient(config.volunteers_addr)
    service = RequestsService(
        repository, Ledger(), organizations, volunteers, catalogue=load_catalogue(config.catalogue_file),
        offer_policy=OfferPolicy(batch_size=config.offer_batch_size, ttl=timedelta(seconds=config.offer_ttl_seconds)))
    service.load()
    runtime.grpc.register(requests_pb2_grpc.add_RequestServiceServicer_to_server, RequestServicer(service),
                          SERVICE_NAME)
    runtime.add_worker(relay)
    runtime.add_worker(OrganizationsFeed(places, organizations.stub, config.kafka_bootstrap,
                                         config.organizations_topic))
    runtime.add_worker(PeriodicWorker("deadlines", config.deadline_scan_seconds, service.sweep_deadlines))
    runtime.add_worker(PeriodicWorker("offers", config.offer_scan_seconds, service.expire_offers))
    runtime.add_worker(PeriodicWorker("visits", config.visit_scan_seconds, service.generate_visits))
    runtime.add_health_check("mongodb", lambda: mongo.ping(database))
    runtime.add_health_check("kafka", lambda: broker_reachable(config.kafka_bootstrap))
    runtime.on_close(mongo.disconnect)
    runtime.on_close(publisher.close)
    runtime.on_close(organizations.close)
    runtime.on_close(volunteers.close)
    return runtime, service
