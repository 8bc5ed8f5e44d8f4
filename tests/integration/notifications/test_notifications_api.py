"""The notifications gRPC API against real FerretDB and Kafka, the service in-process: inbox
(list, unread, mark read, the live stream), preferences, subscriptions (secret shown once,
rotation, delete), refusals by code, health, and a restart that reloads the read model."""

from __future__ import annotations

import base64
import queue
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from linli.common.unit_of_work import UnitOfWork
from linli.notifications import seed
from linli.notifications.adapters.read_models import ReadModel
from linli.notifications.bootstrap import load_read_model
from linli.notifications.domain.model import InboxEntry, Subscription
from linli.v1 import common_pb2
from linli.v1 import notifications_pb2 as pb
from tests.integration.notifications.conftest import OPERATOR, RunningNotifications, person, start_notifications
from tests.support.infra import Infra

AGENCY = "org_agency"
ADMIN = person("person-agency-admin", f"agency_admin@{AGENCY}")


def store_entries(running: RunningNotifications, person_id: str, count: int, start: int = 0) -> list[str]:
    """Inbox entries as the routing handler stores them (through the service's unit of work)."""
    base = datetime.now(UTC) - timedelta(minutes=10)
    entries = [
        InboxEntry(
            id=f"inb_{person_id}_{n}",
            person_id=person_id,
            kind="request.resolved",
            event_id=f"evt-{uuid.uuid4().hex[:8]}",
            subject_id=f"req-{n}",
            title=f"请求 {n} 已解决",
            body="您的请求已解决。",
            link=f"http://127.0.0.1:8080/requests/req-{n}",
            language="zh-CN",
            urgent=False,
            created_at=base + timedelta(seconds=n),
        )
        for n in range(start, start + count)
    ]
    uow = UnitOfWork(running.services.repository, running.services.read_model)
    with uow.start(*(e.id for e in entries)) as work:
        for entry in entries:
            work.add(entry)
        work.commit()
    return [e.id for e in entries]


