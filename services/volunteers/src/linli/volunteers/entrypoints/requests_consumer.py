"""Kafka consumer of the requests service's events (``linli.requests.v1``).

Every request event carries the RequestSnapshot after the change as its field ``request``
(requests.proto), so every one of them says who holds the request: ``AssignTask`` when a
volunteer holds it after the event (claims, dispatches to a volunteer, reopening), else
``ReleaseTask`` (resolution, cancellation, closing, rejection, a transfer away). Two types
carry more: ``resolved`` (``RecordResolution``: the hours in its Resolution, kept until the
rating) and ``rated`` (``CreditRating``: hours and points are credited). Events without a
snapshot (visit plans) are ignored; a ``request`` that is not an object is InvalidArgument.
Only events from ``/linli/requests`` (``REQUESTS_SOURCE``) of its aggregates' types
(``REQUESTS_TYPES``) are accepted; the kit's consumer dead-letters others ("unexpected
source" / "unexpected type"). This module only translates events into commands; the
handlers (``service_layer.handlers.tasks``) do the work.

Payloads are read through the requests service's protobuf messages, the published contract,
not its Python code. A payload that does not parse is InvalidArgument, which the kit's
consumer sends straight to the dead-letter topic. Commands are sent as the ``system`` actor,
so the PointsCredited events they cause name it as the actor.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message
from kafka import KafkaProducer

from linli.common.cloudevents import Envelope
from linli.common.commands import Actor
from linli.common.consumer import EventConsumer, ProcessedEvents
from linli.common.errors import InvalidArgument
from linli.common.identity import SYSTEM
from linli.common.messagebus import MessageBus
from linli.v1 import requests_pb2
from linli.volunteers.domain.model import LedgerEntry
from linli.volunteers.domain.tasks import RequestFacts
from linli.volunteers.service_layer import commands as c

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)

#: Who may publish on the requests topic, and the types it publishes (prefixes: the requests
#: service adds event types to its aggregates additively, and a consumer that dead-letters a new
#: type would soon halt). A new aggregate on the topic is added here.
REQUESTS_SOURCE = "/linli/requests"
REQUESTS_TYPES = ("org.linli.request.*", "org.linli.visit_plan.*")

REQUEST_RESOLVED = "org.linli.request.resolved.v1"
REQUEST_RATED = "org.linli.request.rated.v1"

#: Who the consumer's commands come from (no API request id: the events carry their own ids).
CONSUMER_ACTOR = Actor(identity=SYSTEM)


class RequestTasks:
    """The requests service's facts as commands on the bus."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    def track(self, facts: RequestFacts) -> None:
        """Moves the request to the volunteer holding it after this event (if any)."""
        if facts.holder:
            self.bus.handle(c.AssignTask(actor=CONSUMER_ACTOR, request_id=facts.request_id, volunteer_id=facts.holder))
        else:
            self.bus.handle(c.ReleaseTask(actor=CONSUMER_ACTOR, request_id=facts.request_id))

    def resolved(self, facts: RequestFacts, event_id: str, hours: float, resolved_at: datetime) -> None:
        self.bus.handle(
            c.RecordResolution(
                actor=CONSUMER_ACTOR,
                request_id=facts.request_id,
                volunteer_id=facts.volunteer_id,
                event_id=event_id,
                hours=hours,
                resolved_at=resolved_at,
            )
        )

    def rated(self, facts: RequestFacts, event_id: str, stars: int, rated_at: datetime) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = self.bus.handle(
            c.CreditRating(
                actor=CONSUMER_ACTOR,
                request_id=facts.request_id,
                volunteer_id=facts.volunteer_id,
                event_id=event_id,
                stars=stars,
                rated_at=rated_at,
            )
        )
        return entries


class RequestsEventHandler:
    """``linli.common.consumer.Handler`` for the requests topic."""

    def __init__(self, tasks: RequestTasks) -> None:
        self.tasks = tasks

    def __call__(self, envelope: Envelope) -> None:
        data = envelope.json()
        if not isinstance(data, dict):
            raise InvalidArgument("data: must be a JSON object", field="data")
        raw_snapshot = data.get("request")
        if raw_snapshot is None:
            return  # not about one request (e.g. a visit plan)
        if not isinstance(raw_snapshot, dict):
            raise InvalidArgument("request: must be a RequestSnapshot object", field="request")
        snapshot = _parse(raw_snapshot, requests_pb2.RequestSnapshot(), "request")
        facts = RequestFacts(
            request_id=snapshot.id or envelope.subject,
            status=_name(requests_pb2.RequestStatus, snapshot.status),
            assignee_kind=_name(requests_pb2.AssigneeKind, snapshot.assignee.kind),
            assignee_id=snapshot.assignee.id,
        )
        self.tasks.track(facts)
        if envelope.type == REQUEST_RESOLVED:
            resolved = _parse(data, requests_pb2.RequestResolved(), "resolution")
            resolution = resolved.resolution
            at = resolution.resolved_at.ToDatetime(tzinfo=UTC) if resolution.HasField("resolved_at") else envelope.time
            self.tasks.resolved(facts, envelope.id, resolution.hours, at)
        elif envelope.type == REQUEST_RATED:
            rated = _parse(data, requests_pb2.RequestRated(), "stars")
            self.tasks.rated(facts, envelope.id, rated.stars, envelope.time)


def _name(enum: Any, number: int) -> str:
    """The enum value's name; "" for a number newer than this service's generated code (a
    status added later is then "not holding", the safe reading for load)."""
    try:
        return str(enum.Name(number))
    except ValueError:
        return ""


def _parse(raw: dict[str, Any], message: M, field: str) -> M:
    try:
        return json_format.ParseDict(raw, message, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise InvalidArgument(f"not a {type(message).__name__} payload: {exc}", field=field) from exc


def make_consumer(
    *,
    bootstrap: str,
    group_id: str,
    topic: str,
    tasks: RequestTasks,
    processed: ProcessedEvents,
    dlq_producer: KafkaProducer,
    max_attempts: int,
    client_id: str,
) -> EventConsumer:
    """The consumer loop (commit after effect, dedupe by ce_id, DLQ, only the requests
    service's events) around the handler."""
    return EventConsumer(
        bootstrap=bootstrap,
        group_id=group_id,
        topics=[topic],
        handler=RequestsEventHandler(tasks),
        processed=processed,
        dlq_producer=dlq_producer,
        max_attempts=max_attempts,
        client_id=client_id,
        allowed_sources=(REQUESTS_SOURCE,),
        allowed_types=REQUESTS_TYPES,
    )
