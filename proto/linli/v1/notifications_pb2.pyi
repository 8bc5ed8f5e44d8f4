import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from linli.v1 import common_pb2 as _common_pb2
from linli.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_CHANNEL_UNSPECIFIED: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_INBOX: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_EMAIL: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_SMS: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_WEBHOOK: _ClassVar[NotificationChannel]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PENDING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_RETRYING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DEAD_LETTERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SKIPPED: _ClassVar[DeliveryStatus]
NOTIFICATION_CHANNEL_UNSPECIFIED: NotificationChannel
NOTIFICATION_CHANNEL_INBOX: NotificationChannel
NOTIFICATION_CHANNEL_EMAIL: NotificationChannel
NOTIFICATION_CHANNEL_SMS: NotificationChannel
NOTIFICATION_CHANNEL_WEBHOOK: NotificationChannel
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_PENDING: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_RETRYING: DeliveryStatus
DELIVERY_STATUS_DEAD_LETTERED: DeliveryStatus
DELIVERY_STATUS_SKIPPED: DeliveryStatus

class InboxEntry(_message.Message):
    __slots__ = ("id", "person_id", "kind", "event_id", "subject_id", "title", "body", "link", "language", "urgent", "created_at", "read_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    URGENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    READ_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    person_id: str
    kind: str
    event_id: str
    subject_id: str
    title: str
    body: str
    link: str
    language: str
    urgent: bool
    created_at: _timestamp_pb2.Timestamp
    read_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., person_id: _Optional[str] = ..., kind: _Optional[str] = ..., event_id: _Optional[str] = ..., subject_id: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., link: _Optional[str] = ..., language: _Optional[str] = ..., urgent: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QuietHours(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class KindPreference(_message.Message):
    __slots__ = ("kind", "channels", "digest", "muted")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    channels: _containers.RepeatedScalarFieldContainer[NotificationChannel]
    digest: bool
    muted: bool
    def __init__(self, kind: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[NotificationChannel, str]]] = ..., digest: _Optional[bool] = ..., muted: _Optional[bool] = ...) -> None: ...

class Preferences(_message.Message):
    __slots__ = ("person_id", "language", "email", "phone", "quiet_hours", "kinds", "version", "updated_at")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    language: str
    email: str
    phone: str
    quiet_hours: QuietHours
    kinds: _containers.RepeatedCompositeFieldContainer[KindPreference]
    version: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, person_id: _Optional[str] = ..., language: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., quiet_hours: _Optional[_Union[QuietHours, _Mapping]] = ..., kinds: _Optional[_Iterable[_Union[KindPreference, _Mapping]]] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Subscription(_message.Message):
    __slots__ = ("id", "agency_id", "name", "url", "event_types", "area_org_id", "active", "previous_secret_expires_at", "circuit_open", "circuit_retry_at", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    AREA_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_OPEN_FIELD_NUMBER: _ClassVar[int]
    CIRCUIT_RETRY_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    agency_id: str
    name: str
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    area_org_id: str
    active: bool
    previous_secret_expires_at: _timestamp_pb2.Timestamp
    circuit_open: bool
    circuit_retry_at: _timestamp_pb2.Timestamp
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., agency_id: _Optional[str] = ..., name: _Optional[str] = ..., url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., area_org_id: _Optional[str] = ..., active: _Optional[bool] = ..., previous_secret_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., circuit_open: _Optional[bool] = ..., circuit_retry_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("id", "event_id", "kind", "channel", "recipient_id", "status", "attempts", "last_error", "next_attempt_at", "created_at", "delivered_at", "last_status_code")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    id: str
    event_id: str
    kind: str
    channel: NotificationChannel
    recipient_id: str
    status: DeliveryStatus
    attempts: int
    last_error: str
    next_attempt_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    delivered_at: _timestamp_pb2.Timestamp
    last_status_code: int
    def __init__(self, id: _Optional[str] = ..., event_id: _Optional[str] = ..., kind: _Optional[str] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., recipient_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_status_code: _Optional[int] = ...) -> None: ...

class NotificationKind(_message.Message):
    __slots__ = ("kind", "event_types", "recipients", "default_channels", "urgent")
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    URGENT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    recipients: _containers.RepeatedScalarFieldContainer[str]
    default_channels: _containers.RepeatedScalarFieldContainer[NotificationChannel]
    urgent: bool
    def __init__(self, kind: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., recipients: _Optional[_Iterable[str]] = ..., default_channels: _Optional[_Iterable[_Union[NotificationChannel, str]]] = ..., urgent: _Optional[bool] = ...) -> None: ...

class ListInboxRequest(_message.Message):
    __slots__ = ("page", "unread_only")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    unread_only: bool
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., unread_only: _Optional[bool] = ...) -> None: ...

