"""The notifications domain: what happened (EventFacts), who hears it as what (routing),
what they get (messages in their language) and how it reaches them (deliveries per channel).

Pure Python: the adapters turn the other services' CloudEvents into ``EventFacts`` and the
aggregates into documents; nothing here knows protobuf, JSON mappings, SMTP or HTTP.

Aggregates (each stored as one document with its events, through the kit's unit of work):
- ``Delivery``: one (event, recipient, channel) for e-mail, SMS or a webhook; its id is
  derived from those three, so the same event arriving twice makes the same delivery.
- ``InboxEntry``: one message in a person's in-app inbox (id derived the same way).
- ``Preferences``: a person's language, addresses, quiet hours and per-kind choices.
- ``Subscription``: an agency's webhook endpoint with its signing secrets.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Channel(enum.StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    DEAD_LETTERED = "dead_lettered"
    SKIPPED = "skipped"


LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"


@dataclass(frozen=True, slots=True)
class HandlerRef:
    """Who handles a request: a volunteer, team, unit or department (kind) and its id."""

    kind: str
    id: str


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What the routing rules need to know of one incoming event, in domain terms.

    ``people`` names person ids by their part in the event ("requester", "followers",
    "signed_up", "volunteer", ...); ``volunteer_ids`` names volunteer ids by part
    ("candidates"), resolved to person ids through the people directory; ``handlers`` names
    handler references by part ("handler", "transfer_receiver", "parties"). ``org_path`` is
    the place's organisation path (street, community, grid owner...), used for role lookups
    and for agencies' area filters. ``values`` are template values (public title, status,
    deadline, points...): never contact details or free text that was not published.
    """

    event_id: str
    event_type: str
    source: str
    subject_id: str
    occurred_at: datetime
    community_id: str = ""
    street_id: str = ""
    grid_id: str = ""
    org_path: tuple[str, ...] = ()
    department_id: str = ""
    people: dict[str, tuple[str, ...]] = field(default_factory=dict)
    volunteer_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    handlers: dict[str, tuple[HandlerRef, ...]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """One rule, kept as data (``routing_rules.json``): events of ``event_types`` notify the
    ``recipients`` selectors as ``kind``, on ``channels`` unless a person chose otherwise."""

    kind: str
    event_types: tuple[str, ...]
    recipients: tuple[str, ...]
    channels: tuple[Channel, ...] = (Channel.INBOX,)
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """A rendered message: the same content for every channel of one recipient."""

    kind: str
    language: str
    title: str
    body: str
    html: str = ""
    link: str = ""


@dataclass
class InboxEntry:
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
    created_at: datetime
    read_at: datetime | None = None
    version: int = 0
    pending_events: list[Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window in the city's local time ("HH:MM"), possibly across midnight."""

    start: str
    end: str


@dataclass(frozen=True, slots=True)
class KindPreference:
    kind: str
    channels: tuple[Channel, ...] = ()
    digest: bool = False
    muted: bool = False


@dataclass
class Preferences:
    id: str  # the person id
    language: str = DEFAULT_LANGUAGE
    email: str = ""
    phone: str = ""
    quiet_hours: QuietHours | None = None
    kinds: tuple[KindPreference, ...] = ()
    updated_at: datetime | None = None
    version: int = 0
    pending_events: list[Any] = field(default_factory=list)


@dataclass
class Subscription:
    id: str
    agency_id: str
    name: str
    url: str
    secret: str  # "whsec_..."
    event_types: tuple[str, ...] = ()
    area_org_id: str = ""
    active: bool = True
    previous_secret: str = ""
    previous_secret_expires_at: datetime | None = None
    deleted: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0
    pending_events: list[Any] = field(default_factory=list)


@dataclass
class Delivery:
    """One (event, recipient, channel) for an external channel, from creation to delivered
    or dead-lettered. ``address`` is where it goes (e-mail address, phone, subscription id)
    as it was when the delivery was made; ``payload`` is what a webhook POSTs (the public
    event JSON, built by an adapter) and is empty for e-mail and SMS."""

    id: str
    event_id: str
    kind: str
    channel: Channel
    recipient_id: str
    address: str
    message: Message
    created_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    urgent: bool = False
    payload: str = ""
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    last_status_code: int = 0
    delivered_at: datetime | None = None
    version: int = 0
    pending_events: list[Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one attempt on a channel came to. ``retry_after`` is the receiver's
    ``Retry-After`` in seconds when it gave one; ``permanent`` failures are not retried."""

    ok: bool
    status_code: int = 0
    error: str = ""
    retry_after: float | None = None
    permanent: bool = False
