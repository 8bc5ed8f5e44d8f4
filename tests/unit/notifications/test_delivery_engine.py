"""The delivery engine on fakes: scripted senders, a fake clock, the kit's unit of work over a
version-checking fake repository and the service's in-memory read model."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from linli.common.unit_of_work import UnitOfWork
from linli.notifications.adapters.read_models import ReadModel
from linli.notifications.domain import deliveries as domain_deliveries
from linli.notifications.domain.events import DEAD_LETTERED, DELIVERED, FAILED
from linli.notifications.domain.model import Channel, Delivery, DeliveryStatus, SendResult
from linli.notifications.domain.retry import RetryPolicy
from linli.notifications.entrypoints.delivery_worker import DeliveryEngine, endpoint_of
from tests.unit.notifications.delivery_fakes import (
    FAIL,
    GONE,
    OK,
    FakeClock,
    FakeRepository,
    ScriptedSender,
    make_delivery,
)

POLICY = RetryPolicy(max_attempts=4, base_seconds=1.0, cap_seconds=10.0)


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@dataclass
class Rig:
    engine: DeliveryEngine
    read_model: ReadModel
    repository: FakeRepository
    uow: UnitOfWork
    clock: FakeClock
    webhooks: ScriptedSender
    mail: ScriptedSender

    def add(self, *deliveries: Delivery) -> list[str]:
        for delivery in deliveries:
            with self.uow.start(delivery.id) as work:
                work.add(delivery)
                work.commit()
        return [d.id for d in deliveries]

    def queue(self, *deliveries: Delivery) -> list[str]:
        ids = self.add(*deliveries)
        self.engine.submit(ids)
        return ids

    def stored(self, delivery_id: str) -> Delivery:
        found = self.read_model.find(Delivery, delivery_id)
        if found is None:  # delivered ones leave memory: the repository's writes tell
            raise AssertionError(f"{delivery_id} not held")
        return found

    def events(self, delivery_id: str) -> list[str]:
        return self.repository.event_types(delivery_id)

    def run_until(self, seconds: float, step: float = 1.0) -> int:
        """Runs the engine with the clock moving ``step`` at a time for ``seconds``."""
        attempts = self.engine.run_pending()
        for _ in range(round(seconds / step)):
            self.clock.advance(step)
            attempts += self.engine.run_pending()
        return attempts


def make_rig(**engine_options: object) -> Rig:
    read_model = ReadModel()
    repository = FakeRepository()
    uow = UnitOfWork(repository, read_model)
    clock = FakeClock()
    webhooks, mail = ScriptedSender(Channel.WEBHOOK), ScriptedSender(Channel.EMAIL)
    options: dict[str, object] = {"failure_threshold": 3, "open_seconds": 60.0, "rng": random.Random(7)}
    options.update(engine_options)
    engine = DeliveryEngine(
        uow,
        read_model,
        {Channel.WEBHOOK: webhooks, Channel.EMAIL: mail},
        POLICY,
        clock,
        **options,  # type: ignore[arg-type]
    )
    return Rig(engine, read_model, repository, uow, clock, webhooks, mail)


@pytest.fixture
def rig() -> Rig:
    return make_rig()


def hook(n: int, endpoint: str = "sub_a", **kwargs: object) -> Delivery:
    return make_delivery(f"dlv_{endpoint}_{n}", address=endpoint, **kwargs)  # type: ignore[arg-type]


def test_a_delivery_is_sent_once_and_stored_delivered_with_its_event(rig: Rig) -> None:
    before = metric("linli_notifications_deliveries_total", channel="webhook", outcome="delivered")
    latency = metric("linli_notifications_delivery_latency_seconds_count", channel="webhook")
    rig.clock.advance(2.5)
    (delivery_id,) = rig.queue(hook(1))
    assert rig.engine.run_pending() == 1
    assert rig.engine.run_pending() == 0
    assert rig.webhooks.sent == [("sub_a", delivery_id)]
    assert rig.events(delivery_id) == [DELIVERED]
    assert rig.repository.versions[delivery_id] == 2  # added at 1, saved once
    assert rig.read_model.find(Delivery, delivery_id) is None  # delivered: out of the queue
    assert rig.engine.queued() == 0
    assert metric("linli_notifications_deliveries_total", channel="webhook", outcome="delivered") == before + 1
    assert metric("linli_notifications_delivery_latency_seconds_count", channel="webhook") == latency + 1


def test_failing_three_times_then_succeeding_gets_exactly_one_success(rig: Rig) -> None:
    rig.webhooks.script("sub_a", FAIL, FAIL, FAIL, OK)
    rig.engine.failure_threshold = 10  # the circuit is not this test's concern
    (delivery_id,) = rig.queue(hook(1))
    rig.run_until(40)
    assert rig.webhooks.count("sub_a") == 4
    assert rig.events(delivery_id) == [FAILED, FAILED, FAILED, DELIVERED]
    assert rig.repository.versions[delivery_id] == 5


def test_backoff_honours_retry_after(rig: Rig) -> None:
    rig.webhooks.script("sub_a", SendResult(ok=False, status_code=429, retry_after=8.0), OK)
    (delivery_id,) = rig.queue(hook(1))
    rig.engine.run_pending()
    stored = rig.stored(delivery_id)
    assert stored.status is DeliveryStatus.RETRYING
    assert stored.next_attempt_at is not None
    assert stored.next_attempt_at >= rig.clock() + timedelta(seconds=8)
    rig.clock.advance(7.9)
    assert rig.engine.run_pending() == 0
    rig.clock.advance(2.2)  # the jitter may add up to the cap's share, never below 8 s
    rig.run_until(10)
    assert rig.events(delivery_id) == [FAILED, DELIVERED]


def test_the_retry_limit_dead_letters(rig: Rig) -> None:
    rig.engine.failure_threshold = 100
    rig.webhooks.script("sub_a", FAIL)
    dead = metric("linli_notifications_dead_letters_total", channel="webhook")
    (delivery_id,) = rig.queue(hook(1))
    rig.run_until(60)
    assert rig.webhooks.count("sub_a") == POLICY.max_attempts
    assert rig.events(delivery_id) == [FAILED, FAILED, FAILED, DEAD_LETTERED]
    stored = rig.stored(delivery_id)
    assert stored.status is DeliveryStatus.DEAD_LETTERED and stored.last_error == "HTTP 503"
    assert rig.read_model.dead_letters() == [stored]
    assert metric("linli_notifications_dead_letters_total", channel="webhook") == dead + 1
    assert rig.engine.queued() == 0


def test_a_permanent_failure_dead_letters_at_once_without_opening_the_circuit(rig: Rig) -> None:
    rig.webhooks.script("sub_a", GONE)
    ids = rig.queue(*(hook(n) for n in range(5)))
    rig.run_until(5)
    assert [rig.events(i) for i in ids] == [[DEAD_LETTERED]] * 5
    assert rig.engine.circuit_retry_at("sub_a") is None


def test_the_circuit_opens_pauses_the_endpoint_and_half_opens_with_one_probe(rig: Rig) -> None:
    rig.webhooks.script("sub_a", FAIL, FAIL, FAIL, FAIL, OK)
    ids = rig.queue(*(hook(n) for n in range(6)))
    assert rig.engine.run_pending() == 3  # three deliveries, one failure each: the circuit opens
    opened_at = rig.clock()
    retry_at = rig.engine.circuit_retry_at("sub_a")
    assert retry_at == opened_at + timedelta(seconds=60)
    assert rig.engine.circuit_retry_at("webhook:sub_a") == retry_at
    assert metric("linli_notifications_open_circuits", channel="webhook") == 1
    rig.run_until(59)
    assert rig.webhooks.count("sub_a") == 3  # paused: no attempt spent while open
    assert all(rig.stored(i).attempts <= 1 for i in ids)
    rig.clock.advance(1)
    assert rig.engine.run_pending() == 1  # the half-open probe fails: open again
    assert rig.engine.circuit_retry_at("sub_a") == rig.clock() + timedelta(seconds=60)
    rig.clock.advance(60)
    rig.run_until(60)  # the next probe succeeds, the circuit closes, the rest flows
    assert rig.engine.circuit_retry_at("sub_a") is None
    assert metric("linli_notifications_open_circuits", channel="webhook") == 0
    assert all(DELIVERED in rig.events(i) for i in ids)
    assert sum(rig.events(i).count(DELIVERED) for i in ids) == 6


def test_a_failing_endpoint_never_delays_another(rig: Rig) -> None:
    rig.webhooks.script("sub_dead", FAIL)
    dead = rig.queue(*(hook(n, "sub_dead") for n in range(10)))
    alive = rig.queue(*(hook(n, "sub_alive") for n in range(10)))
    mails = rig.queue(
        *(make_delivery(f"mail_{n}", channel=Channel.EMAIL, address=f"p{n}@example.org") for n in range(3))
    )
    rig.engine.run_pending()
    assert [rig.events(i) for i in alive + mails] == [[DELIVERED]] * 13
    assert rig.webhooks.count("sub_dead") == 3  # then its circuit opened
    assert rig.engine.circuit_retry_at("sub_dead") is not None
    assert rig.engine.circuit_retry_at("sub_alive") is None
    assert all(rig.stored(i).status in {DeliveryStatus.PENDING, DeliveryStatus.RETRYING} for i in dead)


def test_deliveries_wait_until_their_next_attempt_time(rig: Rig) -> None:
    later = rig.clock() + timedelta(hours=7)  # held by quiet hours
    (held,) = rig.queue(hook(1, next_attempt_at=later))
    (now,) = rig.queue(hook(2, next_attempt_at=rig.clock()))
    rig.engine.run_pending()
    assert rig.events(now) == [DELIVERED]
    assert rig.events(held) == []
    rig.clock.advance(7 * 3600 - 1)
    assert rig.engine.run_pending() == 0
    rig.clock.advance(1)
    assert rig.engine.run_pending() == 1
    assert rig.events(held) == [DELIVERED]


def test_submit_ignores_unknown_finished_and_already_queued_ids(rig: Rig) -> None:
    (delivery_id,) = rig.queue(hook(1))
    rig.engine.submit([delivery_id, delivery_id, "dlv_unknown"])
    assert rig.engine.queued() == 1
    assert rig.engine.run_pending() == 1
    rig.engine.submit([delivery_id])  # delivered: not sent again
    assert rig.engine.run_pending() == 0
    assert rig.webhooks.count("sub_a") == 1


def test_start_queues_what_the_store_holds_pending(rig: Rig) -> None:
    ids = rig.add(hook(1), hook(2, "sub_b"))  # committed before a restart, never submitted
    rig.engine.start()
    try:
        deadline = time.monotonic() + 5
        while rig.engine.queued() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        rig.engine.stop(5)
    assert [rig.events(i) for i in ids] == [[DELIVERED], [DELIVERED]]


def test_a_failed_store_write_is_retried_and_counted(rig: Rig) -> None:
    failures = metric("linli_notifications_deliveries_total", channel="webhook", outcome="store_failed")
    (delivery_id,) = rig.queue(hook(1))
    rig.repository.fail_next = 1
    rig.engine.run_pending()
    assert rig.stored(delivery_id).status is DeliveryStatus.PENDING  # nothing stored, nothing swapped in
    assert rig.engine.queued() == 1
    rig.run_until(5)
    assert rig.events(delivery_id) == [DELIVERED]
    assert rig.webhooks.count("sub_a") == 2  # sent again: the receiver drops it by webhook-id
    assert metric("linli_notifications_deliveries_total", channel="webhook", outcome="store_failed") == failures + 1


def test_a_channel_without_a_sender_dead_letters_with_a_clear_error(rig: Rig) -> None:
    (delivery_id,) = rig.queue(make_delivery("sms_1", channel=Channel.SMS, address="+8613800000001"))
    rig.engine.run_pending()
    stored = rig.stored(delivery_id)
    assert stored.status is DeliveryStatus.DEAD_LETTERED
    assert "sms is not configured" in stored.last_error


def test_a_sender_that_raises_is_a_retryable_failure(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: Delivery) -> SendResult:
        raise RuntimeError("bug")

    monkeypatch.setattr(rig.webhooks, "send", broken)
    (delivery_id,) = rig.queue(hook(1))
    rig.engine.run_pending()
    stored = rig.stored(delivery_id)
    assert stored.status is DeliveryStatus.RETRYING and stored.last_error == "RuntimeError: bug"


def test_replay_requeues_a_dead_letter_and_lets_its_open_circuit_probe(rig: Rig) -> None:
    rig.engine.failure_threshold = 1
    rig.webhooks.script("sub_a", FAIL)
    rig.engine.policy = RetryPolicy(max_attempts=1)
    (delivery_id,) = rig.queue(hook(1))
    rig.engine.run_pending()
    assert rig.stored(delivery_id).status is DeliveryStatus.DEAD_LETTERED
    assert rig.engine.circuit_retry_at("sub_a") is not None
    rig.webhooks.script("sub_a", OK)  # the receiver recovered
    with rig.uow.start(delivery_id) as work:  # what the ReplayDeadLetter handler does
        found = work.get(Delivery, delivery_id)
        assert found is not None
        domain_deliveries.replay(found, rig.clock())
        work.touch(found)
        work.commit()
    rig.engine.replay([delivery_id])
    assert rig.engine.run_pending() == 1  # at once, not after the circuit's pause
    assert rig.events(delivery_id) == [DEAD_LETTERED, DELIVERED]
    assert rig.engine.circuit_retry_at("sub_a") is None


def test_queue_depth_per_channel(rig: Rig) -> None:
    rig.queue(*(hook(n, next_attempt_at=rig.clock() + timedelta(minutes=5)) for n in range(4)))
    rig.queue(make_delivery("m1", channel=Channel.EMAIL, address="a@example.org", next_attempt_at=rig.clock()))
    assert metric("linli_notifications_queue_depth", channel="webhook") == 4
    assert metric("linli_notifications_queue_depth", channel="email") == 1
    rig.engine.run_pending()
    assert metric("linli_notifications_queue_depth", channel="email") == 0
    rig.clock.advance(300)
    rig.engine.run_pending()
    assert metric("linli_notifications_queue_depth", channel="webhook") == 0


def test_endpoints_are_per_subscription_mailbox_and_number() -> None:
    assert endpoint_of(make_delivery(address="sub_1")) == (Channel.WEBHOOK, "sub_1")
    assert endpoint_of(make_delivery(channel=Channel.EMAIL, address="Wang@Example.org")) == (
        Channel.EMAIL,
        "wang@example.org",
    )
    assert endpoint_of(make_delivery(channel=Channel.SMS, address="+86 138-0000-0001")) == (
        Channel.SMS,
        "+8613800000001",
    )


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def test_threads_a_slow_endpoint_holds_one_worker_and_never_delays_others() -> None:
    rig = make_rig(workers=3, idle_seconds=0.05)
    rig.clock = rig.engine.clock = FakeClock()  # time stands still: no retry becomes due
    gate = rig.webhooks.gates["sub_slow"] = threading.Event()
    slow = rig.add(*(hook(n, "sub_slow") for n in range(5)))
    fast = rig.add(*(hook(n, f"sub_fast{n % 4}") for n in range(40)))
    rig.engine.start()
    try:
        rig.engine.submit(slow + fast)
        assert wait_for(lambda: all(rig.events(i) == [DELIVERED] for i in fast))
        assert rig.webhooks.count("sub_slow") == 0  # still stuck in its first send
        assert rig.webhooks.in_flight["sub_slow"] == 1
        gate.set()
        assert wait_for(lambda: all(rig.events(i) == [DELIVERED] for i in slow))
    finally:
        gate.set()
        rig.engine.stop(5)
    assert max(rig.webhooks.max_in_flight.values()) == 1  # one send in flight per endpoint


def test_threads_stop_finishes_the_sends_in_flight() -> None:
    rig = make_rig(workers=2, idle_seconds=0.05)
    gate = rig.webhooks.gates["sub_a"] = threading.Event()
    ids = rig.queue(hook(1), hook(2))
    rig.engine.start()
    assert wait_for(lambda: rig.webhooks.in_flight.get("sub_a") == 1)
    stopping = threading.Thread(target=rig.engine.stop, args=(5,))
    stopping.start()
    time.sleep(0.1)
    assert stopping.is_alive()  # waiting for the send in flight
    gate.set()
    stopping.join(5)
    assert not stopping.is_alive()
    assert rig.events(ids[0]) == [DELIVERED]  # finished and recorded
    assert rig.events(ids[1]) == []  # not started: stays pending for the next start
    assert rig.stored(ids[1]).status is DeliveryStatus.PENDING