class ListInboxResponse(_message.Message):
    __slots__ = ("entries", "page", "unread_count")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[InboxEntry]
    page: _common_pb2.PageInfo
    unread_count: int
    def __init__(self, entries: _Optional[_Iterable[_Union[InboxEntry, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ..., unread_count: _Optional[int] = ...) -> None: ...

class GetUnreadCountRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnreadCount(_message.Message):
    __slots__ = ("unread_count",)
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    unread_count: int
    def __init__(self, unread_count: _Optional[int] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("entry_ids",)
    ENTRY_IDS_FIELD_NUMBER: _ClassVar[int]
    entry_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, entry_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MarkAllReadRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("marked", "unread_count")
    MARKED_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    marked: int
    unread_count: int
    def __init__(self, marked: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class StreamInboxRequest(_message.Message):
    __slots__ = ("after_entry_id",)
    AFTER_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    after_entry_id: str
    def __init__(self, after_entry_id: _Optional[str] = ...) -> None: ...

class GetPreferencesRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class UpdatePreferencesRequest(_message.Message):
    __slots__ = ("person_id", "expected_version", "language", "email", "phone", "quiet_hours", "kinds")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    QUIET_HOURS_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    expected_version: int
    language: str
    email: str
    phone: str
    quiet_hours: QuietHours
    kinds: _containers.RepeatedCompositeFieldContainer[KindPreference]
    def __init__(self, person_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., language: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., quiet_hours: _Optional[_Union[QuietHours, _Mapping]] = ..., kinds: _Optional[_Iterable[_Union[KindPreference, _Mapping]]] = ...) -> None: ...

class CreateSubscriptionRequest(_message.Message):
    __slots__ = ("agency_id", "name", "url", "event_types", "area_org_id", "idempotency_key")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    AREA_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    name: str
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    area_org_id: str
    idempotency_key: str
    def __init__(self, agency_id: _Optional[str] = ..., name: _Optional[str] = ..., url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., area_org_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription", "secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class ListSubscriptionsRequest(_message.Message):
    __slots__ = ("agency_id", "page")
    AGENCY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    agency_id: str
    page: _common_pb2.PageRequest
    def __init__(self, agency_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions", "page")
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[Subscription]
    page: _common_pb2.PageInfo
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[Subscription, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class UpdateSubscriptionRequest(_message.Message):
    __slots__ = ("subscription_id", "expected_version", "name", "url", "event_types", "area_org_id", "active")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    AREA_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    expected_version: int
    name: str
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    area_org_id: str
    active: int
    def __init__(self, subscription_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., name: _Optional[str] = ..., url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., area_org_id: _Optional[str] = ..., active: _Optional[int] = ...) -> None: ...

class DeleteSubscriptionRequest(_message.Message):
    __slots__ = ("subscription_id", "expected_version")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    expected_version: int
    def __init__(self, subscription_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class RotateSubscriptionSecretRequest(_message.Message):
    __slots__ = ("subscription_id", "expected_version", "overlap_seconds")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    expected_version: int
    overlap_seconds: int
    def __init__(self, subscription_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., overlap_seconds: _Optional[int] = ...) -> None: ...

class RotateSubscriptionSecretResponse(_message.Message):
    __slots__ = ("subscription", "secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class SendTestDeliveryRequest(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("channel", "recipient_id", "page")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    channel: NotificationChannel
    recipient_id: str
    page: _common_pb2.PageRequest
    def __init__(self, channel: _Optional[_Union[NotificationChannel, str]] = ..., recipient_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("deliveries", "page")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    page: _common_pb2.PageInfo
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ReplayDeadLetterRequest(_message.Message):
    __slots__ = ("delivery_id",)
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    def __init__(self, delivery_id: _Optional[str] = ...) -> None: ...

class ListNotificationKindsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListNotificationKindsResponse(_message.Message):
    __slots__ = ("kinds",)
    KINDS_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedCompositeFieldContainer[NotificationKind]
    def __init__(self, kinds: _Optional[_Iterable[_Union[NotificationKind, _Mapping]]] = ...) -> None: ...

class NotificationDelivered(_message.Message):
    __slots__ = ("header", "delivery")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    delivery: Delivery
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class NotificationFailed(_message.Message):
    __slots__ = ("header", "delivery")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    delivery: Delivery
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class NotificationDeadLettered(_message.Message):
    __slots__ = ("header", "delivery")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    header: _events_pb2.EventHeader
    delivery: Delivery
    def __init__(self, header: _Optional[_Union[_events_pb2.EventHeader, _Mapping]] = ..., delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class SendAccountMessageRequest(_message.Message):
    __slots__ = ("kind", "channel", "address", "language", "link")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    kind: str
    channel: NotificationChannel
    address: str
    language: str
    link: str
    def __init__(self, kind: _Optional[str] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., address: _Optional[str] = ..., language: _Optional[str] = ..., link: _Optional[str] = ...) -> None: ...

class SendAccountMessageResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: NotificationChannel
    def __init__(self, channel: _Optional[_Union[NotificationChannel, str]] = ...) -> None: ...
