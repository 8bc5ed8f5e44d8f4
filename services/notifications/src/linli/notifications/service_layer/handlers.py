"""Every command and query of the notifications service and the function that runs it
(``ApplyEvent``, the routing of incoming events, is in ``routing_handler``; bootstrap adds it).

A handler is ``handle(command, <dependencies>)``; the message bus (``bootstrap``) injects the
dependencies by parameter name:

- ``uow``: the kit's ``UnitOfWork`` over the repository and the read model;
- ``read_model``: the in-memory read model (``ReadModelQueries``);
- ``streams``: the live inbox hub (``subscribe(person_id)``);
- ``rules``: the routing rules in force (kinds, their channels);
- ``url_check``: checks a webhook URL against the operator's policy (raises InvalidArgument);
- ``webhook_sender``: sends a test delivery now;
- ``deliveries``: the delivery engine's queue (``submit(ids)``), for replays;
- ``new_secret``: makes a signing secret; ``clock``: the time now.

Access: inbox and preferences are the caller's own (anonymous callers get UNAUTHENTICATED);
operators (and the system) may read and change anyone's preferences. Subscriptions belong
to agencies: operators manage all of them, ``agency_admin@<agency id>`` those of that agency.
Dead letters are for operators. Refusals are raised before anything is written.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from linli.common import validation
from linli.common.commands import Actor
from linli.common.errors import Conflict, NotFound, PermissionDenied, Unauthenticated
from linli.common.ids import idempotent_id, new_id
from linli.common.paging import paginate
from linli.common.unit_of_work import UnitOfWork
from linli.notifications.domain import deliveries as domain_deliveries
from linli.notifications.domain.model import (
    LANGUAGES,
    Channel,
    Delivery,
    DeliveryStatus,
    InboxEntry,
    KindPreference,
    Message,
    Preferences,
    QuietHours,
    RoutingRule,
    Subscription,
)
from linli.notifications.service_layer import account_messages
from linli.notifications.service_layer import commands as c
from linli.notifications.service_layer.ports import ChannelSender

Clock = Callable[[], datetime]
UrlCheck = Callable[[str], str]

OPERATOR_ROLES = ("operator", "system")
AGENCY_ADMIN = "agency_admin"
SECRET_PREFIX = "whsec_"
DEFAULT_OVERLAP_SECONDS = 86_400
MAX_OVERLAP_SECONDS = 30 * 86_400
NAME_MAX_LENGTH = 200
EVENT_TYPE_MAX_LENGTH = 200
MAX_EVENT_TYPES = 50
MAX_MARK_READ = 500
EMAIL_MAX_LENGTH = 254
TEST_KIND = "notification.test"
TEST_EVENT_TYPE = "org.linli.notification.test.v1"

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_PHONE = re.compile(r"^\+?[0-9]{5,15}$")
_CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_EVENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*(\*|[a-z0-9])$|^\*$")


# -- ports this layer uses ------------------------------------------------------------------------


class ReadModelQueries(Protocol):
    def find(self, kind: type[Any], aggregate_id: str) -> Any: ...
    def inbox_of(self, person_id: str) -> Sequence[InboxEntry]: ...
    def entries_after(self, person_id: str, after: InboxEntry | None) -> Sequence[InboxEntry]: ...
    def unread_of(self, person_id: str) -> Sequence[InboxEntry]: ...
    def unread_count(self, person_id: str) -> int: ...
    def preferences_of(self, person_id: str) -> Preferences | None: ...
    def subscriptions(self, agency_id: str = "") -> Sequence[Subscription]: ...
    def dead_letters(self) -> Sequence[Delivery]: ...


class LiveInbox(Protocol):
    """One open stream: ``next(timeout)`` gives a new entry or None; ``closed`` when it ended."""

    closed: bool

    def next(self, timeout: float) -> InboxEntry | None: ...
    def close(self) -> None: ...


class StreamHub(Protocol):
    def subscribe(self, person_id: str) -> Any: ...


class DeliveryQueue(Protocol):
    """The delivery engine, as the handlers see it: committed deliveries to send."""

    def submit(self, delivery_ids: Iterable[str]) -> None: ...

    def replay(self, delivery_ids: Iterable[str]) -> None:
        """``submit`` for replayed dead letters (an open circuit lets a probe through now)."""
        ...


class CircuitStates(Protocol):
    """The engine's circuit breakers per endpoint (subscription id): when an open one retries."""

    def circuit_retry_at(self, endpoint: str) -> datetime | None: ...


