"""Deliveries and inbox entries: derived ids, creation, and the delivery state machine.

Ids are derived from what they are about, so the same event applied twice (a redelivered
Kafka record, a restart in the middle of a batch) makes the same ids and the handler finds
them instead of making doubles: ``delivery_id(event, recipient, channel)``,
``inbox_entry_id(event, person)``.

A delivery's life::

    PENDING --ok--> DELIVERED
    PENDING/RETRYING --failure--> RETRYING (next_attempt_at = now + backoff)   NotificationFailed
                     --failure, permanent or attempts used up--> DEAD_LETTERED NotificationDeadLettered
                     --ok--> DELIVERED                                          NotificationDelivered
    DEAD_LETTERED --replay--> PENDING (attempts start over)

Attempts on a delivered or dead-lettered delivery are refused (FailedPrecondition): the
engine must not send it again. ``replay`` raises no event (the proto has none for it): the
handler marks the working copy changed (``work.touch``).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from linli.common.errors import FailedPrecondition

from .events import DeliveryFacts, NotificationDeadLettered, NotificationDelivered, NotificationFailed
from .model import Channel, Delivery, DeliveryStatus, EventFacts, InboxEntry, Message, SendResult
from .retry import RetryPolicy

#: Namespace of derived ids; fixed forever so ids stay stable across deployments.
ID_NAMESPACE = uuid.UUID("5d0f3c1e-7a42-5b8e-9f13-2c6b8e4a7d90")
ERROR_LIMIT = 500

ACTIVE = frozenset({DeliveryStatus.PENDING, DeliveryStatus.RETRYING})


def _derived(*parts: str) -> str:
    return uuid.uuid5(ID_NAMESPACE, "|".join(parts)).hex


def delivery_id(event_id: str, recipient_id: str, channel: Channel | str) -> str:
    """``dlv_`` + uuid5 of (event, recipient, channel): one delivery per triple, ever."""
    return "dlv_" + _derived("delivery", event_id, recipient_id, str(channel))


def inbox_entry_id(event_id: str, person_id: str, kind: str = "") -> str:
    """``inb_`` + uuid5 of (event, person[, kind]). Two rules of one event that reach the same
    person as different kinds pass ``kind`` so each makes its entry."""
    return "inb_" + _derived("inbox", event_id, person_id, *([kind] if kind else []))


def new_delivery(
    *,
    event_id: str,
    kind: str,
    channel: Channel,
    recipient_id: str,
    address: str,
    message: Message,
    now: datetime,
    urgent: bool = False,
    payload: str = "",
    not_before: datetime | None = None,
    delivery_key: str = "",
) -> Delivery:
    """A PENDING delivery, due at ``not_before`` (end of quiet hours) or now. ``delivery_key``
    replaces the recipient in the derived id when one recipient may get several deliveries
    of one event on one channel (two rules)."""
    return Delivery(
        id=delivery_id(event_id, delivery_key or recipient_id, channel),
        event_id=event_id,
        kind=kind,
        channel=channel,
        recipient_id=recipient_id,
        address=address,
        message=message,
        created_at=now,
        urgent=urgent,
        payload=payload,
        next_attempt_at=not_before if not_before is not None and not_before > now else now,
    )


def new_inbox_entry(
    *, entry_id: str, person_id: str, facts: EventFacts, message: Message, urgent: bool, now: datetime
) -> InboxEntry:
    return InboxEntry(
        id=entry_id,
        person_id=person_id,
        kind=message.kind,
        event_id=facts.event_id,
        subject_id=facts.subject_id,
        title=message.title,
        body=message.body,
        link=message.link,
        language=message.language,
        urgent=urgent,
        created_at=now,
    )


def is_due(delivery: Delivery, now: datetime) -> bool:
    """Active and its time has come."""
    return delivery.status in ACTIVE and (delivery.next_attempt_at is None or delivery.next_attempt_at <= now)


def record_attempt(
    delivery: Delivery, result: SendResult, now: datetime, policy: RetryPolicy, rng: random.Random
) -> None:
    """Applies one attempt's outcome (see the module docstring) and appends its event."""
    if delivery.status not in ACTIVE:
        raise FailedPrecondition(f"delivery {delivery.id} is {delivery.status.value}: it is not sent again")
    delivery.attempts += 1
    delivery.last_status_code = result.status_code
    if result.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        event: NotificationDelivered | NotificationFailed | NotificationDeadLettered = NotificationDelivered(
            DeliveryFacts.of(delivery, delivery.version + 1), now
        )
    else:
        delivery.last_error = (result.error or f"status {result.status_code}")[:ERROR_LIMIT]
        if result.permanent or policy.exhausted(delivery.attempts):
            delivery.status = DeliveryStatus.DEAD_LETTERED
            delivery.next_attempt_at = None
            event = NotificationDeadLettered(DeliveryFacts.of(delivery, delivery.version + 1), now)
        else:
            delivery.status = DeliveryStatus.RETRYING
            wait = policy.delay(delivery.attempts, result.retry_after, rng)
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            event = NotificationFailed(DeliveryFacts.of(delivery, delivery.version + 1), now)
    delivery.pending_events.append(event)


def replay(delivery: Delivery, now: datetime) -> None:
    """Queues a dead-lettered delivery again, its attempts starting over; FailedPrecondition
    for any other status (already replayed, delivered, still trying)."""
    if delivery.status is not DeliveryStatus.DEAD_LETTERED:
        raise FailedPrecondition(
            f"delivery_id: delivery {delivery.id} is {delivery.status.value}, only dead letters can be replayed"
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.last_error = ""
    delivery.last_status_code = 0
