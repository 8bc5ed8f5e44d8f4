"""Wires the notifications service: the one place adapters meet handlers. Nothing connects at
import time; ``build()`` does, and returns a runtime ready to start.

``message_bus`` builds the bus from the handlers and their dependencies; unit tests call it
with fakes. ``ApplyEvent`` (the routing handler) is wrapped so the deliveries it committed are
handed to the delivery engine at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from linli.common.codec import utc_millis
from linli.common.messagebus import MessageBus, inject
from linli.common.unit_of_work import AggregateRepository, KeyedLocks, UnitOfWork
from linli.notifications.adapters.read_models import ReadModel
from linli.notifications.domain.model import RoutingRule
from linli.notifications.service_layer import commands as c
from linli.notifications.service_layer.handlers import (
    HANDLERS,
    CircuitStates,
    DeliveryQueue,
    UrlCheck,
    make_secret,
)
from linli.notifications.service_layer.ports import ChannelSender, PeopleDirectory
from linli.notifications.service_layer.routing_handler import handle_apply_event


class NoDeliveries:
    """A delivery queue that sends nothing (a bus without an engine: tests, the seed)."""

    def submit(self, delivery_ids: Iterable[str]) -> None:
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

    def apply_event(command: c.ApplyEvent) -> c.ApplyResult:
        result: c.ApplyResult = route(command)
        if result.delivery_ids:
            queue.submit(result.delivery_ids)
        return result

    return MessageBus({**HANDLERS, c.ApplyEvent: apply_event}, dependencies)
