"""Wires the notifications service: the one place adapters meet handlers. Nothing connects at
import time; ``build()`` does, and returns a runtime ready to start.

``message_bus`` builds the bus from the handlers and their dependencies; unit tests call it
with fakes. ``ApplyEvent`` and ``ApplyEvents`` (the routing handler, one event or a
consumer's poll) are wrapped so the deliveries it committed are
handed to the delivery engine at once.

``build`` adds the MongoDB repository, the read model (loaded from it before serving), the
routing rules and templates (refused at start when malformed), the people directory (gRPC to
organizations and volunteers), the senders (webhook always; e-mail and SMS when configured),
the delivery engine, one consumer per consumed topic, the timers, the outbox relay, and the
health checks (MongoDB critical, Kafka degrading). The timers' watches are restored from the
database before the consumers start (``WatchPersistence``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from linli.common import mongo
from linli.common.codec import utc_millis
from linli.common.kafka_io import broker_reachable, make_producer
from linli.common.messagebus import MessageBus, inject
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher
from linli.common.runtime import ServiceRuntime
from linli.common.unit_of_work import AggregateRepository, KeyedLocks, UnitOfWork
from linli.notifications.adapters.email import EmailSender, SmtpSettings
from linli.notifications.adapters.event_facts import EventTranslator
from linli.notifications.adapters.people import GrpcPeopleDirectory
from linli.notifications.adapters.read_models import InboxStreams, ReadModel
from linli.notifications.adapters.repository import Repository
from linli.notifications.adapters.sms import SmsSender, SmsSettings
from linli.notifications.adapters.url_safety import UrlPolicy, check_webhook_url
from linli.notifications.adapters.watch_store import COLLECTION as WATCH_COLLECTION
from linli.notifications.adapters.watch_store import WatchStore
from linli.notifications.adapters.webhook import WebhookSender, WebhookSettings
from linli.notifications.config import NotificationsConfig
from linli.notifications.domain.model import (
    Channel,
    Delivery,
    InboxEntry,
    Preferences,
    RoutingRule,
    Subscription,
)
from linli.notifications.domain.retry import RetryPolicy
from linli.notifications.domain.routing import DEFAULT_RULES, load_rules_file
from linli.notifications.domain.templates import TemplateCatalogue
from linli.notifications.entrypoints.consumers import make_consumers, topic_specs
from linli.notifications.entrypoints.delivery_worker import DeliveryEngine
from linli.notifications.entrypoints.grpc_api import NotificationServicer
from linli.notifications.entrypoints.timers import Watches, WatchPersistence, make_timers, make_watches
from linli.notifications.service_layer import commands as c
from linli.notifications.service_layer.handlers import (
    HANDLERS,
    CircuitStates,
    DeliveryQueue,
    UrlCheck,
    make_secret,
)
from linli.notifications.service_layer.ports import ChannelSender, PeopleDirectory
from linli.notifications.service_layer.routing_handler import handle_apply_event, handle_apply_events
from linli.v1 import notifications_pb2, notifications_pb2_grpc

SERVICE_NAME = notifications_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name

log = logging.getLogger(__name__)


class NoDeliveries:
    """A delivery queue that sends nothing (a bus without an engine: tests, the seed)."""

    def submit(self, delivery_ids: Iterable[str]) -> None:
        return None

    def replay(self, delivery_ids: Iterable[str]) -> None:
        return None


def message_bus(
    *,
    repository: AggregateRepository,
    read_model: ReadModel,
    rules: Sequence[RoutingRule],
    url_check: UrlCheck,
    webhook_sender: ChannelSender,
    deliveries: DeliveryQueue | None = None,
    directory: PeopleDirectory | None = None,
    templates: Any = None,
    circuits: CircuitStates | None = None,
    clock: Callable[[], datetime] = utc_millis,
    new_secret: Callable[[], str] = make_secret,
    locks: KeyedLocks | None = None,
    extra: dict[str, Any] | None = None,
) -> MessageBus:
    """The bus running every command of the service over these adapters. ``extra`` adds
    dependencies the routing handler asks for by name (e.g. ``base_url``)."""
    queue = deliveries or NoDeliveries()
    dependencies: dict[str, Any] = {
        "uow": UnitOfWork(repository, read_model, locks or KeyedLocks()),
        "store": repository,
        "read_model": read_model,
        "streams": read_model.streams,
        "rules": tuple(rules),
        "url_check": url_check,
        "webhook_sender": webhook_sender,
        "deliveries": queue,
        "directory": directory,
        "templates": templates,
        "circuits": circuits,
        "clock": clock,
        "new_secret": new_secret,
        **(extra or {}),
    }
    route = inject(handle_apply_event, dependencies)
    route_batch = inject(handle_apply_events, dependencies)

    def apply_event(command: c.ApplyEvent) -> c.ApplyResult:
        result: c.ApplyResult = route(command)
        if result.delivery_ids:
            queue.submit(result.delivery_ids)
        return result

    def apply_events(command: c.ApplyEvents) -> c.ApplyResult:
        result: c.ApplyResult = route_batch(command)
        if result.delivery_ids:
            queue.submit(result.delivery_ids)
        return result

    return MessageBus({**HANDLERS, c.ApplyEvent: apply_event, c.ApplyEvents: apply_events}, dependencies)


# -- the running service --------------------------------------------------------------------------


class NotificationsRuntime(ServiceRuntime):
    """The kit's runtime, closing the live inbox streams before the gRPC server drains (an
    open StreamInbox would otherwise hold the drain for its whole grace period)."""

    def __init__(self, config: NotificationsConfig, streams: InboxStreams) -> None:
        super().__init__(config)
        self.streams = streams

    def shutdown(self) -> None:
        self.streams.close()
        super().shutdown()


@dataclass(frozen=True)
class Services:
    """What ``build`` wired (tests look at the stores and the engine through it)."""

    bus: MessageBus
    repository: Repository
    read_model: ReadModel
    engine: DeliveryEngine
    watches: Watches


def load_read_model(repository: Repository, read_model: ReadModel) -> None:
    """Fills the read model from the database (at start, before serving)."""
    read_model.load(
        entries=repository.load(InboxEntry),
        deliveries=repository.load(Delivery),
        preferences=repository.load(Preferences),
        subscriptions=repository.load(Subscription),
    )
    log.info("read model loaded", extra=read_model.stats())


def senders(config: NotificationsConfig, read_model: ReadModel, policy: UrlPolicy) -> dict[Channel, ChannelSender]:
    """The external channels configured: webhooks always, e-mail and SMS when set up."""
    found: dict[Channel, ChannelSender] = {
        Channel.WEBHOOK: WebhookSender(
            read_model,
            policy,
            WebhookSettings(
                connect_timeout_seconds=config.webhook_connect_timeout_seconds,
                read_timeout_seconds=config.webhook_read_timeout_seconds,
                total_timeout_seconds=config.webhook_total_timeout_seconds,
                max_response_bytes=config.webhook_max_response_bytes,
            ),
        )
    }
    if config.smtp_host:
        found[Channel.EMAIL] = EmailSender(
            SmtpSettings(
                host=config.smtp_host,
                port=config.smtp_port,
                starttls=config.smtp_starttls,
                username=config.smtp_user,
                password=config.smtp_password,
                from_address=config.smtp_from,
                timeout_seconds=config.send_timeout_seconds,
            )
        )
    if config.sms_provider_url:
        found[Channel.SMS] = SmsSender(
            SmsSettings(
                url=config.sms_provider_url,
                api_key=config.sms_provider_key,
                timeout_seconds=config.send_timeout_seconds,
                per_number_limit=config.sms_per_number_per_hour,
            )
        )
    return found


def build(config: NotificationsConfig, directory: PeopleDirectory | None = None) -> tuple[ServiceRuntime, Services]:
    """The runtime and its parts. ``directory`` replaces the gRPC people directory (tests)."""
    rules = load_rules_file(Path(config.rules_file)) if config.rules_file else DEFAULT_RULES
    templates = TemplateCatalogue.load(Path(config.templates_dir) if config.templates_dir else None, rules=rules)
    policy = UrlPolicy.from_settings(allow_http=config.webhook_allow_http, allowed_cidrs=config.webhook_allowed_cidrs)
    database = mongo.connect(config.mongo_uri, config.database, max_pool_size=config.mongo_max_pool_size)
    producer = make_producer(config.kafka_bootstrap, client_id=config.service_name)
    repository = Repository()
    repository.ensure_indexes()
    streams = InboxStreams()
    runtime = NotificationsRuntime(config, streams)
    read_model = ReadModel(inbox_limit=config.inbox_memory_limit, streams=streams, fallback=repository.find_stored)
    load_read_model(repository, read_model)
    publisher = ProcessPublisher(config.kafka_bootstrap, config.service_name)
    relay = OutboxRelay(publisher, list(repository.stores.values()), poll_seconds=config.outbox_poll_seconds)
    observers: list[Any] = []
    if directory is None:
        people = GrpcPeopleDirectory(
            config.organizations_addr,
            config.volunteers_addr,
            ttl_seconds=config.people_cache_seconds,
            max_entries=config.people_cache_size,
        )
        runtime.on_close(people.close)
        observers.append(people)  # learns volunteers' persons from their registrations
        directory = people
    locks = KeyedLocks()
    channel_senders = senders(config, read_model, policy)
    engine = DeliveryEngine(
        UnitOfWork(repository, read_model, locks),
        read_model,
        channel_senders,
        RetryPolicy(config.retry_max_attempts, config.retry_base_seconds, config.retry_cap_seconds),
        utc_millis,
        failure_threshold=config.circuit_failure_threshold,
        open_seconds=config.circuit_open_seconds,
        workers=config.delivery_workers,
    )
    signed_up = getattr(directory, "signed_up", None)  # the gRPC directory knows sign-ups; test fakes may not
    watches = make_watches(
        deadline_near_minutes=config.deadline_near_minutes,
        station_reminder_hours=config.station_reminder_hours,
        digest_time=config.digest_time,
        signups=signed_up,
    )
    persistence = WatchPersistence(watches, WatchStore(database[WATCH_COLLECTION]))
    log.info("watches restored", extra={"documents": persistence.restore()})
    bus = message_bus(
        repository=repository,
        read_model=read_model,
        rules=rules,
        url_check=functools.partial(check_webhook_url, policy=policy),
        webhook_sender=channel_senders[Channel.WEBHOOK],
        deliveries=engine,
        directory=directory,
        templates=templates,
        circuits=engine,
        locks=locks,
        extra={"base_url": config.public_base_url, "digest": watches.digest},
    )
    consumers = make_consumers(
        bootstrap=config.kafka_bootstrap,
        specs=topic_specs(
            EventTranslator(),
            requests_topic=config.requests_topic,
            public_requests_topic=config.public_requests_topic,
            volunteers_topic=config.volunteers_topic,
            organizations_topic=config.organizations_topic,
        ),
        bus=bus,
        # No ce_id store: applying an event is naturally idempotent (inbox entry and delivery
        # ids are derived from the event, recipient and channel; the digest skips event ids it
        # counted), so a redelivered event changes nothing, and each event costs its own
        # writes only instead of two more (measured in bench/bench_notifications.py).
        processed=None,
        dlq_producer=producer,
        observers=[watches, *observers],
        flush=persistence.flush,
        group_id=config.consumer_group,
        max_attempts=config.consumer_max_attempts,
        client_id=config.service_name,
        max_poll_records=max(1, config.consumer_batch_size),
    )
    runtime.grpc.register(
        notifications_pb2_grpc.add_NotificationServiceServicer_to_server, NotificationServicer(bus), SERVICE_NAME
    )
    # Stopped last-added first: timers and consumers (which write), then the engine (which
    # finishes its attempts), then the relay (which publishes what they all wrote).
    runtime.add_worker(relay)
    runtime.add_worker(engine)
    for consumer in consumers:
        runtime.add_worker(consumer)
    for timer in make_timers(bus, watches, config.timer_scan_seconds, utc_millis, persistence):
        runtime.add_worker(timer)
    runtime.add_health_check("mongodb", lambda: mongo.ping(database), critical=True)
    runtime.add_health_check("kafka", lambda: broker_reachable(config.kafka_bootstrap), critical=False)
    runtime.on_close(mongo.disconnect)
    runtime.on_close(lambda: producer.close(timeout=10))
    runtime.on_close(publisher.close)
    return runtime, Services(bus, repository, read_model, engine, watches)
