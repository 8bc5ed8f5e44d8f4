"""Every command and query handler of the notifications service (but ApplyEvent's routing,
test_apply_event.py), driven through the message bus on in-memory fakes: a repository
recording each write, the real read model and inbox hub, a fake URL check, webhook sender
and delivery queue. Refusals write nothing and leave the read model as it was."""

from __future__ import annotations

import base64
import copy
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.protobuf import json_format

from linli.common.commands import Actor, Command
from linli.common.errors import (
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from linli.common.identity import Identity
from linli.common.messagebus import MessageBus
from linli.common.paging import decode_token
from linli.common.unit_of_work import UnitOfWork
from linli.notifications.adapters import event_payloads
from linli.notifications.adapters.read_models import InboxStreams, ReadModel
from linli.notifications.bootstrap import message_bus
from linli.notifications.domain import events as ev
from linli.notifications.domain.model import (
    Channel,
    Delivery,
    DeliveryStatus,
    EventFacts,
    InboxEntry,
    KindPreference,
    Message,
    Preferences,
    QuietHours,
    RoutingRule,
    SendResult,
)
from linli.notifications.service_layer import commands as c
from linli.notifications.service_layer.handlers import HANDLERS, InboxStream, SubscriptionWithSecret, make_secret
from linli.v1 import notifications_pb2

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)

RULES = (
    RoutingRule(kind="offer.made", event_types=("org.linli.request.offered.v1",), recipients=("candidates",)),
    RoutingRule(
        kind="request.resolved",
        event_types=("org.linli.request.resolved.v1",),
        recipients=("requester", "followers"),
        channels=(Channel.INBOX, Channel.EMAIL),
    ),
    RoutingRule(
        kind="deadline.breached",
        event_types=("org.linli.request.deadline_breached.v1",),
        recipients=("handler",),
        urgent=True,
    ),
    RoutingRule(
        kind="request.resolved",
        event_types=("org.linli.request.closed.v1",),
        recipients=("agencies",),
        channels=(Channel.WEBHOOK,),
    ),
)


def actor(subject: str, *roles: str) -> Actor:
    return Actor(identity=Identity.of(subject, roles), request_id="req-1")


ALICE = actor("person-alice")
BOB = actor("person-bob")
OPERATOR = actor("op-1", "operator")
AGENCY = "org_agency"
AGENCY_ADMIN = actor("person-admin", f"agency_admin@{AGENCY}")
OTHER_ADMIN = actor("person-other", "agency_admin@org_other")
ANONYMOUS = Actor()


# -- fakes ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    op: str
    aggregate_id: str
    version: int
    event_types: tuple[str, ...]


