"""Translation between protobuf messages and domain values, both directions.

Outgoing messages are built field by field (the results are small: a page of entries, one
subscription); secrets never leave through here except where the API shows them once (the
create and rotate responses, built by the servicer). Incoming: channels by enum number
(UNSPECIFIED and unknown numbers are refused naming the field), quiet hours, kind choices.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from google.protobuf import timestamp_pb2

from linli.common.validation import invalid
from linli.notifications.domain.model import (
    Channel,
    Delivery,
    DeliveryStatus,
    InboxEntry,
    KindPreference,
    Preferences,
    QuietHours,
    RoutingRule,
)
from linli.notifications.service_layer.handlers import SubscriptionView
from linli.v1 import notifications_pb2 as pb

#: ``linli.v1.NotificationChannel`` numbers, both ways.
CHANNEL_NUMBER: dict[Channel, int] = {
    Channel.INBOX: pb.NOTIFICATION_CHANNEL_INBOX,
    Channel.EMAIL: pb.NOTIFICATION_CHANNEL_EMAIL,
    Channel.SMS: pb.NOTIFICATION_CHANNEL_SMS,
    Channel.WEBHOOK: pb.NOTIFICATION_CHANNEL_WEBHOOK,
}
CHANNEL_OF_NUMBER: dict[int, Channel] = {number: channel for channel, number in CHANNEL_NUMBER.items()}
STATUS_NUMBER: dict[DeliveryStatus, int] = {
    DeliveryStatus.PENDING: pb.DELIVERY_STATUS_PENDING,
    DeliveryStatus.DELIVERED: pb.DELIVERY_STATUS_DELIVERED,
    DeliveryStatus.RETRYING: pb.DELIVERY_STATUS_RETRYING,
    DeliveryStatus.DEAD_LETTERED: pb.DELIVERY_STATUS_DEAD_LETTERED,
    DeliveryStatus.SKIPPED: pb.DELIVERY_STATUS_SKIPPED,
}


def _ts(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


# -- out ----------------------------------------------------------------------------------------


def inbox_entry(value: InboxEntry) -> pb.InboxEntry:
    return pb.InboxEntry(
        id=value.id,
        person_id=value.person_id,
        kind=value.kind,
        event_id=value.event_id,
        subject_id=value.subject_id,
        title=value.title,
        body=value.body,
        link=value.link,
        language=value.language,
        urgent=value.urgent,
        created_at=_ts(value.created_at),
        read_at=_ts(value.read_at),
    )


def preferences(value: Preferences) -> pb.Preferences:
    return pb.Preferences(
        person_id=value.id,
        language=value.language,
        email=value.email,
        phone=value.phone,
        quiet_hours=pb.QuietHours(start=value.quiet_hours.start, end=value.quiet_hours.end)
        if value.quiet_hours
        else None,
        kinds=[
            pb.KindPreference(
                kind=k.kind,
                channels=[CHANNEL_NUMBER[ch] for ch in k.channels],  # type: ignore[misc]
                digest=k.digest,
                muted=k.muted,
            )
            for k in value.kinds
        ],
        version=value.version,
        updated_at=_ts(value.updated_at),
    )


def subscription(view: SubscriptionView) -> pb.Subscription:
    value = view.subscription
    expires = value.previous_secret_expires_at if value.previous_secret else None
    return pb.Subscription(
        id=value.id,
        agency_id=value.agency_id,
        name=value.name,
        url=value.url,
        event_types=list(value.event_types),
        area_org_id=value.area_org_id,
        active=value.active,
        previous_secret_expires_at=_ts(expires),
        circuit_open=view.circuit_open,
        circuit_retry_at=_ts(view.circuit_retry_at),
        version=value.version,
        created_at=_ts(value.created_at),
        updated_at=_ts(value.updated_at),
    )


def delivery(value: Delivery) -> pb.Delivery:
    return pb.Delivery(
        id=value.id,
        event_id=value.event_id,
        kind=value.kind,
        channel=CHANNEL_NUMBER[value.channel],  # type: ignore[arg-type]
        recipient_id=value.recipient_id,
        status=STATUS_NUMBER[value.status],  # type: ignore[arg-type]
        attempts=value.attempts,
        last_error=value.last_error,
        next_attempt_at=_ts(value.next_attempt_at),
        created_at=_ts(value.created_at),
        delivered_at=_ts(value.delivered_at),
        last_status_code=value.last_status_code,
    )


def notification_kind(rule: RoutingRule) -> pb.NotificationKind:
    return pb.NotificationKind(
        kind=rule.kind,
        event_types=list(rule.event_types),
        recipients=list(rule.recipients),
        default_channels=[CHANNEL_NUMBER[ch] for ch in rule.channels],  # type: ignore[misc]
        urgent=rule.urgent,
    )


# -- in -----------------------------------------------------------------------------------------------


def channel(number: int, field: str) -> Channel:
    found = CHANNEL_OF_NUMBER.get(number)
    if found is None:
        raise invalid(field, f"{number} is not a notification channel")
    return found


def optional_channel(number: int, field: str) -> Channel | None:
    return None if number == pb.NOTIFICATION_CHANNEL_UNSPECIFIED else channel(number, field)


def quiet_hours(request: pb.UpdatePreferencesRequest) -> QuietHours | None:
    if not request.HasField("quiet_hours"):
        return None
    return QuietHours(start=request.quiet_hours.start, end=request.quiet_hours.end)


def kind_preferences(values: Iterable[pb.KindPreference]) -> tuple[KindPreference, ...]:
    return tuple(
        KindPreference(
            kind=item.kind,
            channels=tuple(channel(n, f"kinds[{i}].channels[{j}]") for j, n in enumerate(item.channels)),
            digest=item.digest,
            muted=item.muted,
        )
        for i, item in enumerate(values)
    )