def code_of(call: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value.code()


def test_health_is_serving(notifications: RunningNotifications) -> None:
    health = health_pb2_grpc.HealthStub(notifications.channel)
    for service in ("", "linli.v1.NotificationService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    report = notifications.runtime.check_health()
    assert report.serving and not report.failing_critical


def test_inbox_list_unread_and_mark_read(notifications: RunningNotifications) -> None:
    who = f"person-{uuid.uuid4().hex[:6]}"
    me = person(who)
    ids = store_entries(notifications, who, 5)
    stub = notifications.stub
    listed = stub.ListInbox(pb.ListInboxRequest(page=common_pb2.PageRequest(page_size=2)), metadata=me, timeout=5)
    assert [e.id for e in listed.entries] == [ids[4], ids[3]]
    assert listed.unread_count == 5 and listed.page.total_size == 5 and listed.page.next_page_token
    following = stub.ListInbox(
        pb.ListInboxRequest(page=common_pb2.PageRequest(page_size=2, page_token=listed.page.next_page_token)),
        metadata=me,
        timeout=5,
    )
    assert [e.id for e in following.entries] == [ids[2], ids[1]]
    marked = stub.MarkRead(pb.MarkReadRequest(entry_ids=[ids[0], ids[1]]), metadata=me, timeout=5)
    assert (marked.marked, marked.unread_count) == (2, 3)
    assert stub.GetUnreadCount(pb.GetUnreadCountRequest(), metadata=me, timeout=5).unread_count == 3
    unread = stub.ListInbox(pb.ListInboxRequest(unread_only=True), metadata=me, timeout=5)
    assert [e.id for e in unread.entries] == [ids[4], ids[3], ids[2]]
    read = stub.ListInbox(pb.ListInboxRequest(), metadata=me, timeout=5).entries[-1]
    assert read.HasField("read_at") and read.title == "请求 0 已解决"
    # unknown or someone else's entry: NOT_FOUND, nothing marked
    other = store_entries(notifications, f"{who}-other", 1)
    assert (
        code_of(lambda: stub.MarkRead(pb.MarkReadRequest(entry_ids=[ids[2], "inb_nope"]), metadata=me, timeout=5))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        code_of(lambda: stub.MarkRead(pb.MarkReadRequest(entry_ids=[ids[2], other[0]]), metadata=me, timeout=5))
        == grpc.StatusCode.NOT_FOUND
    )
    assert (
        code_of(lambda: stub.MarkRead(pb.MarkReadRequest(entry_ids=["bad id"]), metadata=me, timeout=5))
        == grpc.StatusCode.INVALID_ARGUMENT
    )
    assert stub.GetUnreadCount(pb.GetUnreadCountRequest(), metadata=me, timeout=5).unread_count == 3
    assert stub.MarkAllRead(pb.MarkAllReadRequest(), metadata=me, timeout=5).marked == 3
    assert stub.GetUnreadCount(pb.GetUnreadCountRequest(), metadata=me, timeout=5).unread_count == 0
    # stored: a read model loaded afresh from the database shows the same
    fresh = ReadModel()
    load_read_model(notifications.services.repository, fresh)
    assert fresh.unread_count(who) == 0 and len(fresh.inbox_of(who)) == 5


def test_anonymous_callers_are_unauthenticated(notifications: RunningNotifications) -> None:
    stub = notifications.stub
    for call in (
        lambda: stub.ListInbox(pb.ListInboxRequest(), timeout=5),
        lambda: stub.GetUnreadCount(pb.GetUnreadCountRequest(), timeout=5),
        lambda: stub.GetPreferences(pb.GetPreferencesRequest(), timeout=5),
        lambda: next(iter(stub.StreamInbox(pb.StreamInboxRequest(), timeout=5))),
    ):
        assert code_of(call) == grpc.StatusCode.UNAUTHENTICATED


def test_the_stream_resumes_then_receives_new_entries(notifications: RunningNotifications) -> None:
    who = f"person-{uuid.uuid4().hex[:6]}"
    ids = store_entries(notifications, who, 3)
    call = notifications.stub.StreamInbox(
        pb.StreamInboxRequest(after_entry_id=ids[0]), metadata=person(who), timeout=30
    )
    received: queue.Queue[pb.InboxEntry] = queue.Queue()

    def read() -> None:
        try:
            for entry in call:
                received.put(entry)
        except grpc.RpcError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert [received.get(timeout=5).id for _ in range(2)] == ids[1:]
    new = store_entries(notifications, who, 1, start=10)
    store_entries(notifications, f"{who}-other", 1)
    assert received.get(timeout=5).id == new[0]
    time.sleep(0.3)
    assert received.empty()
    call.cancel()
    reader.join(5)
    assert not reader.is_alive()
    assert notifications.services.read_model.streams.open_streams() == 0 or _eventually_closed(notifications)
    unknown = notifications.stub.StreamInbox(
        pb.StreamInboxRequest(after_entry_id="inb_nope"), metadata=person(who), timeout=5
    )
    assert code_of(lambda: next(iter(unknown))) == grpc.StatusCode.NOT_FOUND


def _eventually_closed(running: RunningNotifications) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if running.services.read_model.streams.open_streams() == 0:
            return True
        time.sleep(0.1)
    return False


def test_preferences_round_trip_and_refusals(notifications: RunningNotifications) -> None:
    who = f"person-{uuid.uuid4().hex[:6]}"
    me = person(who)
    stub = notifications.stub
    default = stub.GetPreferences(pb.GetPreferencesRequest(), metadata=me, timeout=5)
    assert (default.person_id, default.language, default.version) == (who, "zh-CN", 0)
    kinds = stub.ListNotificationKinds(pb.ListNotificationKindsRequest(), metadata=me, timeout=5).kinds
    assert kinds and all(k.kind and k.event_types for k in kinds)
    kind = kinds[0].kind
    saved = stub.UpdatePreferences(
        pb.UpdatePreferencesRequest(
            language="en",
            email="me@example.org",
            phone="+8613800001111",
            quiet_hours=pb.QuietHours(start="22:00", end="07:00"),
            kinds=[pb.KindPreference(kind=kind, channels=[pb.NOTIFICATION_CHANNEL_INBOX], digest=True)],
        ),
        metadata=me,
        timeout=5,
    )
    assert (saved.language, saved.email, saved.version, saved.quiet_hours.start) == ("en", "me@example.org", 1, "22:00")
    assert stub.GetPreferences(pb.GetPreferencesRequest(), metadata=me, timeout=5) == saved
    assert stub.GetPreferences(pb.GetPreferencesRequest(person_id=who), metadata=OPERATOR, timeout=5) == saved
    bad = [
        pb.UpdatePreferencesRequest(language="fr"),
        pb.UpdatePreferencesRequest(email="nope"),
        pb.UpdatePreferencesRequest(quiet_hours=pb.QuietHours(start="25:00", end="07:00")),
        pb.UpdatePreferencesRequest(kinds=[pb.KindPreference(kind="no.such_kind")]),
        pb.UpdatePreferencesRequest(
            kinds=[pb.KindPreference(kind=kind, channels=[pb.NOTIFICATION_CHANNEL_UNSPECIFIED])]
        ),
    ]
    for request in bad:
        assert (
            code_of(lambda r=request: stub.UpdatePreferences(r, metadata=me, timeout=5))
            == grpc.StatusCode.INVALID_ARGUMENT
        )
    stale = pb.UpdatePreferencesRequest(expected_version=7, language="zh-CN")
    assert code_of(lambda: stub.UpdatePreferences(stale, metadata=me, timeout=5)) == grpc.StatusCode.ABORTED
    others = pb.GetPreferencesRequest(person_id="person-someone-else")
    assert code_of(lambda: stub.GetPreferences(others, metadata=me, timeout=5)) == grpc.StatusCode.PERMISSION_DENIED
    assert stub.GetPreferences(pb.GetPreferencesRequest(), metadata=me, timeout=5).version == 1


def test_subscription_create_rotate_delete(notifications: RunningNotifications) -> None:
    stub = notifications.stub
    key = uuid.uuid4().hex
    request = pb.CreateSubscriptionRequest(
        agency_id=AGENCY,
        name="Agency feed",
        url="http://127.0.0.1:9/hook",
        event_types=["org.linli.request.*"],
        idempotency_key=key,
    )
    made = stub.CreateSubscription(request, metadata=ADMIN, timeout=5)
    assert made.secret.startswith("whsec_") and len(base64.b64decode(made.secret[6:])) == 32
    sub = made.subscription
    assert (sub.agency_id, sub.active, sub.version) == (AGENCY, True, 1)
    again = stub.CreateSubscription(request, metadata=ADMIN, timeout=5)
    assert again.subscription.id == sub.id
    changed = pb.CreateSubscriptionRequest(agency_id=AGENCY, name="Other", url=request.url, idempotency_key=key)
    assert code_of(lambda: stub.CreateSubscription(changed, metadata=ADMIN, timeout=5)) == grpc.StatusCode.ABORTED
    got = stub.GetSubscription(pb.GetSubscriptionRequest(subscription_id=sub.id), metadata=ADMIN, timeout=5)
    assert got.id == sub.id and not got.circuit_open
    stored = notifications.services.repository.get(Subscription, sub.id)
    assert stored is not None and stored.secret == made.secret
    rotated = stub.RotateSubscriptionSecret(
        pb.RotateSubscriptionSecretRequest(subscription_id=sub.id, expected_version=1, overlap_seconds=600),
        metadata=ADMIN,
        timeout=5,
    )
    assert rotated.secret != made.secret and rotated.subscription.version == 2
    assert rotated.subscription.HasField("previous_secret_expires_at")
    stored = notifications.services.repository.get(Subscription, sub.id)
    assert stored is not None and (stored.secret, stored.previous_secret) == (rotated.secret, made.secret)
    listed = stub.ListSubscriptions(pb.ListSubscriptionsRequest(), metadata=ADMIN, timeout=5)
    assert sub.id in [s.id for s in listed.subscriptions]
    paused = stub.UpdateSubscription(
        pb.UpdateSubscriptionRequest(subscription_id=sub.id, expected_version=2, active=2), metadata=ADMIN, timeout=5
    )
    assert not paused.active and paused.version == 3
    stale = pb.DeleteSubscriptionRequest(subscription_id=sub.id, expected_version=2)
    assert code_of(lambda: stub.DeleteSubscription(stale, metadata=ADMIN, timeout=5)) == grpc.StatusCode.ABORTED
    stub.DeleteSubscription(
        pb.DeleteSubscriptionRequest(subscription_id=sub.id, expected_version=3), metadata=ADMIN, timeout=5
    )
    gone = pb.GetSubscriptionRequest(subscription_id=sub.id)
    assert code_of(lambda: stub.GetSubscription(gone, metadata=ADMIN, timeout=5)) == grpc.StatusCode.NOT_FOUND


def test_subscription_refusals(notifications: RunningNotifications) -> None:
    stub = notifications.stub

    def create(meta: Any, **values: Any) -> Any:
        fields: dict[str, Any] = {"agency_id": AGENCY, "name": "Feed", "url": "https://hooks.example.org/x"}
        fields.update(values)
        return lambda: stub.CreateSubscription(pb.CreateSubscriptionRequest(**fields), metadata=meta, timeout=10)

    assert code_of(create(ADMIN, url="ftp://127.0.0.1/x")) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(create(ADMIN, url="http://169.254.169.254/latest")) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(create(ADMIN, name="")) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(create(ADMIN, event_types=["Not A Type"])) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(create(person("person-x", "agency_admin@org_other"))) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(create(())) == grpc.StatusCode.UNAUTHENTICATED
    missing = pb.GetSubscriptionRequest(subscription_id="sub_nope")
    assert code_of(lambda: stub.GetSubscription(missing, metadata=OPERATOR, timeout=5)) == grpc.StatusCode.NOT_FOUND
    replay = pb.ReplayDeadLetterRequest(delivery_id="dlv_nope")
    assert code_of(lambda: stub.ReplayDeadLetter(replay, metadata=OPERATOR, timeout=5)) == grpc.StatusCode.NOT_FOUND
    assert stub.ListDeadLetters(pb.ListDeadLettersRequest(), metadata=OPERATOR, timeout=5).page.total_size >= 0
    assert (
        code_of(lambda: stub.ListDeadLetters(pb.ListDeadLettersRequest(), metadata=ADMIN, timeout=5))
        == grpc.StatusCode.PERMISSION_DENIED
    )


def test_the_seed_writes_the_demo_preferences_twice_alike(notifications: RunningNotifications) -> None:
    kinds = {
        k.kind for k in notifications.stub.ListNotificationKinds(pb.ListNotificationKindsRequest(), timeout=5).kinds
    }
    assert seed.seed_preferences(notifications.stub, kinds) == len(seed.DEMO_PREFERENCES)
    seed.seed_preferences(notifications.stub, kinds)
    shown = notifications.stub.GetPreferences(
        pb.GetPreferencesRequest(person_id="demo-resident-1"), metadata=OPERATOR, timeout=5
    )
    assert (shown.language, shown.email, shown.version) == ("en", "resident1@linli.local", 2)


def test_server_stop_ends_open_streams_at_once(infra: Infra) -> None:
    """Last in this module: a second service in this process takes over mongoengine's default
    connection (and closes it when it stops)."""
    running = start_notifications(infra, f"test_notif_{uuid.uuid4().hex[:8]}", drain_seconds=20.0)
    call = running.stub.StreamInbox(pb.StreamInboxRequest(), metadata=person("person-streamer"), timeout=60)
    ended = threading.Event()

    def read() -> None:
        try:
            for _ in call:
                pass
        except grpc.RpcError:
            pass
        ended.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 5
    while running.services.read_model.streams.open_streams() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.services.read_model.streams.open_streams() == 1
    started = time.monotonic()
    running.stop()
    assert ended.wait(10)
    assert time.monotonic() - started < 15  # not the whole 20 s drain