def make_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


# -- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxPage:
    entries: Sequence[InboxEntry]
    next_page_token: str
    total_size: int
    unread_count: int


@dataclass(frozen=True, slots=True)
class MarkResult:
    marked: int
    unread_count: int


@dataclass(frozen=True, slots=True)
class InboxStream:
    """StreamInbox: ``backlog`` (entries after the resume point, oldest first) then ``live``;
    the servicer skips live entries already sent in the backlog (``seen``)."""

    backlog: Sequence[InboxEntry]
    live: Any  # LiveInbox
    seen: frozenset[str]


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    subscription: Subscription
    circuit_open: bool = False
    circuit_retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionWithSecret:
    """Create and rotate: the subscription and its new secret (shown only here)."""

    view: SubscriptionView
    secret: str


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[Any]
    next_page_token: str
    total_size: int


# -- access ------------------------------------------------------------------------------------------


def _person(actor: Actor) -> str:
    if actor.identity.anonymous:
        raise Unauthenticated("this call needs a signed-in caller")
    return actor.subject


def _is_operator(actor: Actor) -> bool:
    return any(grant.role in OPERATOR_ROLES and not grant.scope for grant in actor.identity.grants)


def _target_person(actor: Actor, person_id: str, what: str) -> str:
    """The caller, or (operators) the person named."""
    caller = _person(actor)
    wanted = validation.optional_identifier(person_id, "person_id") or caller
    if wanted != caller and not _is_operator(actor):
        raise PermissionDenied(f"only operators may {what} of another person", field="person_id")
    return wanted


def _require_operator(actor: Actor, what: str) -> None:
    _person(actor)
    if not _is_operator(actor):
        raise PermissionDenied(f"only operators may {what}")


def _agencies_of(actor: Actor) -> set[str]:
    return {scope for scope in actor.identity.scopes_for(AGENCY_ADMIN) if scope}


def _require_agency(actor: Actor, agency_id: str, what: str) -> None:
    _person(actor)
    if _is_operator(actor) or agency_id in _agencies_of(actor):
        return
    raise PermissionDenied(f"only operators and admins of agency {agency_id} may {what}", field="agency_id")


# -- look-ups ------------------------------------------------------------------------------------------


def _stored_subscription(read_model: ReadModelQueries, subscription_id: str) -> Subscription:
    identifier = validation.identifier(subscription_id, "subscription_id")
    found: Subscription | None = read_model.find(Subscription, identifier)
    if found is None or found.deleted:
        raise NotFound(f"subscription {identifier} does not exist", field="subscription_id")
    return found


def _check_version(expected: int, current: int, what: str) -> None:
    if expected < 0:
        raise validation.invalid("expected_version", "must not be negative")
    if expected and expected != current:
        raise Conflict(
            f"{what} is at version {current}, not {expected}: reload it and try again", field="expected_version"
        )


def _view(subscription: Subscription, circuits: CircuitStates | None, clock: Clock) -> SubscriptionView:
    retry_at = circuits.circuit_retry_at(subscription.id) if circuits is not None else None
    if retry_at is not None and retry_at <= clock():
        retry_at = None
    return SubscriptionView(subscription, retry_at is not None, retry_at)


# -- inbox ------------------------------------------------------------------------------------------------


def list_inbox(command: c.ListInbox, read_model: ReadModelQueries) -> InboxPage:
    person = _person(command.actor)
    entries = read_model.unread_of(person) if command.unread_only else read_model.inbox_of(person)
    page, token, total = paginate(entries, command.page_size, command.page_token)
    return InboxPage(page, token, total, read_model.unread_count(person))


def get_unread_count(command: c.GetUnreadCount, read_model: ReadModelQueries) -> int:
    return read_model.unread_count(_person(command.actor))


def mark_read(command: c.MarkRead, uow: UnitOfWork, read_model: ReadModelQueries, clock: Clock) -> MarkResult:
    person = _person(command.actor)
    ids = validation.identifier_list(command.entry_ids, "entry_ids", max_items=MAX_MARK_READ)
    if not ids:
        raise validation.invalid("entry_ids", "must name at least one entry")
    return _mark(uow, read_model, person, ids, clock)


