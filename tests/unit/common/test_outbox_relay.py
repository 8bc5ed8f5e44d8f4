"""The outbox relay against a fake publisher and an in-memory store: all-or-nothing rounds, the
watermark settling only after acknowledgement, retries, and recovery after a crash."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest

from linli.common.cloudevents import Envelope, from_kafka, new_event
from linli.common.mongo import SEQ, Document, Notify
from linli.common.outbox import OutboxRelay
from linli.common.outbox_watermark import OutboxWatermark
from linli.common.publisher import PublishFailed, Record, ThreadPublisher

TOPIC = "linli.tests.v1"


class MemoryStore:
    """Aggregates with their events, as mongo.AggregateStore keeps them, in a dict."""

    def __init__(self, entity: str = "things") -> None:
        self.entity = entity
        self.documents: dict[Any, list[Document]] = {}
        self.checkpoint = 0
        self.watermark = OutboxWatermark()
        self.notify: Notify = lambda _id, _events, _replaced: None
        self.trims = 0

    def write(self, aggregate_id: Any, *events: Envelope) -> None:
        numbers = self.watermark.reserve(aggregate_id, len(events))
        outbox = [{**e.to_document(), SEQ: n} for e, n in zip(events, numbers, strict=True)]
        self.documents.setdefault(aggregate_id, []).extend(outbox)
        self.notify(aggregate_id, outbox, False)

    def load_checkpoint(self) -> int:
        return self.checkpoint

    def save_checkpoint(self, published_through: int) -> None:
        self.checkpoint = published_through

    def unpublished(self, published_through: int) -> list[tuple[Any, list[Document]]]:
        found = [
            (aggregate_id, [e for e in events if e.get(SEQ) is None or e[SEQ] > published_through])
            for aggregate_id, events in self.documents.items()
        ]
        return [(aggregate_id, events) for aggregate_id, events in found if events]

    def trim_published(self, aggregate_id: Any, published: list[Document]) -> None:
        self.trims += 1
        self.documents[aggregate_id] = [e for e in self.documents[aggregate_id] if e not in published]

    def restarted(self) -> MemoryStore:
        """The same stored data seen by a new process."""
        again = MemoryStore(self.entity)
        again.documents = {key: list(events) for key, events in self.documents.items()}
        again.checkpoint = self.checkpoint
        return again


class FakePublisher:
    """Acknowledges whole rounds, or fails them while `failing` is set."""

    def __init__(self) -> None:
        self.rounds: list[list[Record]] = []
        self.failing = False
        self.during: list[Any] = []

    def publish(self, records: Sequence[Record]) -> None:
        for hook in self.during:
            hook()
        if self.failing:
            raise PublishFailed("broker down")
        self.rounds.append(list(records))

    def close(self) -> None:
        """Nothing to close."""

    def ids(self) -> list[str]:
        return [
            from_kafka(topic, key, value, headers).id for round_ in self.rounds for topic, key, value, headers in round_
        ]


def event(subject: str, n: int = 0) -> Envelope:
    return new_event("tests", "org.linli.test.v1", subject, {"n": n}, topic=TOPIC)


def test_a_round_publishes_what_was_written_in_order_per_aggregate_then_settles() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    relay = OutboxRelay(publisher, [store])
    relay.recover()
    first, second, other = event("a", 1), event("a", 2), event("b")
    store.write("a", first, second)
    store.write("b", other)
    assert relay.pending() == 3
    assert relay.drain_once() == 3
    assert len(publisher.rounds) == 1
    assert publisher.ids() == [first.id, second.id, other.id]
    assert [key for _, key, _, _ in publisher.rounds[0]] == [b"a", b"a", b"b"]
    assert relay.pending() == 0
    assert store.checkpoint == store.watermark.published_through() > 0


def test_nothing_settles_before_the_broker_acknowledges() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    relay = OutboxRelay(publisher, [store])
    relay.recover()
    seen_while_publishing: list[tuple[int, int]] = []
    publisher.during.append(lambda: seen_while_publishing.append((relay.pending(), store.checkpoint)))
    store.write("a", event("a"))
    relay.drain_once()
    assert seen_while_publishing == [(1, 0)]


def test_a_failed_round_keeps_every_event_pending_and_the_next_round_sends_them_all() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    relay = OutboxRelay(publisher, [store])
    relay.recover()
    events = [event("a", 1), event("b", 2)]
    store.write("a", events[0])
    store.write("b", events[1])
    publisher.failing = True
    with pytest.raises(PublishFailed):
        relay.drain_once()
    assert relay.pending() == 2 and store.checkpoint == 0  # all or nothing: none settled
    later = event("a", 3)
    store.write("a", later)  # written while the broker was down: queued behind the failed ones
    publisher.failing = False
    assert relay.drain_once() == 3
    assert publisher.ids() == [events[0].id, later.id, events[1].id]  # per aggregate, stored order
    assert relay.pending() == 0


def test_the_running_relay_retries_until_the_broker_is_back() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    relay = OutboxRelay(publisher, [store], poll_seconds=0.01, checkpoint_seconds=0.0)
    attempts = threading.Semaphore(0)
    publisher.during.append(attempts.release)
    publisher.failing = True
    relay.start()
    try:
        store.write("a", event("a"))
        for _ in range(2):  # failed twice, backing off in between
            assert attempts.acquire(timeout=5)
        publisher.failing = False
        assert relay.wait_until_published(5)
    finally:
        relay.stop(5)
    assert len(publisher.ids()) == 1
    assert store.checkpoint == store.watermark.published_through()


def test_recovery_republishes_only_what_the_watermark_did_not_cover() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    relay = OutboxRelay(publisher, [store])
    relay.recover()
    published = event("a", 1)
    store.write("a", published)
    relay.drain_once()
    publisher.failing = True
    lost = [event("a", 2), event("b", 3)]
    store.write("a", lost[0])
    store.write("b", lost[1])
    with pytest.raises(PublishFailed):
        relay.drain_once()  # then the process dies: these were stored, never acknowledged

    after_crash, publisher_after = store.restarted(), FakePublisher()
    restarted = OutboxRelay(publisher_after, [after_crash])
    assert restarted.drain_once() == 2
    assert sorted(publisher_after.ids()) == sorted(e.id for e in lost)
    assert restarted.pending() == 0
    assert after_crash.checkpoint >= max(e[SEQ] for events in store.documents.values() for e in events)
    # a new write after recovery is numbered above the persisted watermark
    fresh = event("c")
    after_crash.write("c", fresh)
    assert after_crash.documents["c"][0][SEQ] > after_crash.checkpoint


def test_events_stored_before_numbering_are_published_and_removed_at_recovery() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    legacy = event("old")
    store.documents["old"] = [legacy.to_document()]  # no SEQ
    relay = OutboxRelay(publisher, [store])
    assert relay.recover() == 1
    assert publisher.ids() == [legacy.id]
    assert store.documents["old"] == []


def test_published_events_are_trimmed_once_writes_go_quiet() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    relay = OutboxRelay(publisher, [store], trim_idle_seconds=0.0)
    relay.recover()
    store.write("a", event("a"))
    relay.drain_once()
    assert relay.trim(idle_only=True) == 1
    assert store.documents["a"] == []


def test_a_hook_sees_each_aggregates_events_after_the_acknowledgement() -> None:
    store, publisher = MemoryStore(), FakePublisher()
    seen: list[tuple[Any, list[str], int]] = []
    relay = OutboxRelay(
        publisher,
        [store],
        on_published=lambda s, aggregate_id, events: seen.append(
            (aggregate_id, [e.id for e in events], len(publisher.rounds))
        ),
    )
    relay.recover()
    first = event("a")
    store.write("a", first)
    relay.drain_once()
    assert seen == [("a", [first.id], 1)]


class Future:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def get(self, timeout: float) -> None:
        if self.error is not None:
            raise self.error


class FakeProducer:
    def __init__(self, fail_on: int | None = None) -> None:
        self.fail_on = fail_on
        self.sent: list[str] = []
        self.flushed = False

    def send(self, topic: str, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Future:
        self.sent.append(topic)
        return Future(TimeoutError("no ack") if len(self.sent) - 1 == self.fail_on else None)

    def flush(self, timeout: float) -> None:
        self.flushed = True


def test_the_thread_publisher_fails_the_round_when_any_record_is_not_acknowledged() -> None:
    records: list[Record] = [(TOPIC, b"k", b"v", []), (TOPIC, b"k", b"v", []), (TOPIC, b"k", b"v", [])]
    ThreadPublisher(FakeProducer()).publish(records)
    producer = FakeProducer(fail_on=1)
    with pytest.raises(PublishFailed, match="no ack"):
        ThreadPublisher(producer).publish(records)
    assert producer.flushed and len(producer.sent) == 3  # every record sent, then all awaited
