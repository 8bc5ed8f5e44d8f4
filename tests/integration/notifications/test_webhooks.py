"""Webhooks end to end through the delivery engine: the service's MongoDB repository (on the
session's FerretDB) and read model, the real webhook sender, and local HTTP receivers on
127.0.0.1 that VERIFY every request with the ``standardwebhooks`` package (the
specification's own library, not our code)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from pymongo.database import Database
from standardwebhooks import Webhook, WebhookVerificationError

from linli.common import mongo
from linli.common.codec import utc_millis
from linli.common.unit_of_work import UnitOfWork
from linli.notifications.adapters.read_models import ReadModel
from linli.notifications.adapters.repository import DeliveryDocument, Repository
from linli.notifications.adapters.url_safety import UrlPolicy
from linli.notifications.adapters.webhook import WebhookSender, WebhookSettings
from linli.notifications.domain import deliveries as domain_deliveries
from linli.notifications.domain.deliveries import new_delivery
from linli.notifications.domain.events import DEAD_LETTERED, DELIVERED, FAILED
from linli.notifications.domain.model import Channel, Delivery, DeliveryStatus, Message, Subscription
from linli.notifications.domain.retry import RetryPolicy
from linli.notifications.entrypoints.delivery_worker import DeliveryEngine
from tests.unit.notifications.delivery_fakes import Received, Receiver, Reply, new_secret

pytestmark = pytest.mark.integration

DEV = UrlPolicy.from_settings(allow_http=True, allowed_cidrs="127.0.0.0/8")
SETTINGS = WebhookSettings(connect_timeout_seconds=1.0, read_timeout_seconds=2.0, total_timeout_seconds=4.0)
POLICY = RetryPolicy(max_attempts=5, base_seconds=0.05, cap_seconds=0.2)
MESSAGE = Message(kind="request.changed", language="zh-CN", title="求助状态变化", body="已受理")


@dataclass
class Verified:
    webhook_id: str
    verified: bool
    answered: int
    body: bytes


class VerifyingReceiver:
    """A receiver holding ``secrets`` (what the agency configured): a request it cannot verify
    is answered 401; a verified one gets ``answer(n)`` for the n-th verified request."""

    def __init__(self, *secrets: str, answer: Callable[[int], Reply] = lambda _: Reply(200)) -> None:
        self.secrets = secrets
        self.answer = answer
        self.log: list[Verified] = []
        self.lock = threading.Lock()
        self.server = Receiver(self._script).start()

    def _script(self, request: Received) -> Reply:
        verified = False
        for secret in self.secrets:
            try:
                Webhook(secret).verify(request.body, request.headers)
                verified = True
                break
            except WebhookVerificationError:
                continue
        with self.lock:
            count = sum(1 for v in self.log if v.verified)
            reply = self.answer(count) if verified else Reply(401, body=b"bad signature")
            self.log.append(Verified(request.headers.get("webhook-id", ""), verified, reply.status, request.body))
        return reply

    @property
    def url(self) -> str:
        return self.server.url

    def successes(self) -> int:
        with self.lock:
            return sum(1 for v in self.log if 200 <= v.answered < 300)

    def requests(self) -> list[Verified]:
        with self.lock:
            return list(self.log)

    def stop(self) -> None:
        self.server.stop()


@dataclass
class Rig:
    repository: Repository
    read_model: ReadModel
    uow: UnitOfWork
    engine: DeliveryEngine

    def subscribe(self, subscription_id: str, url: str, secret: str, **fields: Any) -> Subscription:
        subscription = Subscription(
            id=subscription_id, agency_id="agency_1", name="城管局", url=url, secret=secret, **fields
        )
        with self.uow.start(subscription.id) as work:
            work.add(subscription)
            work.commit()
        return subscription

    def deliver(self, subscription_id: str, event_id: str) -> str:
        delivery = new_delivery(
            event_id=event_id,
            kind="request.changed",
            channel=Channel.WEBHOOK,
            recipient_id=subscription_id,
            address=subscription_id,
            message=MESSAGE,
            now=utc_millis(),
            payload=f'{{"id":"{event_id}","type":"linli.public.request.changed","title":"修水管"}}',
        )
        with self.uow.start(delivery.id) as work:
            work.add(delivery)
            work.commit()
        self.engine.submit([delivery.id])
        return delivery.id

    def stored(self, delivery_id: str) -> Delivery:
        found = self.repository.get(Delivery, delivery_id)
        assert found is not None
        return found

    def status(self, delivery_id: str) -> DeliveryStatus:
        return self.stored(delivery_id).status


@pytest.fixture
def rig(database: Database[mongo.Document]) -> Iterator[Rig]:
    repository = Repository()
    repository.ensure_indexes()
    read_model = ReadModel(fallback=repository.find_stored)
    uow = UnitOfWork(repository, read_model)
    engine = DeliveryEngine(
        uow,
        read_model,
        {Channel.WEBHOOK: WebhookSender(read_model, DEV, SETTINGS)},
        POLICY,
        failure_threshold=3,
        open_seconds=1.0,
        workers=4,
        rng=random.Random(11),
        idle_seconds=0.05,
    )
    engine.start()
    try:
        yield Rig(repository, read_model, uow, engine)
    finally:
        engine.stop(10)


@pytest.fixture
def receivers() -> Iterator[list[VerifyingReceiver]]:
    made: list[VerifyingReceiver] = []
    yield made
    for receiver in made:
        receiver.stop()


def eventually(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def outbox_types(delivery_id: str) -> list[str]:
    document = DeliveryDocument._get_collection().find_one({"_id": delivery_id})
    assert document is not None
    return [str(event["type"]) for event in document.get("outbox", [])]


def test_a_receiver_failing_three_times_then_succeeding_gets_exactly_one_success(
    rig: Rig, receivers: list[VerifyingReceiver]
) -> None:
    secret = new_secret()
    receiver = VerifyingReceiver(secret, answer=lambda n: Reply(500, body=b"down") if n < 3 else Reply(200))
    receivers.append(receiver)
    rig.subscribe("sub_flaky", receiver.url, secret)
    delivery_id = rig.deliver("sub_flaky", "evt_flaky")
    assert eventually(lambda: rig.status(delivery_id) is DeliveryStatus.DELIVERED)
    time.sleep(0.3)  # nothing more arrives after the success
    requests = receiver.requests()
    assert [r.answered for r in requests] == [500, 500, 500, 200]
    assert receiver.successes() == 1
    assert all(r.verified for r in requests)
    assert {r.webhook_id for r in requests} == {delivery_id}  # stable across retries
    stored = rig.stored(delivery_id)
    assert (stored.attempts, stored.version, stored.last_status_code) == (4, 5, 200)
    assert outbox_types(delivery_id) == [FAILED, FAILED, FAILED, DELIVERED]  # no relay runs here


def test_an_always_failing_receiver_is_dead_lettered_its_circuit_opens_and_others_are_served(
    rig: Rig, receivers: list[VerifyingReceiver]
) -> None:
    secret, other_secret = new_secret(), new_secret()
    recovered = threading.Event()
    dead = VerifyingReceiver(secret, answer=lambda _: Reply(200) if recovered.is_set() else Reply(503, body=b"down"))
    healthy = VerifyingReceiver(other_secret)
    receivers += [dead, healthy]
    rig.subscribe("sub_dead", dead.url, secret)
    rig.subscribe("sub_ok", healthy.url, other_secret)
    doomed = [rig.deliver("sub_dead", f"evt_dead_{n}") for n in range(2)]
    assert eventually(lambda: rig.engine.circuit_retry_at("sub_dead") is not None)
    # While the dead endpoint's circuit is open, the other receiver is served at once.
    started = time.monotonic()
    served = [rig.deliver("sub_ok", f"evt_ok_{n}") for n in range(10)]
    assert eventually(lambda: all(rig.status(i) is DeliveryStatus.DELIVERED for i in served), 5.0)
    assert time.monotonic() - started < 3.0
    assert rig.engine.circuit_retry_at("sub_dead") is not None
    assert healthy.successes() == 10 and all(r.verified for r in healthy.requests())
    # The dead one ends in the dead-letter store after the retry limit.
    assert eventually(lambda: all(rig.status(i) is DeliveryStatus.DEAD_LETTERED for i in doomed), 30.0)
    assert {d.id for d in rig.read_model.dead_letters()} == set(doomed)
    assert all(rig.stored(i).attempts == POLICY.max_attempts for i in doomed)
    assert rig.stored(doomed[0]).last_error == "HTTP 503: down"
    assert outbox_types(doomed[0])[-1] == DEAD_LETTERED
    assert dead.successes() == 0
    # Replay after it recovered delivers (what ReplayDeadLetter does, then the engine).
    recovered.set()
    for delivery_id in doomed:
        with rig.uow.start(delivery_id) as work:
            found = work.get(Delivery, delivery_id)
            assert found is not None
            domain_deliveries.replay(found, utc_millis())
            work.touch(found)
            work.commit()
    rig.engine.replay(doomed)
    assert eventually(lambda: all(rig.status(i) is DeliveryStatus.DELIVERED for i in doomed), 10.0)
    assert dead.successes() == 2
    assert rig.read_model.dead_letters() == []
    assert eventually(lambda: rig.engine.circuit_retry_at("sub_dead") is None, 5.0)


def test_rotation_the_receiver_holding_only_the_old_secret_verifies_during_the_overlap(
    rig: Rig, receivers: list[VerifyingReceiver]
) -> None:
    old, new = new_secret(), new_secret()
    old_only = VerifyingReceiver(old)
    new_only = VerifyingReceiver(new)
    late = VerifyingReceiver(old)
    receivers += [old_only, new_only, late]
    overlap = utc_millis() + timedelta(hours=1)
    rig.subscribe("sub_old", old_only.url, new, previous_secret=old, previous_secret_expires_at=overlap)
    rig.subscribe("sub_new", new_only.url, new, previous_secret=old, previous_secret_expires_at=overlap)
    rig.subscribe(
        "sub_late", late.url, new, previous_secret=old, previous_secret_expires_at=utc_millis() - timedelta(seconds=1)
    )
    during = [rig.deliver("sub_old", "evt_rot"), rig.deliver("sub_new", "evt_rot")]
    after = rig.deliver("sub_late", "evt_rot")
    assert eventually(lambda: all(rig.status(i) is DeliveryStatus.DELIVERED for i in during))
    assert [r.verified for r in old_only.requests()] == [True]
    assert [r.verified for r in new_only.requests()] == [True]
    # After the overlap the old secret no longer verifies: 401 is permanent, dead-lettered.
    assert eventually(lambda: rig.status(after) is DeliveryStatus.DEAD_LETTERED)
    assert [r.verified for r in late.requests()] == [False]
    assert rig.stored(after).last_status_code == 401


def test_a_slow_receiver_does_not_delay_another(rig: Rig, receivers: list[VerifyingReceiver]) -> None:
    slow_secret, fast_secret = new_secret(), new_secret()
    slow = VerifyingReceiver(slow_secret, answer=lambda _: Reply(200, delay=1.5))
    fast = VerifyingReceiver(fast_secret)
    receivers += [slow, fast]
    rig.subscribe("sub_slow", slow.url, slow_secret)
    rig.subscribe("sub_fast", fast.url, fast_secret)
    slow_ids = [rig.deliver("sub_slow", f"evt_slow_{n}") for n in range(3)]
    started = time.monotonic()
    fast_ids = [rig.deliver("sub_fast", f"evt_fast_{n}") for n in range(10)]
    assert eventually(lambda: all(rig.status(i) is DeliveryStatus.DELIVERED for i in fast_ids), 5.0)
    assert time.monotonic() - started < 1.4  # done while the slow one is still on its first
    assert eventually(lambda: all(rig.status(i) is DeliveryStatus.DELIVERED for i in slow_ids), 15.0)
    assert len(slow.requests()) == 3  # one at a time, each once