def mark_all_read(command: c.MarkAllRead, uow: UnitOfWork, read_model: ReadModelQueries, clock: Clock) -> MarkResult:
    person = _person(command.actor)
    return _mark(uow, read_model, person, tuple(e.id for e in read_model.unread_of(person)), clock)


def _mark(uow: UnitOfWork, read_model: ReadModelQueries, person: str, ids: Sequence[str], clock: Clock) -> MarkResult:
    marked = 0
    with uow.start(f"inbox:{person}", *ids) as work:
        working: list[InboxEntry] = []
        for i, entry_id in enumerate(ids):
            found = work.get(InboxEntry, entry_id)
            if found is None or found.person_id != person:  # another's entry is not told apart
                raise NotFound(f"inbox entry {entry_id} does not exist", field=f"entry_ids[{i}]")
            working.append(found)
        now = clock()
        for entry in working:
            if entry.read_at is None:
                entry.read_at = now
                work.touch(entry)
                marked += 1
        work.commit()
    return MarkResult(marked, read_model.unread_count(person))


def stream_inbox(command: c.StreamInbox, read_model: ReadModelQueries, streams: StreamHub) -> InboxStream:
    person = _person(command.actor)
    after: InboxEntry | None = None
    if command.after_entry_id:
        entry_id = validation.identifier(command.after_entry_id, "after_entry_id")
        after = read_model.find(InboxEntry, entry_id)
        if after is None or after.person_id != person:
            raise NotFound(f"inbox entry {entry_id} does not exist", field="after_entry_id")
    live = streams.subscribe(person)  # first: nothing stored meanwhile is missed
    backlog = tuple(read_model.entries_after(person, after)) if after is not None else ()
    return InboxStream(backlog, live, frozenset(e.id for e in backlog))


# -- preferences ---------------------------------------------------------------------------------------------


def get_preferences(command: c.GetPreferences, read_model: ReadModelQueries) -> Preferences:
    person = _target_person(command.actor, command.person_id, "read the preferences")
    return read_model.preferences_of(person) or Preferences(id=person)


def _kinds(rules: Sequence[RoutingRule]) -> dict[str, RoutingRule]:
    return {rule.kind: rule for rule in rules}


def _clock_time(value: str, field: str) -> str:
    cleaned = value.strip()
    if not _CLOCK_TIME.match(cleaned):
        raise validation.invalid(field, f"{validation.echo(cleaned)} is not a time of day HH:MM (00:00-23:59)")
    return cleaned


def _email(value: str) -> str:
    cleaned = validation.text(value, "email", max_length=EMAIL_MAX_LENGTH)
    if cleaned and not _EMAIL.match(cleaned):
        raise validation.invalid("email", f"{validation.echo(cleaned)} is not an e-mail address")
    return cleaned


def _phone(value: str) -> str:
    cleaned = re.sub(r"[\s-]", "", validation.text(value, "phone", max_length=32))
    if cleaned and not _PHONE.match(cleaned):
        raise validation.invalid("phone", f"{validation.echo(value)} is not a phone number (digits, optional +)")
    return cleaned


def _kind_preferences(items: Sequence[KindPreference], rules: Sequence[RoutingRule]) -> tuple[KindPreference, ...]:
    known = _kinds(rules)
    if len(items) > len(known):
        raise validation.invalid("kinds", f"at most {len(known)} kinds (one per kind)")
    seen: set[str] = set()
    out: list[KindPreference] = []
    for i, item in enumerate(items):
        field = f"kinds[{i}]"
        kind = item.kind.strip()
        if kind not in known:
            raise validation.invalid(f"{field}.kind", f"{validation.echo(kind)} is not a notification kind")
        if kind in seen:
            raise validation.invalid(f"{field}.kind", f"{kind} is given twice")
        seen.add(kind)
        channels: list[Channel] = []
        for j, channel in enumerate(item.channels):
            if not isinstance(channel, Channel) or channel == Channel.WEBHOOK:
                raise validation.invalid(
                    f"{field}.channels[{j}]", f"{validation.echo(channel)} is not a person's channel"
                )
            if channel not in channels:
                channels.append(channel)
        out.append(dataclasses.replace(item, kind=kind, channels=tuple(channels)))
    return tuple(out)


