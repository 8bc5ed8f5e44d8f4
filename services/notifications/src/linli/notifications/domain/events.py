"""Domain events of the notifications service: what happened to a delivery, as typed values.

A delivery appends them to ``pending_events`` (``deliveries.record_attempt``); the
repository encodes them (``adapters.event_payloads``: protobuf's JSON mapping of the message
named in ``MESSAGE_OF_TYPE``) in the same write as the change, and the relay publishes them
on ``linli.notifications.v1``, keyed by the delivery id. Each event carries a snapshot of the
delivery as the change left it (``DeliveryFacts``, the fields of ``linli.v1.Delivery``, with
the version the write will give it), never the mutable aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from linli.common.domain_events import EventContext

from .model import Channel, Delivery, DeliveryStatus

__all__ = [
    "DEAD_LETTERED",
    "DELIVERED",
    "FAILED",
    "MESSAGE_OF_TYPE",
    "SOURCE",
    "TOPIC",
    "DeliveryEvent",
    "DeliveryFacts",
    "EventContext",
    "NotificationDeadLettered",
    "NotificationDelivered",
    "NotificationFailed",
]

#: CloudEvents ``source`` of everything this service publishes.
SOURCE = "/linli/notifications"
#: Kafka topic of this service's events.
TOPIC = "linli.notifications.v1"

DELIVERED = "org.linli.notification.delivered.v1"
FAILED = "org.linli.notification.failed.v1"
DEAD_LETTERED = "org.linli.notification.dead_lettered.v1"

#: Delivery attempts are the service's own doing: no caller.
NO_CONTEXT = EventContext()

#: ce_type -> name of the protobuf message (package linli.v1) carried as the value.
MESSAGE_OF_TYPE: dict[str, str] = {
    DELIVERED: "NotificationDelivered",
    FAILED: "NotificationFailed",
    DEAD_LETTERED: "NotificationDeadLettered",
}


@dataclass(frozen=True, slots=True)
class DeliveryFacts:
    """``linli.v1.Delivery`` as the change left it; ``version`` is the version it is written at."""

    id: str
    event_id: str
    kind: str
    channel: Channel
    recipient_id: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    last_status_code: int
    version: int

    @classmethod
    def of(cls, delivery: Delivery, version: int) -> DeliveryFacts:
        return cls(
            id=delivery.id,
            event_id=delivery.event_id,
            kind=delivery.kind,
            channel=delivery.channel,
            recipient_id=delivery.recipient_id,
            status=delivery.status,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            created_at=delivery.created_at,
            delivered_at=delivery.delivered_at,
            last_status_code=delivery.last_status_code,
            version=version,
        )


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    type: ClassVar[str]
    delivery: DeliveryFacts
    at: datetime
    context: EventContext = NO_CONTEXT

    @property
    def subject(self) -> str:
        return self.delivery.id

    @property
    def version(self) -> int:
        return self.delivery.version


@dataclass(frozen=True, slots=True)
class NotificationDelivered(DeliveryEvent):
    type: ClassVar[str] = DELIVERED


@dataclass(frozen=True, slots=True)
class NotificationFailed(DeliveryEvent):
    """One attempt failed; the delivery is retried at ``delivery.next_attempt_at``."""

    type: ClassVar[str] = FAILED


@dataclass(frozen=True, slots=True)
class NotificationDeadLettered(DeliveryEvent):
    """Every attempt failed (or one failed permanently): in the dead-letter store."""

    type: ClassVar[str] = DEAD_LETTERED


Event = NotificationDelivered | NotificationFailed | NotificationDeadLettered
