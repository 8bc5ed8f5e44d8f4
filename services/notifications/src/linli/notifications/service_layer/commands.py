"""Every use case of the notifications service as data: one frozen dataclass per command or
query, carrying its caller (``actor``, from the kit's ``Command``).

Entrypoints build them (the gRPC servicer from a request and ``Actor.current()``, the
consumers from an incoming event as the system, the timers as the system) and hand them to
the message bus; the handlers run them. Values arrive converted from protobuf (domain types)
but not yet validated: validation is the handlers' and the domain's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from linli.common.commands import Command
from linli.notifications.domain.model import Channel, EventFacts, KindPreference, QuietHours

# -- incoming events (the routing handler, service_layer/routing_handler.py) ----------------


@dataclass(frozen=True, kw_only=True)
class ApplyEvent(Command):
    """One incoming event, as facts: routed to its recipients, who get inbox entries and
    deliveries. ``public_payload`` is the public JSON an agency's webhook receives (empty when
    the event has no public form)."""

    facts: EventFacts
    public_payload: str = ""


@dataclass(frozen=True)
class Incoming:
    """One event of a batch: its facts and its public JSON ("" when none)."""

    facts: EventFacts
    public_payload: str = ""


@dataclass(frozen=True, kw_only=True)
class ApplyEvents(Command):
    """A poll's worth of incoming events, routed together so their inbox entries and
    deliveries are written in one insert per collection (``ApplyEvent`` for each, at once)."""

    events: tuple[Incoming, ...]


@dataclass(frozen=True, kw_only=True)
class ApplyResult:
    """What an ``ApplyEvent`` made: the new inbox entries and the new deliveries (the engine
    is handed those), and the kinds that matched. Entries and deliveries that already existed
    (the event arrived twice) are not listed."""

    inbox_entry_ids: tuple[str, ...] = ()
    delivery_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


# -- inbox (the caller's own) ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ListInbox(Command):
    """The caller's inbox, newest first, one page."""

    page_size: int = 0
    page_token: str = ""
    unread_only: bool = False


@dataclass(frozen=True, kw_only=True)
class GetUnreadCount(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class MarkRead(Command):
    """Marks the caller's entries read; an unknown id (or another person's) marks nothing."""

    entry_ids: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class MarkAllRead(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class StreamInbox(Command):
    """The caller's entries after ``after_entry_id`` (oldest first), then the live ones."""

    after_entry_id: str = ""


# -- preferences ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GetPreferences(Command):
    """Empty ``person_id`` means the caller."""

    person_id: str = ""


@dataclass(frozen=True, kw_only=True)
class UpdatePreferences(Command):
    """Replaces the person's preferences (empty ``person_id`` means the caller); an empty
    language keeps the current one."""

    person_id: str = ""
    expected_version: int = 0
    language: str = ""
    email: str = ""
    phone: str = ""
    quiet_hours: QuietHours | None = None
    kinds: tuple[KindPreference, ...] = ()


# -- webhook subscriptions --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateSubscription(Command):
    agency_id: str
    name: str
    url: str
    event_types: tuple[str, ...] = ()
    area_org_id: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True, kw_only=True)
class GetSubscription(Command):
    subscription_id: str


@dataclass(frozen=True, kw_only=True)
class ListSubscriptions(Command):
    """Empty ``agency_id``: every agency's (operators) or the caller's agencies'."""

    agency_id: str = ""
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, kw_only=True)
class UpdateSubscription(Command):
    """Changes the fields given: empty strings and an empty ``event_types`` keep the current
    values; ``active`` 0 keeps, 1 activates, 2 pauses."""

    subscription_id: str
    expected_version: int = 0
    name: str = ""
    url: str = ""
    event_types: tuple[str, ...] = ()
    area_org_id: str = ""
    active: int = 0


@dataclass(frozen=True, kw_only=True)
class DeleteSubscription(Command):
    subscription_id: str
    expected_version: int = 0


@dataclass(frozen=True, kw_only=True)
class RotateSubscriptionSecret(Command):
    """``overlap_seconds`` 0 means one day."""

    subscription_id: str
    expected_version: int = 0
    overlap_seconds: int = 0


@dataclass(frozen=True, kw_only=True)
class SendTestDelivery(Command):
    subscription_id: str


# -- operations -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ListDeadLetters(Command):
    channel: Channel | None = None
    recipient_id: str = ""
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, kw_only=True)
class ReplayDeadLetter(Command):
    delivery_id: str


@dataclass(frozen=True, kw_only=True)
class ListNotificationKinds(Command):
    pass