def update_preferences(
    command: c.UpdatePreferences, uow: UnitOfWork, rules: Sequence[RoutingRule], clock: Clock
) -> Preferences:
    person = _target_person(command.actor, command.person_id, "change the preferences")
    language = command.language.strip()
    if language and language not in LANGUAGES:
        raise validation.invalid(
            "language", f"{validation.echo(language)} is not served (one of {', '.join(LANGUAGES)})"
        )
    email = _email(command.email)
    phone = _phone(command.phone)
    quiet: QuietHours | None = None
    if command.quiet_hours is not None and (command.quiet_hours.start or command.quiet_hours.end):
        start = _clock_time(command.quiet_hours.start, "quiet_hours.start")
        end = _clock_time(command.quiet_hours.end, "quiet_hours.end")
        if start == end:
            raise validation.invalid("quiet_hours", "start and end must differ")
        quiet = QuietHours(start, end)
    kinds = _kind_preferences(command.kinds, rules)
    with uow.start(person) as work:
        found = work.get(Preferences, person)
        _check_version(command.expected_version, found.version if found else 0, f"preferences of {person}")
        changed = Preferences(
            id=person,
            language=language or (found.language if found else Preferences(id=person).language),
            email=email,
            phone=phone,
            quiet_hours=quiet,
            kinds=kinds,
            updated_at=clock(),
            version=found.version if found else 0,
        )
        if found is None:
            work.add(changed)
        else:
            for field in ("language", "email", "phone", "quiet_hours", "kinds", "updated_at"):
                setattr(found, field, getattr(changed, field))
            work.touch(found)
            changed = found
        work.commit()
    return changed


# -- subscriptions ---------------------------------------------------------------------------------------------


def _name(value: str) -> str:
    return validation.text(value, "name", max_length=NAME_MAX_LENGTH, required=True)


def _event_types(values: Sequence[str]) -> tuple[str, ...]:
    if len(values) > MAX_EVENT_TYPES:
        raise validation.invalid("event_types", f"at most {MAX_EVENT_TYPES} items allowed, got {len(values)}")
    out: dict[str, None] = {}
    for i, value in enumerate(values):
        cleaned = value.strip()
        if len(cleaned) > EVENT_TYPE_MAX_LENGTH or not _EVENT_TYPE.match(cleaned) or "*" in cleaned[:-1]:
            raise validation.invalid(
                f"event_types[{i}]", f"{validation.echo(cleaned)} is not an event type (exact, or a prefix ending in *)"
            )
        out.setdefault(cleaned, None)
    return tuple(out)


def _url(url_check: UrlCheck, value: str) -> str:
    cleaned = validation.text(value, "url", max_length=2048, required=True)
    return url_check(cleaned)


@dataclass(frozen=True, slots=True)
class _Requested:
    agency_id: str
    name: str
    url: str
    event_types: tuple[str, ...]
    area_org_id: str


def create_subscription(
    command: c.CreateSubscription,
    uow: UnitOfWork,
    url_check: UrlCheck,
    new_secret: Callable[[], str],
    clock: Clock,
    circuits: CircuitStates | None = None,
) -> SubscriptionWithSecret:
    actor = command.actor
    agency_id = validation.identifier(command.agency_id, "agency_id")
    _require_agency(actor, agency_id, "create its subscriptions")
    key = validation.idempotency_key(command.idempotency_key)
    requested = _Requested(
        agency_id,
        _name(command.name),
        _url(url_check, command.url),
        _event_types(command.event_types),
        validation.optional_identifier(command.area_org_id, "area_org_id"),
    )
    subscription_id = idempotent_id("sub", actor.subject, key) if key else new_id("sub")
    with uow.start(subscription_id) as work:
        found = work.get(Subscription, subscription_id)
        if found is not None:  # a retry: the first result, if it asked the same
            first = _Requested(found.agency_id, found.name, found.url, found.event_types, found.area_org_id)
            if first != requested:
                raise Conflict("idempotency_key was used for a different subscription", field="idempotency_key")
            return SubscriptionWithSecret(_view(found, circuits, clock), found.secret)
        now = clock()
        subscription = Subscription(
            id=subscription_id,
            agency_id=requested.agency_id,
            name=requested.name,
            url=requested.url,
            secret=new_secret(),
            event_types=requested.event_types,
            area_org_id=requested.area_org_id,
            created_at=now,
            updated_at=now,
        )
        work.add(subscription)
        work.commit()
    return SubscriptionWithSecret(_view(subscription, circuits, clock), subscription.secret)


