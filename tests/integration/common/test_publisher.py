"""The outbox relay's Kafka publisher in a child process, against the real broker."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import pytest

from linli.common.cloudevents import new_event, to_kafka
from linli.common.publisher import ProcessPublisher, PublishFailed, Record
from tests.support.infra import Infra, free_port
from tests.support.topics import read_topic


def records(topic: str, subject: str, count: int) -> list[Record]:
    return [(topic, *to_kafka(new_event("tests", f"t.n{n}", subject, {"n": n}, topic=topic))) for n in range(count)]


def test_a_round_returns_once_every_record_is_on_the_topic(infra: Infra, topic: str) -> None:
    publisher = ProcessPublisher(infra.kafka_bootstrap, "test")
    subject = uuid.uuid4().hex
    try:
        publisher.publish(records(topic, subject, 5))
        found = read_topic(infra.kafka_bootstrap, topic, {subject}, expected=5, timeout=10)
        assert [dict(r.headers)["ce_type"] for r in found] == [f"t.n{n}".encode() for n in range(5)]
    finally:
        publisher.close()


def test_a_dead_child_is_replaced_before_the_next_round(infra: Infra, topic: str) -> None:
    publisher = ProcessPublisher(infra.kafka_bootstrap, "test")
    subject = uuid.uuid4().hex
    try:
        publisher.start()
        first = publisher.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        publisher.publish(records(topic, subject, 2))
        assert publisher.pid not in (None, first)
        assert len(read_topic(infra.kafka_bootstrap, topic, {subject}, expected=2, timeout=10)) == 2
    finally:
        publisher.close()


def test_a_child_dying_during_a_round_fails_that_round_at_once() -> None:
    publisher = ProcessPublisher(f"127.0.0.1:{free_port()}", "test", send_timeout=20.0)  # the round would hang
    publisher.start()
    pid = publisher.pid
    assert pid is not None
    killer = threading.Timer(2.0, os.kill, args=(pid, signal.SIGKILL))
    killer.start()
    started = time.monotonic()
    try:
        with pytest.raises(PublishFailed, match="process"):
            publisher.publish(records("linli.nowhere.v1", "x", 1))
        assert time.monotonic() - started < 10
    finally:
        killer.cancel()
        publisher.close()


def test_an_unreachable_broker_fails_the_round_in_time() -> None:
    publisher = ProcessPublisher(f"127.0.0.1:{free_port()}", "test", send_timeout=2.0)
    started = time.monotonic()
    try:
        with pytest.raises(PublishFailed):
            publisher.publish(records("linli.nowhere.v1", "x", 1))
    finally:
        publisher.close()
    assert time.monotonic() - started < 30


def test_close_ends_the_child_and_it_ignores_terminal_signals(infra: Infra) -> None:
    publisher = ProcessPublisher(infra.kafka_bootstrap, "test")
    publisher.start()
    pid = publisher.pid
    assert pid is not None
    time.sleep(1.0)  # past its start-up, where the signal handlers are installed
    os.kill(pid, signal.SIGINT)
    time.sleep(0.3)
    os.kill(pid, 0)  # still alive
    publisher.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