class FakeRepository:
    """Version-checked writes as the kit's repository makes them (add at 1, save at +1),
    events encoded by the service's own encoder."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.documents: dict[str, Any] = {}
        self.writes: list[Write] = []
        self.events: list[Any] = []
        self.fail_next = False

    def _written(self, op: str, aggregate: Any) -> None:
        events = [event_payloads.encode(e) for e in aggregate.pending_events]
        self.events += events
        self.writes.append(Write(op, aggregate.id, aggregate.version, tuple(e.type for e in events)))
        aggregate.pending_events.clear()
        self.documents[aggregate.id] = copy.deepcopy(aggregate)

    def add(self, aggregate: Any) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("database down")
        if aggregate.id in self.versions:
            raise AlreadyExists(f"{aggregate.id} exists")
        aggregate.version = self.versions[aggregate.id] = 1
        self._written("add", aggregate)

    def save(self, aggregate: Any, expected_version: int) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("database down")
        if self.versions.get(aggregate.id) != expected_version:
            raise Conflict(f"{aggregate.id} is not at version {expected_version}")
        aggregate.version = self.versions[aggregate.id] = expected_version + 1
        self._written("save", aggregate)


class FakeSender:
    channel = Channel.WEBHOOK

    def __init__(self) -> None:
        self.sent: list[Delivery] = []
        self.result = SendResult(ok=True, status_code=204)

    def send(self, delivery: Delivery) -> SendResult:
        self.sent.append(delivery)
        return self.result


class FakeQueue:
    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, delivery_ids: Any) -> None:
        self.submitted += list(delivery_ids)

    def replay(self, delivery_ids: Any) -> None:
        self.replayed = [*getattr(self, "replayed", []), *delivery_ids]
        self.submit(delivery_ids)


class FakeCircuits:
    def __init__(self) -> None:
        self.open: dict[str, datetime] = {}

    def circuit_retry_at(self, endpoint: str) -> datetime | None:
        return self.open.get(endpoint)


def fake_url_check(url: str) -> str:
    if not url.startswith("https://") or "internal" in url:
        raise InvalidArgument(f"url: {url!r} is not an allowed https URL", field="url")
    return url


@dataclass
class App:
    bus: MessageBus
    repository: FakeRepository
    read_model: ReadModel
    sender: FakeSender
    queue: FakeQueue
    circuits: FakeCircuits
    now: list[datetime] = field(default_factory=lambda: [NOW])
    secrets_made: int = 0

    def handle(self, command: Any) -> Any:
        return self.bus.handle(command)

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now[0] += timedelta(seconds=seconds)
        return self.now[0]

    def snapshot(self) -> tuple[int, dict[str, Any]]:
        return len(self.repository.writes), copy.deepcopy(self.repository.documents)


def make_app(inbox_limit: int = 500) -> App:
    repository = FakeRepository()
    read_model = ReadModel(inbox_limit=inbox_limit, streams=InboxStreams(queue_size=10))
    sender, queue, circuits = FakeSender(), FakeQueue(), FakeCircuits()
    now = [NOW]
    counter = iter(range(1, 1_000_000))

    def secret() -> str:
        return "whsec_" + base64.b64encode(next(counter).to_bytes(32, "big")).decode()

    bus = message_bus(
        repository=repository,
        read_model=read_model,
        rules=RULES,
        url_check=fake_url_check,
        webhook_sender=sender,
        deliveries=queue,
        circuits=circuits,
        clock=lambda: now[0],
        new_secret=secret,
    )
    return App(bus, repository, read_model, sender, queue, circuits, now)


@pytest.fixture
def app() -> App:
    return make_app()


def store(app: App, *aggregates: Any) -> None:
    """Stores aggregates as the routing handler or the engine would (through the unit of work)."""
    with UnitOfWork(app.repository, app.read_model).start(*(a.id for a in aggregates)) as work:
        for aggregate in aggregates:
            work.add(aggregate)
        work.commit()


def entry(n: int, person: str = "person-alice", *, read: bool = False, minutes: int | None = None) -> InboxEntry:
    created = NOW - timedelta(minutes=100 - (n if minutes is None else minutes))
    return InboxEntry(
        id=f"inb_{n:04d}",
        person_id=person,
        kind="request.resolved",
        event_id=f"evt-{n}",
        subject_id=f"req-{n}",
        title=f"Request {n} resolved",
        body="Your request was resolved.",
        link=f"http://127.0.0.1:8080/requests/req-{n}",
        language="en",
        urgent=False,
        created_at=created,
        read_at=created if read else None,
    )


def delivery(
    n: int, status: DeliveryStatus = DeliveryStatus.DEAD_LETTERED, channel: Channel = Channel.EMAIL
) -> Delivery:
    return Delivery(
        id=f"dlv_{n:04d}",
        event_id=f"evt-{n}",
        kind="request.resolved",
        channel=channel,
        recipient_id="person-alice" if channel != Channel.WEBHOOK else "sub_1",
        address="alice@example.org",
        message=Message(kind="request.resolved", language="en", title="t", body="b"),
        created_at=NOW - timedelta(minutes=100 - n),
        status=status,
        attempts=8 if status == DeliveryStatus.DEAD_LETTERED else 0,
        last_error="SMTP 451" if status == DeliveryStatus.DEAD_LETTERED else "",
    )


def refused(app: App, command: Any, error: type[Exception]) -> Exception:
    """The command fails with ``error`` and nothing is written."""
    before = app.snapshot()
    with pytest.raises(error) as raised:
        app.handle(command)
    assert app.snapshot() == before
    return raised.value


def test_every_command_but_apply_event_has_a_handler() -> None:
    commands = {
        v
        for v in vars(c).values()
        if isinstance(v, type) and issubclass(v, Command) and v not in (Command, c.ApplyEvent, c.ApplyEvents)
    }
    assert commands <= set(HANDLERS)


# -- inbox --------------------------------------------------------------------------------------------------


def test_list_inbox_newest_first_with_page_tokens_and_unread_count(app: App) -> None:
    store(app, *(entry(n, read=n % 3 == 0) for n in range(1, 8)), entry(50, "person-bob"))
    first = app.handle(c.ListInbox(actor=ALICE, page_size=3))
    assert [e.id for e in first.entries] == ["inb_0007", "inb_0006", "inb_0005"]
    assert first.total_size == 7 and first.unread_count == 5
    second = app.handle(c.ListInbox(actor=ALICE, page_size=3, page_token=first.next_page_token))
    assert [e.id for e in second.entries] == ["inb_0004", "inb_0003", "inb_0002"]
    last = app.handle(c.ListInbox(actor=ALICE, page_size=3, page_token=second.next_page_token))
    assert [e.id for e in last.entries] == ["inb_0001"] and last.next_page_token == ""
    unread = app.handle(c.ListInbox(actor=ALICE, unread_only=True))
    assert [e.id for e in unread.entries] == ["inb_0007", "inb_0005", "inb_0004", "inb_0002", "inb_0001"]
    assert app.handle(c.ListInbox(actor=BOB)).total_size == 1
    assert app.handle(c.GetUnreadCount(actor=ALICE)) == 5
    assert app.handle(c.GetUnreadCount(actor=actor("person-nobody"))) == 0


def test_inbox_calls_need_a_caller_and_valid_page_input(app: App) -> None:
    for command in (
        c.ListInbox(actor=ANONYMOUS),
        c.GetUnreadCount(actor=ANONYMOUS),
        c.MarkRead(actor=ANONYMOUS, entry_ids=("inb_0001",)),
        c.MarkAllRead(actor=ANONYMOUS),
        c.StreamInbox(actor=ANONYMOUS),
        c.GetPreferences(actor=ANONYMOUS),
        c.UpdatePreferences(actor=ANONYMOUS, language="en"),
    ):
        refused(app, command, Unauthenticated)
    assert "page_token" in str(refused(app, c.ListInbox(actor=ALICE, page_token="garbage!"), InvalidArgument))
    refused(app, c.ListInbox(actor=ALICE, page_size=-1), InvalidArgument)


def test_mark_read_marks_the_callers_entries_once(app: App) -> None:
    store(app, entry(1), entry(2), entry(3, read=True))
    result = app.handle(c.MarkRead(actor=ALICE, entry_ids=("inb_0001", "inb_0003")))
    assert (result.marked, result.unread_count) == (1, 1)
    assert app.read_model.find(InboxEntry, "inb_0001").read_at == NOW  # type: ignore[union-attr]
    assert app.repository.writes[-1] == Write("save", "inb_0001", 2, ())
    again = app.handle(c.MarkRead(actor=ALICE, entry_ids=("inb_0001",)))
    assert (again.marked, again.unread_count) == (0, 1)


def test_mark_read_of_unknown_or_someone_elses_entry_marks_nothing(app: App) -> None:
    store(app, entry(1), entry(2), entry(9, "person-bob"))
    error = refused(app, c.MarkRead(actor=ALICE, entry_ids=("inb_0001", "inb_0404")), NotFound)
    assert getattr(error, "field", "") == "entry_ids[1]"
    refused(app, c.MarkRead(actor=ALICE, entry_ids=("inb_0001", "inb_0009")), NotFound)
    refused(app, c.MarkRead(actor=ALICE, entry_ids=()), InvalidArgument)
    refused(app, c.MarkRead(actor=ALICE, entry_ids=("bad id",)), InvalidArgument)
    assert app.handle(c.GetUnreadCount(actor=ALICE)) == 2
    assert app.handle(c.GetUnreadCount(actor=BOB)) == 1


def test_mark_all_read(app: App) -> None:
    store(app, entry(1), entry(2), entry(3, read=True), entry(9, "person-bob"))
    result = app.handle(c.MarkAllRead(actor=ALICE))
    assert (result.marked, result.unread_count) == (2, 0)
    assert app.handle(c.GetUnreadCount(actor=BOB)) == 1
    assert app.handle(c.MarkAllRead(actor=ALICE)).marked == 0


def test_a_failed_write_leaves_the_read_model_as_it_was(app: App) -> None:
    store(app, entry(1))
    app.repository.fail_next = True
    with pytest.raises(ConnectionError):
        app.handle(c.MarkAllRead(actor=ALICE))
    assert app.handle(c.GetUnreadCount(actor=ALICE)) == 1


def test_stream_inbox_sends_the_entries_after_the_resume_point_then_live_ones(app: App) -> None:
    store(app, entry(1), entry(2), entry(3), entry(9, "person-bob"))
    stream: InboxStream = app.handle(c.StreamInbox(actor=ALICE, after_entry_id="inb_0001"))
    assert [e.id for e in stream.backlog] == ["inb_0002", "inb_0003"]
    store(app, entry(4), entry(10, "person-bob"))
    live = stream.live.next(1.0)
    assert live.id == "inb_0004"
    assert stream.live.next(0.01) is None
    stream.live.close()
    fresh: InboxStream = app.handle(c.StreamInbox(actor=ALICE))
    assert fresh.backlog == ()
    app.read_model.streams.close()
    assert fresh.live.next(1.0) is None and fresh.live.closed
    refused(app, c.StreamInbox(actor=ALICE, after_entry_id="inb_0009"), NotFound)
    refused(app, c.StreamInbox(actor=ALICE, after_entry_id="inb_0404"), NotFound)


def test_a_slow_stream_is_ended_not_grown() -> None:
    app = make_app()
    stream: InboxStream = app.handle(c.StreamInbox(actor=ALICE))
    store(app, *(entry(n) for n in range(1, 20)))  # queue holds 10
    received = []
    while (got := stream.live.next(0.01)) is not None:
        received.append(got)
    assert len(received) == 10 and stream.live.closed


def test_the_inbox_in_memory_is_bounded_per_person() -> None:
    app = make_app(inbox_limit=5)
    store(app, *(entry(n) for n in range(1, 9)))
    listed = app.handle(c.ListInbox(actor=ALICE))
    assert [e.id for e in listed.entries] == ["inb_0008", "inb_0007", "inb_0006", "inb_0005", "inb_0004"]
    assert listed.unread_count == 5
    assert app.read_model.find(InboxEntry, "inb_0001") is None  # stored, not held
    assert "inb_0001" in app.repository.documents


# -- preferences -------------------------------------------------------------------------------------------


def test_preferences_default_then_round_trip(app: App) -> None:
    assert app.handle(c.GetPreferences(actor=ALICE)) == Preferences(id="person-alice")
    kinds = (
        KindPreference("offer.made", (Channel.SMS, Channel.INBOX, Channel.SMS)),
        KindPreference("request.resolved", digest=True),
    )
    saved = app.handle(
        c.UpdatePreferences(
            actor=ALICE,
            language="en",
            email=" alice@example.org ",
            phone="+86 138-0000-1111",
            quiet_hours=QuietHours("22:00", "07:00"),
            kinds=kinds,
        )
    )
    assert (saved.language, saved.email, saved.phone, saved.version) == ("en", "alice@example.org", "+8613800001111", 1)
    assert saved.kinds[0].channels == (Channel.SMS, Channel.INBOX)
    assert app.handle(c.GetPreferences(actor=ALICE)) == saved
    changed = app.handle(c.UpdatePreferences(actor=ALICE, expected_version=1, email="a@b.cn"))
    assert (changed.language, changed.email, changed.quiet_hours, changed.kinds, changed.version) == (
        "en",
        "a@b.cn",
        None,
        (),
        2,
    )
    assert [w.op for w in app.repository.writes] == ["add", "save"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "x" * 300 + "@example.org"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"quiet_hours": QuietHours("22:00", "25:00")}, "quiet_hours.end"),
        ({"quiet_hours": QuietHours("7", "08:00")}, "quiet_hours.start"),
        ({"quiet_hours": QuietHours("08:00", "08:00")}, "quiet_hours"),
        ({"kinds": (KindPreference("no.such_kind"),)}, "kinds[0].kind"),
        ({"kinds": (KindPreference("offer.made"), KindPreference("offer.made"))}, "kinds[1].kind"),
        ({"kinds": (KindPreference("offer.made", (Channel.WEBHOOK,)),)}, "kinds[0].channels[0]"),
    ],
)
def test_bad_preferences_are_refused_by_field(app: App, values: dict[str, Any], field: str) -> None:
    error = refused(app, c.UpdatePreferences(actor=ALICE, **values), InvalidArgument)
    assert getattr(error, "field", "") == field
    assert app.read_model.preferences_of("person-alice") is None


def test_preferences_of_others_are_for_operators_and_versions_are_checked(app: App) -> None:
    refused(app, c.GetPreferences(actor=BOB, person_id="person-alice"), PermissionDenied)
    refused(app, c.UpdatePreferences(actor=BOB, person_id="person-alice", language="en"), PermissionDenied)
    made = app.handle(c.UpdatePreferences(actor=OPERATOR, person_id="person-alice", language="en"))
    assert made.id == "person-alice"
    assert app.handle(c.GetPreferences(actor=OPERATOR, person_id="person-alice")).language == "en"
    refused(app, c.UpdatePreferences(actor=ALICE, expected_version=7, language="zh-CN"), Conflict)
    refused(app, c.UpdatePreferences(actor=BOB, expected_version=1, language="en"), Conflict)  # none stored yet
    assert app.read_model.preferences_of("person-alice").language == "en"  # type: ignore[union-attr]


# -- subscriptions ------------------------------------------------------------------------------------------


def create(app: App, who: Actor = AGENCY_ADMIN, key: str = "k1", **overrides: Any) -> SubscriptionWithSecret:
    values: dict[str, Any] = {
        "agency_id": AGENCY,
        "name": "Red Cross feed",
        "url": "https://hooks.example.org/linli",
        "event_types": ("org.linli.request.*",),
        "area_org_id": "org_street",
        "idempotency_key": key,
    }
    values.update(overrides)
    made: SubscriptionWithSecret = app.handle(c.CreateSubscription(actor=who, **values))
    return made


def test_create_subscription_shows_a_standard_webhooks_secret(app: App) -> None:
    made = create(app)
    assert made.secret.startswith("whsec_") and len(base64.b64decode(made.secret[6:])) == 32
    sub = made.view.subscription
    assert (sub.agency_id, sub.url, sub.event_types, sub.active, sub.version) == (
        AGENCY,
        "https://hooks.example.org/linli",
        ("org.linli.request.*",),
        True,
        1,
    )
    assert app.repository.writes == [Write("add", sub.id, 1, ())]


def test_the_real_secret_maker_uses_32_random_bytes() -> None:
    one, two = make_secret(), make_secret()
    assert one != two and one.startswith("whsec_") and len(base64.b64decode(one.removeprefix("whsec_"))) == 32


def test_create_subscription_retry_returns_the_first_result_and_a_changed_retry_is_aborted(app: App) -> None:
    first = create(app)
    again = create(app)
    assert again.view.subscription.id == first.view.subscription.id and again.secret == first.secret
    assert len(app.repository.writes) == 1
    refused(
        app,
        c.CreateSubscription(
            actor=AGENCY_ADMIN,
            agency_id=AGENCY,
            name="Other",
            url="https://hooks.example.org/linli",
            idempotency_key="k1",
        ),
        Conflict,
    )
    other_caller = create(app, who=OPERATOR)  # the key is scoped to the caller
    assert other_caller.view.subscription.id != first.view.subscription.id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": "http://hooks.example.org"}, "url"),
        ({"url": "https://internal.example"}, "url"),
        ({"url": ""}, "url"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"event_types": ("org.linli.*.v1",)}, "event_types[0]"),
        ({"event_types": ("Bad Type",)}, "event_types[0]"),
        ({"event_types": tuple(f"t{n}" for n in range(51))}, "event_types"),
        ({"agency_id": "bad id"}, "agency_id"),
        ({"area_org_id": "bad id"}, "area_org_id"),
        ({"idempotency_key": "k" * 201}, "idempotency_key"),
    ],
)
def test_bad_subscriptions_are_refused(app: App, overrides: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"agency_id": AGENCY, "name": "Feed", "url": "https://hooks.example.org/x"}
    values.update(overrides)
    error = refused(app, c.CreateSubscription(actor=OPERATOR, **values), InvalidArgument)
    assert getattr(error, "field", "") == field
    assert app.read_model.subscriptions() == []


def test_subscriptions_belong_to_operators_and_the_agencys_admins(app: App) -> None:
    refused(
        app,
        c.CreateSubscription(actor=OTHER_ADMIN, agency_id=AGENCY, name="x", url="https://a.example"),
        PermissionDenied,
    )
    refused(
        app, c.CreateSubscription(actor=ALICE, agency_id=AGENCY, name="x", url="https://a.example"), PermissionDenied
    )
    refused(
        app, c.CreateSubscription(actor=ANONYMOUS, agency_id=AGENCY, name="x", url="https://a.example"), Unauthenticated
    )
    sub = create(app).view.subscription
    app.tick()
    other = create(app, who=OPERATOR, agency_id="org_other", key="k2").view.subscription
    assert app.handle(c.GetSubscription(actor=AGENCY_ADMIN, subscription_id=sub.id)).subscription == sub
    refused(app, c.GetSubscription(actor=OTHER_ADMIN, subscription_id=sub.id), PermissionDenied)
    refused(app, c.GetSubscription(actor=OPERATOR, subscription_id="sub_nope"), NotFound)
    assert [v.subscription.id for v in app.handle(c.ListSubscriptions(actor=OPERATOR)).items] == [sub.id, other.id]
    assert [v.subscription.id for v in app.handle(c.ListSubscriptions(actor=AGENCY_ADMIN)).items] == [sub.id]
    assert [v.subscription.id for v in app.handle(c.ListSubscriptions(actor=OTHER_ADMIN)).items] == [other.id]
    refused(app, c.ListSubscriptions(actor=OTHER_ADMIN, agency_id=AGENCY), PermissionDenied)
    refused(app, c.ListSubscriptions(actor=ALICE), PermissionDenied)
    page = app.handle(c.ListSubscriptions(actor=OPERATOR, page_size=1))
    assert page.total_size == 2 and decode_token(page.next_page_token) == 1


def test_update_subscription_changes_what_is_given_and_checks_the_version(app: App) -> None:
    sub = create(app).view.subscription
    changed = app.handle(
        c.UpdateSubscription(actor=AGENCY_ADMIN, subscription_id=sub.id, expected_version=1, name="Renamed", active=2)
    ).subscription
    assert (changed.name, changed.url, changed.active, changed.version) == ("Renamed", sub.url, False, 2)
    refused(
        app,
        c.UpdateSubscription(actor=AGENCY_ADMIN, subscription_id=sub.id, expected_version=1, name="Stale"),
        Conflict,
    )
    refused(
        app,
        c.UpdateSubscription(actor=AGENCY_ADMIN, subscription_id=sub.id, url="http://plain.example"),
        InvalidArgument,
    )
    refused(app, c.UpdateSubscription(actor=AGENCY_ADMIN, subscription_id=sub.id, active=3), InvalidArgument)
    refused(app, c.UpdateSubscription(actor=OTHER_ADMIN, subscription_id=sub.id, name="x"), PermissionDenied)
    resumed = app.handle(
        c.UpdateSubscription(
            actor=OPERATOR, subscription_id=sub.id, active=1, event_types=("org.linli.request.resolved.v1",)
        )
    )
    assert resumed.subscription.active and resumed.subscription.event_types == ("org.linli.request.resolved.v1",)
    assert resumed.subscription.name == "Renamed"


def test_circuit_state_is_shown_with_the_subscription(app: App) -> None:
    sub = create(app).view.subscription
    app.circuits.open[sub.id] = NOW + timedelta(seconds=60)
    shown = app.handle(c.GetSubscription(actor=OPERATOR, subscription_id=sub.id))
    assert shown.circuit_open and shown.circuit_retry_at == NOW + timedelta(seconds=60)
    app.tick(61)
    assert not app.handle(c.GetSubscription(actor=OPERATOR, subscription_id=sub.id)).circuit_open


def test_delete_subscription(app: App) -> None:
    sub = create(app).view.subscription
    refused(app, c.DeleteSubscription(actor=AGENCY_ADMIN, subscription_id=sub.id, expected_version=9), Conflict)
    deleted = app.handle(c.DeleteSubscription(actor=AGENCY_ADMIN, subscription_id=sub.id, expected_version=1))
    assert deleted.subscription.deleted and not deleted.subscription.active
    refused(app, c.GetSubscription(actor=OPERATOR, subscription_id=sub.id), NotFound)
    refused(app, c.DeleteSubscription(actor=OPERATOR, subscription_id=sub.id), NotFound)
    assert app.handle(c.ListSubscriptions(actor=OPERATOR)).items == []


def test_rotate_secret_keeps_the_previous_one_during_the_overlap(app: App) -> None:
    made = create(app)
    rotated = app.handle(
        c.RotateSubscriptionSecret(actor=AGENCY_ADMIN, subscription_id=made.view.subscription.id, expected_version=1)
    )
    sub = rotated.view.subscription
    assert rotated.secret != made.secret and sub.secret == rotated.secret
    assert sub.previous_secret == made.secret and sub.previous_secret_expires_at == NOW + timedelta(days=1)
    short = app.handle(c.RotateSubscriptionSecret(actor=OPERATOR, subscription_id=sub.id, overlap_seconds=60))
    assert short.view.subscription.previous_secret == rotated.secret
    assert short.view.subscription.previous_secret_expires_at == NOW + timedelta(seconds=60)
    refused(
        app, c.RotateSubscriptionSecret(actor=OPERATOR, subscription_id=sub.id, overlap_seconds=-1), InvalidArgument
    )
    refused(app, c.RotateSubscriptionSecret(actor=OPERATOR, subscription_id=sub.id, expected_version=2), Conflict)
    refused(app, c.RotateSubscriptionSecret(actor=OTHER_ADMIN, subscription_id=sub.id), PermissionDenied)


def test_send_test_delivery_sends_now_and_reports(app: App) -> None:
    sub = create(app).view.subscription
    sent = app.handle(c.SendTestDelivery(actor=AGENCY_ADMIN, subscription_id=sub.id))
    assert (sent.status, sent.attempts, sent.kind, sent.recipient_id, sent.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        "notification.test",
        sub.id,
        204,
    )
    assert app.sender.sent[0].address == sub.id and '"subscriptionId"' in app.sender.sent[0].payload
    app.sender.result = SendResult(ok=False, status_code=500, error="HTTP 500")
    failed = app.handle(c.SendTestDelivery(actor=OPERATOR, subscription_id=sub.id))
    assert failed.status == DeliveryStatus.DEAD_LETTERED and failed.last_error == "HTTP 500"
    assert len(app.repository.writes) == 1 and app.queue.submitted == []  # not stored, not queued
    refused(app, c.SendTestDelivery(actor=OTHER_ADMIN, subscription_id=sub.id), PermissionDenied)
    refused(app, c.SendTestDelivery(actor=OPERATOR, subscription_id="sub_nope"), NotFound)


# -- operations ----------------------------------------------------------------------------------------------


def test_dead_letters_are_listed_for_operators(app: App) -> None:
    store(
        app,
        delivery(1),
        delivery(2, channel=Channel.WEBHOOK),
        delivery(3, DeliveryStatus.RETRYING),
        delivery(4, DeliveryStatus.DELIVERED),
    )
    listed = app.handle(c.ListDeadLetters(actor=OPERATOR))
    assert [d.id for d in listed.items] == ["dlv_0002", "dlv_0001"]
    assert [d.id for d in app.handle(c.ListDeadLetters(actor=OPERATOR, channel=Channel.EMAIL)).items] == ["dlv_0001"]
    assert [d.id for d in app.handle(c.ListDeadLetters(actor=OPERATOR, recipient_id="sub_1")).items] == ["dlv_0002"]
    refused(app, c.ListDeadLetters(actor=ALICE), PermissionDenied)
    refused(app, c.ListDeadLetters(actor=actor("x", "operator@org_street")), PermissionDenied)  # scoped: not global
    assert [d.id for d in app.read_model.pending_deliveries()] == ["dlv_0003"]


def test_replay_dead_letter_requeues_it(app: App) -> None:
    store(app, delivery(1), delivery(3, DeliveryStatus.RETRYING))
    replayed = app.handle(c.ReplayDeadLetter(actor=OPERATOR, delivery_id="dlv_0001"))
    assert replayed.status == DeliveryStatus.PENDING and replayed.attempts == 0
    assert app.queue.submitted == ["dlv_0001"]
    assert app.handle(c.ListDeadLetters(actor=OPERATOR)).items == []
    assert {d.id for d in app.read_model.pending_deliveries()} == {"dlv_0001", "dlv_0003"}
    refused(app, c.ReplayDeadLetter(actor=OPERATOR, delivery_id="dlv_0001"), FailedPrecondition)
    refused(app, c.ReplayDeadLetter(actor=OPERATOR, delivery_id="dlv_0404"), NotFound)
    refused(app, c.ReplayDeadLetter(actor=ALICE, delivery_id="dlv_0003"), PermissionDenied)
    assert app.queue.submitted == ["dlv_0001"]


def test_list_notification_kinds_one_per_kind(app: App) -> None:
    kinds = app.handle(c.ListNotificationKinds(actor=ANONYMOUS))
    assert [k.kind for k in kinds] == ["deadline.breached", "offer.made", "request.resolved"]
    resolved = kinds[2]
    assert resolved.event_types == ("org.linli.request.resolved.v1", "org.linli.request.closed.v1")
    assert resolved.recipients == ("requester", "followers", "agencies")


# -- the events of a delivery, on the wire -----------------------------------------------------------------------


def test_delivery_events_are_the_protos_json_mapping() -> None:
    done = delivery(1, DeliveryStatus.DELIVERED)
    done.delivered_at, done.attempts, done.last_status_code = NOW, 2, 250
    event = event_payloads.encode(ev.NotificationDelivered(ev.DeliveryFacts.of(done, 3), NOW))
    assert (event.type, event.subject, event.topic) == (
        "org.linli.notification.delivered.v1",
        "dlv_0001",
        "linli.notifications.v1",
    )
    parsed = json_format.ParseDict(event.payload, notifications_pb2.NotificationDelivered())
    assert parsed.delivery.status == notifications_pb2.DELIVERY_STATUS_DELIVERED
    assert parsed.delivery.channel == notifications_pb2.NOTIFICATION_CHANNEL_EMAIL
    assert parsed.delivery.attempts == 2 and parsed.delivery.last_status_code == 250
    assert "address" not in str(event.payload) and "alice@" not in str(event.payload)
    gone = delivery(9, channel=Channel.SMS)
    dead = event_payloads.encode(ev.NotificationDeadLettered(ev.DeliveryFacts.of(gone, 9), NOW))
    parsed_dead = json_format.ParseDict(dead.payload, notifications_pb2.NotificationDeadLettered())
    assert parsed_dead.delivery.status == notifications_pb2.DELIVERY_STATUS_DEAD_LETTERED
    assert parsed_dead.delivery.id == "dlv_0009" and parsed_dead.delivery.attempts == 8
    assert parsed_dead.header.aggregate_version == 9
    assert event_payloads.encode(ev.NotificationDelivered(ev.DeliveryFacts.of(done, 3), NOW)).id == event.id
    assert event_payloads.encode(ev.NotificationDelivered(ev.DeliveryFacts.of(done, 4), NOW)).id != event.id
    with pytest.raises(TypeError):
        event_payloads.encode(object())


def test_concurrent_mark_read_and_new_entries_keep_the_count_right(app: App) -> None:
    store(app, *(entry(n) for n in range(1, 41)))

    def mark(n: int) -> None:
        app.handle(c.MarkRead(actor=ALICE, entry_ids=(f"inb_{n:04d}",)))

    threads = [threading.Thread(target=mark, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    store(app, *(entry(n) for n in range(41, 51)))
    for thread in threads:
        thread.join()
    assert app.handle(c.GetUnreadCount(actor=ALICE)) == 30
    assert app.handle(c.ListInbox(actor=ALICE, unread_only=True)).total_size == 30


# -- ApplyEvent through the bus: the engine is handed the new deliveries ---------------------------------------


class FakeTemplates:
    def render(self, kind: str, language: str, values: dict[str, str], link: str, *, html: bool = True) -> Message:
        return Message(kind=kind, language=language, title=f"{kind}: {values.get('title', '')}", body="b", link=link)


def test_apply_event_hands_new_deliveries_to_the_engine_once() -> None:
    repository, read_model, queue = FakeRepository(), ReadModel(), FakeQueue()
    bus = message_bus(
        repository=repository,
        read_model=read_model,
        rules=RULES,
        url_check=fake_url_check,
        webhook_sender=FakeSender(),
        deliveries=queue,
        templates=FakeTemplates(),
        clock=lambda: NOW,
        extra={"base_url": "http://127.0.0.1:8080"},
    )
    bus.handle(c.UpdatePreferences(actor=ALICE, email="alice@example.org", language="en"))
    stream: InboxStream = bus.handle(c.StreamInbox(actor=ALICE))
    facts = EventFacts(
        event_id="evt-1",
        event_type="org.linli.request.resolved.v1",
        source="/linli/requests",
        subject_id="req-1",
        occurred_at=NOW,
        people={"requester": ("person-alice",)},
        values={"title": "Broken lamp"},
    )
    system = Actor.system("consumer:test")
    result = bus.handle(c.ApplyEvent(actor=system, facts=facts))
    assert len(result.inbox_entry_ids) == 1 and len(result.delivery_ids) == 1
    assert queue.submitted == list(result.delivery_ids)
    assert stream.live.next(1.0).id == result.inbox_entry_ids[0]  # the live stream hears it
    again = bus.handle(c.ApplyEvent(actor=system, facts=facts))
    assert again.inbox_entry_ids == () and again.delivery_ids == ()
    assert queue.submitted == list(result.delivery_ids)
    assert bus.handle(c.GetUnreadCount(actor=ALICE)) == 1
    queued = read_model.pending_deliveries()
    assert [d.id for d in queued] == list(result.delivery_ids) and queued[0].address == "alice@example.org"