def get_subscription(
    command: c.GetSubscription, read_model: ReadModelQueries, clock: Clock, circuits: CircuitStates | None = None
) -> SubscriptionView:
    found = _stored_subscription(read_model, command.subscription_id)
    _require_agency(command.actor, found.agency_id, "see its subscriptions")
    return _view(found, circuits, clock)


def list_subscriptions(
    command: c.ListSubscriptions, read_model: ReadModelQueries, clock: Clock, circuits: CircuitStates | None = None
) -> Page:
    actor = command.actor
    _person(actor)
    agency_id = validation.optional_identifier(command.agency_id, "agency_id")
    if agency_id:
        _require_agency(actor, agency_id, "list its subscriptions")
        found = read_model.subscriptions(agency_id)
    elif _is_operator(actor):
        found = read_model.subscriptions()
    else:
        agencies = _agencies_of(actor)
        if not agencies:
            raise PermissionDenied("only operators and agency admins may list subscriptions")
        found = [s for s in read_model.subscriptions() if s.agency_id in agencies]
    page, token, total = paginate(found, command.page_size, command.page_token)
    return Page([_view(s, circuits, clock) for s in page], token, total)


def update_subscription(
    command: c.UpdateSubscription,
    uow: UnitOfWork,
    read_model: ReadModelQueries,
    url_check: UrlCheck,
    clock: Clock,
    circuits: CircuitStates | None = None,
) -> SubscriptionView:
    stored = _stored_subscription(read_model, command.subscription_id)
    _require_agency(command.actor, stored.agency_id, "change its subscriptions")
    if command.active not in (0, 1, 2):
        raise validation.invalid("active", f"must be 0 (keep), 1 (activate) or 2 (pause), got {command.active}")
    name = _name(command.name) if command.name.strip() else ""
    url = _url(url_check, command.url) if command.url.strip() else ""
    event_types = _event_types(command.event_types)
    area = validation.optional_identifier(command.area_org_id, "area_org_id")
    with uow.start(stored.id) as work:
        found = work.get(Subscription, stored.id)
        if found is None or found.deleted:
            raise NotFound(f"subscription {stored.id} does not exist", field="subscription_id")
        _check_version(command.expected_version, found.version, f"subscription {found.id}")
        found.name = name or found.name
        found.url = url or found.url
        found.event_types = event_types or found.event_types
        found.area_org_id = area or found.area_org_id
        if command.active:
            found.active = command.active == 1
        found.updated_at = clock()
        work.touch(found)
        work.commit()
    return _view(found, circuits, clock)


def delete_subscription(
    command: c.DeleteSubscription, uow: UnitOfWork, read_model: ReadModelQueries, clock: Clock
) -> SubscriptionView:
    stored = _stored_subscription(read_model, command.subscription_id)
    _require_agency(command.actor, stored.agency_id, "delete its subscriptions")
    with uow.start(stored.id) as work:
        found = work.get(Subscription, stored.id)
        if found is None or found.deleted:
            raise NotFound(f"subscription {stored.id} does not exist", field="subscription_id")
        _check_version(command.expected_version, found.version, f"subscription {found.id}")
        found.deleted, found.active, found.updated_at = True, False, clock()
        work.touch(found)
        work.commit()
    return SubscriptionView(found)


def rotate_subscription_secret(
    command: c.RotateSubscriptionSecret,
    uow: UnitOfWork,
    read_model: ReadModelQueries,
    new_secret: Callable[[], str],
    clock: Clock,
    circuits: CircuitStates | None = None,
) -> SubscriptionWithSecret:
    stored = _stored_subscription(read_model, command.subscription_id)
    _require_agency(command.actor, stored.agency_id, "rotate its secrets")
    overlap = command.overlap_seconds or DEFAULT_OVERLAP_SECONDS
    if not 0 < overlap <= MAX_OVERLAP_SECONDS:
        raise validation.invalid("overlap_seconds", f"must be between 1 and {MAX_OVERLAP_SECONDS}, got {overlap}")
    with uow.start(stored.id) as work:
        found = work.get(Subscription, stored.id)
        if found is None or found.deleted:
            raise NotFound(f"subscription {stored.id} does not exist", field="subscription_id")
        _check_version(command.expected_version, found.version, f"subscription {found.id}")
        now = clock()
        found.previous_secret = found.secret
        found.previous_secret_expires_at = now + timedelta(seconds=overlap)
        found.secret = new_secret()
        found.updated_at = now
        work.touch(found)
        work.commit()
    return SubscriptionWithSecret(_view(found, circuits, clock), found.secret)


