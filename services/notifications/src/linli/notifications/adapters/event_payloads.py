"""The notifications service's own events on the wire: each typed delivery event of the
domain (``domain/events.py``: NotificationDelivered, NotificationFailed,
NotificationDeadLettered) becomes the kit's ``DomainEvent`` on ``linli.notifications.v1``,
keyed by the delivery id, with its payload in protobuf's JSON mapping of the message of the
same name (``linli/v1/notifications.proto``).

The repository calls ``encode`` as it writes a delivery with its outbox, so the domain never
sees the wire format. The topic, source and message names come from ``domain/events.py``
(which the AsyncAPI generator reads too).

An event carries what the message needs either as a ``delivery`` snapshot (a ``Delivery``
as it was when the event happened) or as flat fields of the same names (``delivery_id`` for
the id); ``at`` (or ``occurred_at``) is when it happened. Payloads leave out the defaults, as
protobuf's JSON printer does. The recipient's address and the message text are never in the
event (e-mail addresses and phones stay in the service).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from linli.common.domain_events import (
    DomainEvent,
    EventContext,
    JsonDict,
    compact,
    derived_event_id,
    event_header,
    timestamp_json,
)
from linli.notifications.domain import events as ev
from linli.notifications.domain.model import Channel, DeliveryStatus

TOPIC = ev.TOPIC
SOURCE = ev.SOURCE
EVENT_ID_NAMESPACE = uuid.UUID("6f1d2c84-9a3b-5e07-b1c4-2d8e5f7a9c13")

DELIVERED = ev.DELIVERED
FAILED = ev.FAILED
DEAD_LETTERED = ev.DEAD_LETTERED

#: CloudEvents type -> ``linli.v1`` message.
MESSAGE_OF_TYPE: dict[str, str] = ev.MESSAGE_OF_TYPE
#: domain event class name -> CloudEvents type.
TYPE_OF_EVENT: dict[str, str] = {message: ce_type for ce_type, message in MESSAGE_OF_TYPE.items()}

#: ``linli.v1.NotificationChannel`` and ``linli.v1.DeliveryStatus`` names.
CHANNEL_NAME: dict[Channel, str] = {c: f"NOTIFICATION_CHANNEL_{c.name}" for c in Channel}
STATUS_NAME: dict[DeliveryStatus, str] = {s: f"DELIVERY_STATUS_{s.name}" for s in DeliveryStatus}

_DELIVERY_FIELDS = (
    "event_id",
    "kind",
    "channel",
    "recipient_id",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "delivered_at",
    "last_status_code",
)


def _optional_time(value: datetime | None) -> str | None:
    return None if value is None else timestamp_json(value)


def delivery_json(values: dict[str, Any]) -> JsonDict:
    """``linli.v1.Delivery`` in the JSON mapping (defaults left out)."""
    channel = values.get("channel")
    status = values.get("status")
    return compact(
        {
            "id": values.get("id", ""),
            "eventId": values.get("event_id", ""),
            "kind": values.get("kind", ""),
            "channel": CHANNEL_NAME[Channel(channel)] if channel else None,
            "recipientId": values.get("recipient_id", ""),
            "status": STATUS_NAME[DeliveryStatus(status)] if status else None,
            "attempts": int(values.get("attempts") or 0),
            "lastError": values.get("last_error", ""),
            "nextAttemptAt": _optional_time(values.get("next_attempt_at")),
            "createdAt": _optional_time(values.get("created_at")),
            "deliveredAt": _optional_time(values.get("delivered_at")),
            "lastStatusCode": int(values.get("last_status_code") or 0),
        }
    )


def _values(event: Any) -> dict[str, Any]:
    """The delivery's fields as the event captured them."""
    snapshot: ev.DeliveryFacts | None = getattr(event, "delivery", None)
    if snapshot is not None:
        values = {name: getattr(snapshot, name) for name in _DELIVERY_FIELDS}
        values["id"] = snapshot.id
        values["version"] = snapshot.version
        return values
    values = {name: getattr(event, name, None) for name in _DELIVERY_FIELDS}
    values["id"] = getattr(event, "delivery_id", "") or getattr(event, "id", "")
    values["version"] = getattr(event, "version", 0)
    return values


def _time(event: Any, values: dict[str, Any]) -> datetime:
    found = getattr(event, "at", None) or getattr(event, "occurred_at", None)
    if found is None:
        found = values.get("delivered_at") or values.get("created_at")
    if not isinstance(found, datetime):
        raise TypeError(f"{type(event).__name__} carries no time ('at')")
    return found


def delivery_event(ce_type: str, event: Any) -> DomainEvent:
    values = _values(event)
    if ce_type == DELIVERED and not values.get("status"):
        values["status"] = DeliveryStatus.DELIVERED
    elif ce_type == DEAD_LETTERED and not values.get("status"):
        values["status"] = DeliveryStatus.DEAD_LETTERED
    delivery_id = str(values["id"])
    context: EventContext = getattr(event, "context", None) or EventContext()
    attempts = int(values.get("attempts") or 0)
    version = int(values.get("version") or 0)
    at = _time(event, values)
    payload: JsonDict = {"header": event_header(version or attempts, context), "delivery": delivery_json(values)}
    # the version the write gives the delivery names the change; without one, the attempt and
    # its time (attempts start over after a replay)
    discriminator = version or f"{attempts}@{timestamp_json(at)}"
    return DomainEvent(
        id=derived_event_id(EVENT_ID_NAMESPACE, ce_type, delivery_id, discriminator),
        type=ce_type,
        subject=delivery_id,
        time=at,
        payload=payload,
        topic=TOPIC,
        message_name=MESSAGE_OF_TYPE[ce_type],
    )


def encode(event: object) -> DomainEvent:
    """The CloudEvent of a domain event (a ``DomainEvent`` passes through)."""
    if isinstance(event, DomainEvent):
        return event
    ce_type = TYPE_OF_EVENT.get(type(event).__name__)
    if ce_type is None:
        raise TypeError(f"no encoder for event {type(event).__name__}")
    return delivery_event(ce_type, event)
