"""A stop never waits for Kafka's own timeouts: the relay's last round and the publisher's close
are bounded, and what they cut short stays stored as unpublished (nothing is lost). Also the
liveness health name a Kubernetes liveness probe asks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from linli.common.cloudevents import new_event
from linli.common.config import ServiceConfig
from linli.common.outbox import OutboxRelay
from linli.common.publisher import ProcessPublisher, PublishFailed, Record
from linli.common.runtime import LIVENESS_SERVICE, ServiceRuntime
from tests.unit.common.test_outbox_relay import MemoryStore

TOPIC = "linli.tests.v1"


class StuckPublisher:
    """Acknowledges rounds until `stuck` is set; then a round waits until the publisher is closed
    and fails, as a ProcessPublisher's round does with the broker unreachable."""

    def __init__(self) -> None:
        self.stuck = False
        self.closed = threading.Event()
        self.rounds: list[list[Record]] = []

    def publish(self, records: Sequence[Record]) -> None:
        if self.closed.is_set():
            raise PublishFailed("closed")
        if self.stuck:
            self.closed.wait(60)
            raise PublishFailed("cut short by close")
        self.rounds.append(list(records))

    def close(self) -> None:
        self.closed.set()


def test_a_stop_with_the_broker_unreachable_ends_after_the_final_round_bound_and_loses_nothing() -> None:
    store, publisher = MemoryStore(), StuckPublisher()
    relay = OutboxRelay(publisher, [store], poll_seconds=0.01, checkpoint_seconds=60, final_round_seconds=0.3)
    relay.start()
    store.write("a", new_event("tests", "org.linli.test.v1", "a", {"n": 1}, topic=TOPIC))
    assert relay.wait_until_published(5)
    published_through = store.watermark.published_through()
    assert store.checkpoint < published_through  # not persisted yet: checkpoints are a minute apart

    publisher.stuck = True
    store.write("b", new_event("tests", "org.linli.test.v1", "b", {"n": 2}, topic=TOPIC))
    time.sleep(0.1)  # the round with b's event is now waiting for the "broker"
    started = time.monotonic()
    relay.stop(timeout=30)
    took = time.monotonic() - started

    assert took < 2.0
    assert publisher.closed.is_set()
    assert relay.pending() == 1  # b's event was never acknowledged: it stays for the next start
    # What was acknowledged is recorded on the way out: the next start republishes only b's event.
    assert store.checkpoint >= published_through
    again = MemoryStore.restarted(store)
    assert [aggregate for aggregate, _ in again.unpublished(again.checkpoint)] == ["b"]


def test_a_clean_stop_still_publishes_the_last_round() -> None:
    store, publisher = MemoryStore(), StuckPublisher()
    relay = OutboxRelay(publisher, [store], poll_seconds=5, final_round_seconds=5)
    relay.start()
    store.write("a", new_event("tests", "org.linli.test.v1", "a", {"n": 1}, topic=TOPIC))
    relay.stop()
    assert relay.pending() == 0
    assert not publisher.closed.is_set()
    assert store.checkpoint == store.watermark.published_through() > 0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens on it once the socket is closed


def test_process_publisher_close_cuts_a_round_stuck_on_an_unreachable_broker() -> None:
    publisher = ProcessPublisher(f"127.0.0.1:{closed_port()}", "linli-test", send_timeout=30, close_seconds=0.5)
    outcome: list[BaseException] = []

    def publish() -> None:
        try:
            publisher.publish([(TOPIC, b"k", b"v", [])])
        except PublishFailed as exc:
            outcome.append(exc)

    thread = threading.Thread(target=publish)
    thread.start()
    time.sleep(1.0)  # the child is still trying to reach the broker
    assert thread.is_alive()
    started = time.monotonic()
    publisher.close()
    thread.join(10)
    assert time.monotonic() - started < 5.0
    assert not thread.is_alive() and len(outcome) == 1
    with pytest.raises(PublishFailed, match="closed"):
        publisher.publish([(TOPIC, b"k", b"v", [])])
    assert publisher.pid is None


def test_the_liveness_name_serves_whatever_the_dependencies() -> None:
    service = ServiceRuntime(ServiceConfig.from_env({}, grpc_port=0, metrics_port=0))
    service.add_health_check("mongodb", lambda: False)
    service.start()
    try:
        service.check_health()
        with grpc.insecure_channel(f"127.0.0.1:{service.grpc.port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            overall = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
            alive = stub.Check(health_pb2.HealthCheckRequest(service=LIVENESS_SERVICE), timeout=5)
        assert overall.status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert alive.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        service.shutdown()