def send_test_delivery(
    command: c.SendTestDelivery, read_model: ReadModelQueries, webhook_sender: ChannelSender, clock: Clock
) -> Delivery:
    """Sends a signed ``notification.test`` to the subscription now; not stored, not retried."""
    found = _stored_subscription(read_model, command.subscription_id)
    _require_agency(command.actor, found.agency_id, "test its subscriptions")
    now = clock()
    delivery_id = new_id("dlv")
    payload = {
        "type": TEST_EVENT_TYPE,
        "id": delivery_id,
        "subscriptionId": found.id,
        "agencyId": found.agency_id,
        "time": now.isoformat(),
    }
    delivery = Delivery(
        id=delivery_id,
        event_id=delivery_id,
        kind=TEST_KIND,
        channel=Channel.WEBHOOK,
        recipient_id=found.id,
        address=found.id,
        message=Message(kind=TEST_KIND, language="en", title="Linli test delivery", body="A test delivery."),
        created_at=now,
        payload=json.dumps(payload, separators=(",", ":")),
    )
    result = webhook_sender.send(delivery)
    delivery.attempts = 1
    delivery.last_status_code = result.status_code
    if result.ok:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, clock()
    else:
        delivery.status, delivery.last_error = DeliveryStatus.DEAD_LETTERED, result.error or "failed"
    return delivery


# -- operations ----------------------------------------------------------------------------------------------------


def list_dead_letters(command: c.ListDeadLetters, read_model: ReadModelQueries) -> Page:
    _require_operator(command.actor, "list dead letters")
    recipient = validation.optional_identifier(command.recipient_id, "recipient_id")
    found = [
        d
        for d in read_model.dead_letters()
        if (command.channel is None or d.channel == command.channel) and (not recipient or d.recipient_id == recipient)
    ]
    page, token, total = paginate(found, command.page_size, command.page_token)
    return Page(page, token, total)


def replay_dead_letter(
    command: c.ReplayDeadLetter, uow: UnitOfWork, deliveries: DeliveryQueue, clock: Clock
) -> Delivery:
    _require_operator(command.actor, "replay dead letters")
    delivery_id = validation.identifier(command.delivery_id, "delivery_id")
    with uow.start(delivery_id) as work:
        found = work.get(Delivery, delivery_id)
        if found is None:
            raise NotFound(f"delivery {delivery_id} does not exist", field="delivery_id")
        domain_deliveries.replay(found, clock())  # FailedPrecondition unless dead-lettered
        work.touch(found)
        work.commit()
    deliveries.replay([found.id])
    return found


def list_notification_kinds(command: c.ListNotificationKinds, rules: Sequence[RoutingRule]) -> Sequence[RoutingRule]:
    by_kind: dict[str, RoutingRule] = {}
    for rule in rules:  # one entry per kind: a kind's rules merged
        seen = by_kind.get(rule.kind)
        if seen is None:
            by_kind[rule.kind] = rule
        else:
            by_kind[rule.kind] = dataclasses.replace(
                seen,
                event_types=tuple(dict.fromkeys((*seen.event_types, *rule.event_types))),
                recipients=tuple(dict.fromkeys((*seen.recipients, *rule.recipients))),
            )
    return sorted(by_kind.values(), key=lambda r: r.kind)


HANDLERS: Mapping[type[Any], Callable[..., Any]] = {
    c.ListInbox: list_inbox,
    c.GetUnreadCount: get_unread_count,
    c.MarkRead: mark_read,
    c.MarkAllRead: mark_all_read,
    c.StreamInbox: stream_inbox,
    c.GetPreferences: get_preferences,
    c.UpdatePreferences: update_preferences,
    c.CreateSubscription: create_subscription,
    c.GetSubscription: get_subscription,
    c.ListSubscriptions: list_subscriptions,
    c.UpdateSubscription: update_subscription,
    c.DeleteSubscription: delete_subscription,
    c.RotateSubscriptionSecret: rotate_subscription_secret,
    c.SendTestDelivery: send_test_delivery,
    c.ListDeadLetters: list_dead_letters,
    c.ReplayDeadLetter: replay_dead_letter,
    c.ListNotificationKinds: list_notification_kinds,
    account_messages.SendAccountMessage: account_messages.send_account_message,
}
"""Every command but ``ApplyEvent`` (bootstrap adds the routing handler)."""
